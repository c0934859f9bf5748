"""Reservations under real concurrent connections: workers releasing at once release each
reservation once; a counter payment and the release at the same instant never both win."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from crm.models import Contact
from tenants.accounts.models import AuditEvent
from tests.helpers import committed, run_together
from tests.ticketing.test_concurrency import rush  # noqa: F401 (fixture)
from ticketing.errors import InvalidRequest
from ticketing.models import Order, PerformanceSeat, Seat, Tariff
from ticketing.services import orders
from ticketing.specs import Buyer, HoldRequest, PaymentSpec, TariffChoice

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _reserve_each(performance, labels, *, hours_apart: bool = False) -> list[int]:
    """One reservation per seat; `hours_apart`: the n-th due n hours from now (so that one
    alone has expired at a time), else all at the venue's usual deadline."""
    plein = Tariff.objects.get(code="plein")
    ids = []
    for n, label in enumerate(labels, start=1):
        seat = Seat.objects.get(section__layout=performance.layout, label=label)
        order = orders.reserve(
            performance=performance,
            request=HoldRequest(seat_ids=[seat.pk]),
            tariffs=TariffChoice(plein.pk),
            buyer=Buyer(last_name=f"Client {label}"),
            pay_by=timezone.now() + timedelta(hours=n) if hours_apart else None,
        )
        ids.append(order.pk)
    return ids


def _cleanup_events(order_ids) -> None:
    """The orders' audit events, and the buyers the reservations made crm contacts of
    (their orders go first: they protect their contact; the rush fixture removes the rest)."""
    AuditEvent.objects.filter(object_type="ticketing.order", object_id__in=order_ids).delete()
    buyers = list(
        Contact.objects.filter(orders__id__in=order_ids).values_list("id", flat=True).distinct()
    )
    Order.objects.filter(pk__in=order_ids).delete()
    Contact.objects.filter(pk__in=buyers).delete()


def test_workers_releasing_at_once_release_each_reservation_once(rush):  # noqa: F811
    venue, performance = rush
    labels = ["A1", "A2", "A3", "B1", "B2", "B3"]
    order_ids = committed(venue, lambda: _reserve_each(performance, labels))
    deadline = committed(venue, lambda: Order.objects.get(pk=order_ids[0]).pay_by)
    try:
        with time_machine.travel(deadline + timedelta(minutes=1)):
            released = run_together(
                venue, lambda _i: orders.release_expired_reservations(limit=3), threads=4
            )
            # What was left (a worker took only its share) goes on the next runs.
            while more := committed(venue, orders.release_expired_reservations):
                released.append(more)
        assert sum(released) == len(labels)
        statuses = committed(
            venue, lambda: set(Order.objects.filter(pk__in=order_ids).values_list("status"))
        )
        assert statuses == {("cancelled",)}
        expired = committed(
            venue,
            lambda: AuditEvent.objects.filter(
                code="ticketing.reservation.expired", object_id__in=order_ids
            ).count(),
        )
        assert expired == len(labels)
        sold = committed(
            venue,
            lambda: (
                PerformanceSeat.objects.filter(performance=performance, seat__label__in=labels)
                .exclude(status="available")
                .count()
            ),
        )
        assert sold == 0
    finally:
        committed(venue, lambda: _cleanup_events(order_ids))


def _pay_or_none(order_id):
    try:
        orders.pay_reservation(order=Order(pk=order_id), payments=[PaymentSpec("cash", None)])
        return "paid"
    except InvalidRequest as error:
        return f"refused:{error.code}"


def test_a_payment_and_the_release_at_the_same_instant_never_both_win(rush):  # noqa: F811
    venue, performance = rush
    labels = ["C1", "C2", "C3", "C4", "C5"]
    order_ids = committed(venue, lambda: _reserve_each(performance, labels, hours_apart=True))
    try:
        for order_id in order_ids:
            deadline = committed(
                venue, lambda order_id=order_id: Order.objects.get(pk=order_id).pay_by
            )
            with time_machine.travel(deadline + timedelta(seconds=5)):
                pay, release = run_together(
                    venue,
                    lambda i, order_id=order_id: (
                        _pay_or_none(order_id) if i == 0 else orders.release_expired_reservations()
                    ),
                    threads=2,
                )
                assert (pay == "paid") != (release == 1), (pay, release)
                assert pay in ("paid", "refused:ticketing.reservation_expired")
        for order_id in order_ids:
            status, seat_states = committed(
                venue,
                lambda order_id=order_id: (
                    Order.objects.get(pk=order_id).status,
                    set(
                        PerformanceSeat.objects.filter(
                            performance=performance,
                            seat_id__in=Order.objects.get(pk=order_id).tickets.values("seat_id"),
                        ).values_list("status", flat=True)
                    ),
                ),
            )
            assert seat_states == ({"sold"} if status == "paid" else {"available"})
    finally:
        committed(venue, lambda: _cleanup_events(order_ids))
