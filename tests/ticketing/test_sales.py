"""Holds, confirmation, expiry, cancellation, refunds, exchanges through the services."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from crm.models import Contact
from tests.helpers import in_venue
from ticketing import selectors
from ticketing.errors import (
    HoldExpired,
    InvalidRequest,
    NotEnoughPlaces,
    NotOnSale,
    SeatsUnavailable,
)
from ticketing.models import (
    Order,
    PerformanceSeat,
    PerformanceZone,
    SalesSettings,
    Seat,
    Tariff,
    Ticket,
)
from ticketing.selectors import category_availability, orders_affected_by, sold_counts
from ticketing.services import inventory, orders, programme
from ticketing.services.inventory import HoldRequest
from ticketing.services.orders import Buyer, PaymentSpec, TariffChoice

pytestmark = pytest.mark.django_db


def seats_of(performance, *labels):
    return list(
        Seat.objects.filter(section__layout=performance.layout, label__in=labels)
        .order_by("label")
        .values_list("id", flat=True)
    )


def status_of(performance, seat_id):
    return PerformanceSeat.objects.get(performance=performance, seat_id=seat_id).status


def test_a_hold_reserves_seats_then_confirmation_sells_them(venue_a, performance, plein):
    with in_venue(venue_a):
        a1, a2 = seats_of(performance, "A1", "A2")
        hold = inventory.create_hold(
            performance=performance, request=HoldRequest(seat_ids=[a1, a2])
        )
        assert status_of(performance, a1) == "held"
        order = orders.confirm_order(
            hold_token=hold.token,
            tariffs=TariffChoice(default=plein.pk),
            buyer=Buyer(email="Marie.Curie@Example.fr", first_name="Marie", last_name="Curie"),
            payments=[PaymentSpec("offline_test", 5000)],
        )
        assert order.status == Order.Status.PAID
        assert order.total_cents == 5000 and order.tickets.count() == 2
        assert status_of(performance, a1) == "sold"
        contact = Contact.objects.get(email_normalized="marie.curie@example.fr")
        assert contact.purchase_count == 1 and contact.tickets_bought == 2
        assert "ticketing.order.created" in {e.code for e in selectors.order_events(order)}


def test_a_taken_seat_cannot_be_held_again(venue_a, performance):
    with in_venue(venue_a):
        (a1,) = seats_of(performance, "A1")
        inventory.create_hold(performance=performance, request=HoldRequest(seat_ids=[a1]))
        with pytest.raises(SeatsUnavailable):
            inventory.create_hold(performance=performance, request=HoldRequest(seat_ids=[a1]))


def test_all_or_nothing_when_one_seat_is_taken(venue_a, performance):
    with in_venue(venue_a):
        a1, a2 = seats_of(performance, "A1", "A2")
        inventory.create_hold(performance=performance, request=HoldRequest(seat_ids=[a2]))
        with pytest.raises(SeatsUnavailable):
            inventory.create_hold(performance=performance, request=HoldRequest(seat_ids=[a1, a2]))
        assert status_of(performance, a1) == "available"


def test_an_expired_hold_cannot_be_confirmed_and_its_seats_are_free(venue_a, performance, plein):
    with in_venue(venue_a):
        (a1,) = seats_of(performance, "A1")
        hold = inventory.create_hold(performance=performance, request=HoldRequest(seat_ids=[a1]))
        with time_machine.travel(timezone.now() + timedelta(minutes=11)):
            # Lazily free on read: another buyer can take it at once.
            other = inventory.create_hold(
                performance=performance, request=HoldRequest(seat_ids=[a1])
            )
            with pytest.raises(HoldExpired):
                orders.confirm_order(
                    hold_token=hold.token,
                    tariffs=TariffChoice(plein.pk),
                    payments=[PaymentSpec("cash", 2500)],
                )
            assert other.pk != hold.pk


def test_expired_holds_are_released_by_the_periodic_task(venue_a, performance):
    with in_venue(venue_a):
        (a1,) = seats_of(performance, "A1")
        zone = PerformanceZone.objects.get(performance=performance)
        inventory.create_hold(
            performance=performance, request=HoldRequest(seat_ids=[a1], zones={zone.pk: 3})
        )
        assert inventory.release_expired_holds() == 0
        with time_machine.travel(timezone.now() + timedelta(minutes=11)):
            assert inventory.release_expired_holds() == 1
        assert status_of(performance, a1) == "available"
        zone.refresh_from_db()
        assert zone.held == 0


def test_hold_time_comes_from_the_venue_settings(venue_a, performance):
    with in_venue(venue_a):
        SalesSettings.objects.update_or_create(singleton=True, defaults={"hold_minutes": 3})
        hold = inventory.create_hold(performance=performance, request=HoldRequest(best_available=1))
        assert timedelta(minutes=2) < hold.expires_at - timezone.now() <= timedelta(minutes=3)


def test_general_admission_never_exceeds_capacity(venue_a, performance, plein):
    with in_venue(venue_a):
        zone = PerformanceZone.objects.get(performance=performance)
        orders.sell(
            performance=performance,
            request=HoldRequest(zones={zone.pk: 15}),
            tariffs=TariffChoice(plein.pk),
            payments=[PaymentSpec("cash", 15 * 1800)],
        )
        with pytest.raises(NotEnoughPlaces):
            inventory.create_hold(performance=performance, request=HoldRequest(zones={zone.pk: 6}))
        inventory.create_hold(performance=performance, request=HoldRequest(zones={zone.pk: 5}))
        zone.refresh_from_db()
        assert (zone.sold, zone.held, zone.available) == (15, 5, 0)


def test_best_available_sells_adjacent_seats_in_the_best_row(venue_a, performance, plein):
    with in_venue(venue_a):
        order = orders.sell(
            performance=performance,
            request=HoldRequest(best_available=4),
            tariffs=TariffChoice(plein.pk),
            payments=[PaymentSpec("cash", 10000)],
        )
        labels = sorted(t.seat.label for t in order.tickets.select_related("seat"))
        assert labels == ["A4", "A5", "A6", "A7"]


def test_tariffs_per_seat_and_fee(venue_a, performance, plein):
    with in_venue(venue_a):
        SalesSettings.objects.update_or_create(singleton=True, defaults={"fee_cents": 50})
        a1, a2 = seats_of(performance, "A1", "A2")
        reduit = Tariff.objects.get(code="reduit")
        order = orders.sell(
            performance=performance,
            request=HoldRequest(seat_ids=[a1, a2]),
            tariffs=TariffChoice(default=plein.pk, seats={a2: reduit.pk}),
            payments=[PaymentSpec("card_counter", 2500 + 1500 + 100)],
        )
        assert sorted(t.price_cents for t in order.tickets.all()) == [1500, 2500]
        assert order.fee_cents == 100 and order.total_cents == 4100


def test_underpayment_is_refused_and_nothing_is_sold(venue_a, performance, plein):
    with in_venue(venue_a):
        (a1,) = seats_of(performance, "A1")
        with pytest.raises(InvalidRequest):
            orders.sell(
                performance=performance,
                request=HoldRequest(seat_ids=[a1]),
                tariffs=TariffChoice(plein.pk),
                payments=[PaymentSpec("cash", 100)],
            )
        assert status_of(performance, a1) == "available"


def test_a_pending_order_cancelled_frees_its_seats(venue_a, performance, plein):
    with in_venue(venue_a):
        (a1,) = seats_of(performance, "A1")
        order = orders.sell(
            performance=performance,
            request=HoldRequest(seat_ids=[a1]),
            tariffs=TariffChoice(plein.pk),
            channel="web",
            allow_pending=True,
        )
        assert order.status == Order.Status.PENDING and status_of(performance, a1) == "sold"
        orders.cancel_order(order=order, reason="payment failed")
        assert status_of(performance, a1) == "available"
        assert "ticketing.order.cancelled" in {e.code for e in selectors.order_events(order)}


def test_partial_then_full_refund(venue_a, performance, plein):
    with in_venue(venue_a):
        a1, a2 = seats_of(performance, "A1", "A2")
        order = orders.sell(
            performance=performance,
            request=HoldRequest(seat_ids=[a1, a2]),
            tariffs=TariffChoice(plein.pk),
            payments=[PaymentSpec("cash", 5000)],
            buyer=Buyer(email="r@example.fr"),
        )
        first = order.tickets.get(seat_id=a1)
        orders.refund_order(order=order, ticket_ids=[first.pk])
        order.refresh_from_db()
        assert order.status == Order.Status.PARTIALLY_REFUNDED and order.refunded_cents == 2500
        assert status_of(performance, a1) == "available" and status_of(performance, a2) == "sold"
        orders.refund_order(order=order)
        order.refresh_from_db()
        assert order.status == Order.Status.REFUNDED and order.refunded_cents == 5000
        assert sum(p.amount_cents for p in order.payments.all()) == 0
        contact = Contact.objects.get(email_normalized="r@example.fr")
        assert contact.refund_count == 2 and contact.amount_spent_cents == 0
        with pytest.raises(InvalidRequest):
            orders.refund_order(order=order)


def test_exchange_moves_tickets_and_settles_the_difference(venue_a, performance, plein):
    from tests.ticketing.conftest import build_performance

    with in_venue(venue_a):
        other = build_performance(name="Salle 2", starts_in_days=30)
        (a1,) = seats_of(performance, "A1")
        order = orders.sell(
            performance=performance,
            request=HoldRequest(seat_ids=[a1]),
            tariffs=TariffChoice(plein.pk),
            payments=[PaymentSpec("cash", 2500)],
        )
        ticket = order.tickets.get()
        (e1,) = seats_of(other, "E1")  # rank 3 → Cat. 2 at 18 €: 7 € credited
        new = orders.exchange_tickets(
            order=order,
            ticket_ids=[ticket.pk],
            to_performance=other,
            request=HoldRequest(seat_ids=[e1]),
            tariffs=TariffChoice(plein.pk),
        )
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.EXCHANGED and ticket.exchanged_to == new[0]
        assert status_of(performance, a1) == "available"
        assert status_of(other, e1) == "sold"
        assert order.payments.filter(amount_cents=-700, method="voucher").exists()
        (event,) = [
            e for e in selectors.order_events(order) if e.code == "ticketing.order.exchanged"
        ]
        assert event.data["difference_cents"] == -700


def test_programme_change_lists_affected_orders_in_one_call(
    venue_a, performance, plein, django_assert_num_queries
):
    with in_venue(venue_a):
        for label in ("A1", "A2", "A3"):
            orders.sell(
                performance=performance,
                request=HoldRequest(seat_ids=seats_of(performance, label)),
                tariffs=TariffChoice(plein.pk),
                payments=[PaymentSpec("cash", 2500)],
                buyer=Buyer(email=f"{label}@example.fr"),
            )
        change = programme.cancel_performance(performance=performance, reason="Artiste malade")
        assert change.kind == "cancelled"
        with django_assert_num_queries(1):
            affected = list(orders_affected_by(performance))
        assert len(affected) == 3 and all(o.contact.email for o in affected)
        performance.refresh_from_db()
        with pytest.raises(NotOnSale):
            inventory.create_hold(performance=performance, request=HoldRequest(best_available=1))


def test_allocations_hold_back_seats_and_release_in_one_action(venue_a, performance, plein):
    with in_venue(venue_a):
        a1, a2 = seats_of(performance, "A1", "A2")
        allocation = inventory.allocate_seats(
            performance=performance, kind="press", name="Presse", seat_ids=[a1, a2]
        )
        with pytest.raises(SeatsUnavailable):
            inventory.create_hold(performance=performance, request=HoldRequest(seat_ids=[a1]))
        # The box office may sell an allocated seat.
        orders.sell(
            performance=performance,
            request=HoldRequest(seat_ids=[a1]),
            tariffs=TariffChoice(plein.pk),
            payments=[PaymentSpec("cash", 2500)],
        )
        assert inventory.release_allocation(allocation=allocation) == 2
        inventory.create_hold(performance=performance, request=HoldRequest(seat_ids=[a2]))


def test_availability_per_category(venue_a, performance, plein):
    with in_venue(venue_a):
        before = {c["name"]: c for c in category_availability(performance)}
        assert before["Cat. 1"]["available"] == 20 and before["Cat. 2"]["available"] == 30 + 20
        orders.sell(
            performance=performance,
            request=HoldRequest(best_available=2),
            tariffs=TariffChoice(plein.pk),
            payments=[PaymentSpec("cash", 5000)],
        )
        after = {c["name"]: c for c in category_availability(performance)}
        assert after["Cat. 1"]["available"] == 18
        assert sold_counts(performance) == {"sold": 2, "capacity": 70}


def test_the_periodic_task_releases_every_expired_cart(venue_a, performance):
    from ticketing.tasks import release_expired_holds_task

    with in_venue(venue_a):
        for label in ("A1", "A2", "A3"):
            inventory.create_hold(
                performance=performance, request=HoldRequest(seat_ids=seats_of(performance, label))
            )
        with time_machine.travel(timezone.now() + timedelta(minutes=11)):
            assert release_expired_holds_task.apply().get() == 3
            assert release_expired_holds_task.apply().get() == 0
        assert not PerformanceSeat.objects.filter(performance=performance, status="held").exists()


def test_expired_carts_of_one_zone_give_back_all_their_places(venue_a, performance):
    """Several carts in one zone expire together: each one's places go back."""
    with in_venue(venue_a):
        zone = PerformanceZone.objects.get(performance=performance)
        for quantity in (2, 3, 4):
            inventory.create_hold(
                performance=performance, request=HoldRequest(zones={zone.pk: quantity})
            )
        zone.refresh_from_db()
        assert zone.held == 9
        with time_machine.travel(timezone.now() + timedelta(minutes=11)):
            assert inventory.release_expired_holds() == 3
        zone.refresh_from_db()
        assert (zone.held, zone.sold) == (0, 0)


def test_a_full_refund_after_exchanges_gives_back_every_fee_paid(venue_a, performance, plein):
    """The booking fee is paid once, at the sale; an exchange charges none, so a full refund
    with fees returns the fee of the ticket first sold, through any number of exchanges."""
    from tests.ticketing.conftest import build_performance
    from ticketing.models import SalesSettings

    with in_venue(venue_a):
        fees = SalesSettings.current()
        fees.fee_cents = 50
        fees.save()
        other = build_performance(name="Salle 2", starts_in_days=30)
        (a1,), (a2,) = seats_of(performance, "A1"), seats_of(performance, "A2")
        order = orders.sell(
            performance=performance,
            request=HoldRequest(seat_ids=[a1, a2]),
            tariffs=TariffChoice(plein.pk),
            payments=[PaymentSpec("cash", None)],
        )
        paid = order.total_cents
        assert order.fee_cents == 100
        first = order.tickets.get(seat_id=a1)
        (moved,) = orders.exchange_tickets(
            order=order,
            ticket_ids=[first.pk],
            to_performance=other,
            request=HoldRequest(seat_ids=seats_of(other, "E1")),
            tariffs=TariffChoice(plein.pk),
        )
        orders.exchange_tickets(  # and once more, back to the first performance
            order=order,
            ticket_ids=[moved.pk],
            to_performance=performance,
            request=HoldRequest(seat_ids=seats_of(performance, "A3")),
            tariffs=TariffChoice(plein.pk),
            payment=PaymentSpec("cash", None),
        )
        orders.refund_order(order=order, include_fees=True)
        order.refresh_from_db()
        taken = sum(p.amount_cents for p in order.payments.all())
        assert order.status == Order.Status.REFUNDED
        assert taken == 0, f"{taken} cents kept of {paid}"
