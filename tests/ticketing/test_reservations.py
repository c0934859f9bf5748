"""Reservations (seats taken, paid later or released at the deadline), their reminder, and
invitations, through the services; time moved with time-machine."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone

from crm.models import Contact
from tenants.accounts.models import AuditEvent
from tenants.events.models import Event
from tests.helpers import in_venue
from ticketing.errors import InvalidRequest, SeatsUnavailable
from ticketing.models import Order, OrderEmail, PerformanceSeat, SalesSettings, Seat, Ticket
from ticketing.selectors.reservations import counted_apart, open_reservations
from ticketing.services import orders
from ticketing.services import tickets as ticket_services
from ticketing.services.orders import Buyer, PaymentSpec, TariffChoice
from ticketing.services.orders.reservations import ReservationError
from ticketing.specs import HoldRequest
from ticketing.tasks import release_expired_reservations_task, remind_reservations_task

from .conftest import build_performance

pytestmark = pytest.mark.django_db

BUYER = Buyer(email="lea.martin@example.fr", first_name="Léa", last_name="Martin")


def seats_of(performance, *labels):
    return list(
        Seat.objects.filter(section__layout=performance.layout, label__in=labels)
        .order_by("label")
        .values_list("id", flat=True)
    )


def statuses(performance, seat_ids):
    return set(
        PerformanceSeat.objects.filter(performance=performance, seat_id__in=seat_ids).values_list(
            "status", flat=True
        )
    )


def reserve(performance, plein, *labels, buyer=BUYER, **kwargs):
    return orders.reserve(
        performance=performance,
        request=HoldRequest(seat_ids=seats_of(performance, *labels)),
        tariffs=TariffChoice(default=plein.pk),
        buyer=buyer,
        **kwargs,
    )


def test_a_reservation_takes_the_seats_until_the_venues_deadline(venue_a, performance, plein):
    with in_venue(venue_a):
        before = timezone.now()
        order = reserve(performance, plein, "A1", "A2")
        assert order.status == Order.Status.PENDING
        assert order.total_cents == 5000 and order.channel == "box_office"
        # The venue's default: 72 hours.
        assert before + timedelta(hours=72) <= order.pay_by <= timezone.now() + timedelta(hours=72)
        ids = seats_of(performance, "A1", "A2")
        assert statuses(performance, ids) == {"sold"}
        assert Ticket.objects.filter(order=order, status="valid").count() == 2
        assert AuditEvent.objects.filter(
            code="ticketing.reservation.created", object_id=order.pk
        ).exists()
        event = Event.objects.get(
            code="ticketing.reservation.created", key=f"order:{order.reference}"
        )
        assert event.data["order_id"] == order.pk and event.data["pay_by"]
        # Nobody else can buy them.
        with pytest.raises(SeatsUnavailable):
            orders.sell(
                performance=performance,
                request=HoldRequest(seat_ids=ids[:1]),
                tariffs=TariffChoice(default=plein.pk),
                payments=[PaymentSpec("cash", None)],
            )
        # No ticket is issued before payment: no confirmation event.
        assert not Event.objects.filter(
            code="ticketing.order.confirmed", key=f"order:{order.reference}"
        ).exists()
        (row,) = open_reservations()
        assert row.order.pk == order.pk and row.tickets == 2 and not row.overdue
        assert row.performance.pk == performance.pk


def test_the_deadline_is_capped_before_the_performance_and_refused_when_past(venue_a):
    with in_venue(venue_a):
        soon = build_performance(starts_in_days=1, name="Petite salle")
        plein = soon.categories.first().prices.get(tariff__code="plein").tariff
        order = reserve(soon, plein, "A1")
        # 72 h would pass the start: capped one hour (the venue's cut-off) before it.
        assert order.pay_by == soon.starts_at - timedelta(hours=1)
        wanted = timezone.now() + timedelta(hours=5)
        assert reserve(soon, plein, "A2", pay_by=wanted).pay_by == wanted
        later = reserve(soon, plein, "A4", pay_by=soon.starts_at)
        assert later.pay_by == soon.starts_at - timedelta(hours=1)
        venue_settings = SalesSettings.current()
        venue_settings.reservation_cutoff_hours = 48
        venue_settings.save()
        try:
            with pytest.raises(InvalidRequest) as refused:
                reserve(soon, plein, "A3")
            assert refused.value.code == "ticketing.reservation_too_late"
        finally:  # saved again: the settings cached meanwhile are forgotten
            venue_settings.reservation_cutoff_hours = 1
            venue_settings.save()


def test_a_reservation_needs_a_buyer(venue_a, performance, plein):
    with in_venue(venue_a):
        with pytest.raises(InvalidRequest) as refused:
            reserve(performance, plein, "A1", buyer=None)
        assert refused.value.code == "ticketing.reservation_needs_buyer"
        assert not Order.objects.exists()


def test_the_deadline_releases_the_seats_once(venue_a, performance, plein):
    with in_venue(venue_a):
        order = reserve(performance, plein, "A1", "A2")
        kept = reserve(performance, plein, "B1", pay_by=timezone.now() + timedelta(days=5))
        ids = seats_of(performance, "A1", "A2")
        # Before the deadline the task changes nothing.
        with time_machine.travel(order.pay_by - timedelta(minutes=1)):
            assert release_expired_reservations_task() == 0
        assert statuses(performance, ids) == {"sold"}
        with time_machine.travel(order.pay_by + timedelta(seconds=30)):
            assert release_expired_reservations_task() == 1
            assert release_expired_reservations_task() == 0  # twice: no harm
        order.refresh_from_db()
        kept.refresh_from_db()
        assert order.status == Order.Status.CANCELLED and kept.status == Order.Status.PENDING
        assert statuses(performance, ids) == {"available"}
        assert set(order.tickets.values_list("status", flat=True)) == {"cancelled"}
        codes = set(
            AuditEvent.objects.filter(
                object_id=order.pk, object_type="ticketing.order"
            ).values_list("code", flat=True)
        )
        assert {"ticketing.order.cancelled", "ticketing.reservation.expired"} <= codes
        assert (
            Event.objects.filter(
                code="ticketing.reservation.expired", key=f"order:{order.reference}"
            ).count()
            == 1
        )
        # Paying after the release is refused: the seats may be someone else's now.
        with pytest.raises(ReservationError) as late:
            orders.pay_reservation(order=order, payments=[PaymentSpec("cash", None)])
        assert late.value.code == "ticketing.reservation_expired"
        # And they are on sale again.
        again = orders.sell(
            performance=performance,
            request=HoldRequest(seat_ids=ids),
            tariffs=TariffChoice(default=plein.pk),
            payments=[PaymentSpec("cash", None)],
        )
        assert again.status == Order.Status.PAID


def test_paid_at_the_counter_before_the_deadline(venue_a, performance, plein):
    with in_venue(venue_a):
        order = reserve(performance, plein, "A1", "A2")
        paid = orders.pay_reservation(
            order=order,
            payments=[PaymentSpec("card_counter", 2000), PaymentSpec("cash", 4000)],
        )
        assert paid.status == Order.Status.PAID and paid.paid_at
        assert paid.change_cents == 1000
        assert sorted(order.payments.values_list("method", "amount_cents", "change_cents")) == [
            ("card_counter", 2000, 0),
            ("cash", 3000, 1000),
        ]
        # Tickets issued as for a sale: the confirmation event (which emails them).
        assert Event.objects.filter(
            code="ticketing.order.confirmed", key=f"order:{order.reference}"
        ).exists()
        with time_machine.travel(order.pay_by + timedelta(minutes=1)):
            assert release_expired_reservations_task() == 0
        assert statuses(performance, seats_of(performance, "A1", "A2")) == {"sold"}
        with pytest.raises(InvalidRequest):
            orders.pay_reservation(order=order, payments=[PaymentSpec("cash", 100)])


def test_short_payment_is_refused_and_nothing_recorded(venue_a, performance, plein):
    with in_venue(venue_a):
        order = reserve(performance, plein, "A1")
        with pytest.raises(InvalidRequest) as short:
            orders.pay_reservation(order=order, payments=[PaymentSpec("card_counter", 100)])
        assert short.value.code == "ticketing.underpaid"
        assert not order.payments.exists()


def test_cancelled_by_staff_frees_the_seats(venue_a, performance, plein):
    with in_venue(venue_a):
        order = reserve(performance, plein, "A1")
        orders.cancel_reservation(order=order, reason="changed their mind")
        order.refresh_from_db()
        assert order.status == Order.Status.CANCELLED
        assert statuses(performance, seats_of(performance, "A1")) == {"available"}
        assert AuditEvent.objects.filter(
            code="ticketing.reservation.cancelled", object_id=order.pk
        ).exists()


@pytest.fixture
def sent_tasks(monkeypatch):
    sent = []
    monkeypatch.setattr(
        ticket_services, "send_task", lambda name, args, headers: sent.append(args[0])
    )
    return sent


def test_the_reminder_goes_out_once_before_the_deadline(
    venue_a, performance, plein, sent_tasks, django_capture_on_commit_callbacks
):
    with in_venue(venue_a):
        order = reserve(performance, plein, "A1")
        anonymous = reserve(performance, plein, "A2", buyer=Buyer(last_name="Sans Email"))
        # Too early: the venue reminds 24 h before the deadline.
        with time_machine.travel(order.pay_by - timedelta(hours=25)):
            assert remind_reservations_task() == 0
        with time_machine.travel(order.pay_by - timedelta(hours=23)):
            with django_capture_on_commit_callbacks(execute=True):
                assert remind_reservations_task() == 1
            assert remind_reservations_task() == 0  # once
        (email,) = OrderEmail.objects.filter(kind="reservation_reminder")
        assert email.order_id == order.pk
        assert not OrderEmail.objects.filter(order=anonymous).exists()
        assert sent_tasks == [email.pk]
        assert ticket_services.deliver_order_email(email_id=email.pk) == "sent"
        assert ticket_services.deliver_order_email(email_id=email.pk) == "skipped"
        assert (
            AuditEvent.objects.filter(
                code="ticketing.reservation.reminded", object_id=order.pk
            ).count()
            == 1
        )
    (message,) = mail.outbox
    assert message.to == ["lea.martin@example.fr"]
    assert order.reference in message.subject and "Rappel" in message.subject
    assert "billetterie" in message.body  # no link: pay at the box office
    assert message.extra_headers["X-Parterre-Venue"] == venue_a.schema_name


def test_the_reminder_rows_unique_constraint_settles_a_race(venue_a, performance, plein):
    from django.db import IntegrityError, transaction

    with in_venue(venue_a):
        order = reserve(performance, plein, "A1")
        ticket_services.queue_order_email(order=order, kind="reservation_reminder")
        with pytest.raises(IntegrityError), transaction.atomic():
            ticket_services.queue_order_email(order=order, kind="reservation_reminder")


def test_an_invitation_is_free_with_its_reason_and_who_invites(venue_a, performance, plein):
    with in_venue(venue_a):
        artist = Contact.objects.create(first_name="Ariane", last_name="Mnouchkine")
        order = orders.invite(
            performance=performance,
            request=HoldRequest(seat_ids=seats_of(performance, "A1", "A2")),
            tariffs=TariffChoice(default=plein.pk),
            guest=Buyer(email="journaliste@example.fr", last_name="Presse"),
            reason="press",
            invited_by_id=artist.pk,
        )
        assert order.status == Order.Status.PAID
        assert (order.total_cents, order.fee_cents) == (0, 0)
        assert order.invitation_reason == "press" and order.invited_by_id == artist.pk
        assert set(order.tickets.values_list("price_cents", "fee_cents")) == {(0, 0)}
        assert not order.payments.exists()
        assert statuses(performance, seats_of(performance, "A1", "A2")) == {"sold"}
        assert Event.objects.filter(
            code="ticketing.invitation.issued", key=f"order:{order.reference}"
        ).exists()
        assert Event.objects.filter(
            code="ticketing.order.confirmed", key=f"order:{order.reference}"
        ).exists()  # tickets emailed as for a sale
        apart = counted_apart(performance.pk)
        assert apart.invited == 2 and len(apart.invitations) == 1
        assert apart.invitations[0][1] == 2 and apart.reserved == 0


def test_an_invitation_takes_no_payment_and_needs_a_reason(venue_a, performance, plein):
    with in_venue(venue_a):
        request = HoldRequest(seat_ids=seats_of(performance, "A1"))
        with pytest.raises(InvalidRequest) as no_reason:
            orders.invite(
                performance=performance,
                request=request,
                tariffs=TariffChoice(default=plein.pk),
                guest=None,
                reason="friends",
            )
        assert no_reason.value.code == "ticketing.invitation_reason"
        from ticketing.specs import OrderTerms

        with pytest.raises(InvalidRequest) as paid:
            orders.sell(
                performance=performance,
                request=request,
                tariffs=TariffChoice(default=plein.pk),
                payments=[PaymentSpec("cash", 100)],
                terms=OrderTerms(invitation_reason="press"),
            )
        assert paid.value.code == "ticketing.invitation_not_free"
        assert not Order.objects.exists()


def test_each_venue_releases_only_its_own(venue_a, venue_b, performance, plein):
    with in_venue(venue_a):
        order = reserve(performance, plein, "A1")
        deadline = order.pay_by
    with in_venue(venue_b):
        other = build_performance()
        other_plein = other.categories.first().prices.get(tariff__code="plein").tariff
        theirs = reserve(other, other_plein, "A1", pay_by=deadline + timedelta(days=1))
    with time_machine.travel(deadline + timedelta(minutes=1)):
        with in_venue(venue_b):
            assert connection.schema_name == venue_b.schema_name
            assert release_expired_reservations_task() == 0
        with in_venue(venue_a):
            assert release_expired_reservations_task() == 1
    with in_venue(venue_b):
        theirs.refresh_from_db()
        assert theirs.status == Order.Status.PENDING
