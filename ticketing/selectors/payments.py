"""Reads of online payments: what a cart holds (to price it and to sell the same places again
after a late payment), a storefront session's payment, a contact's provider customer."""

from __future__ import annotations

from ticketing.models import (
    Hold,
    HoldZoneItem,
    OnlinePayment,
    PaymentCustomer,
    PaymentSettings,
    PerformanceSeat,
)
from ticketing.models.payments import COUNTER_METHODS
from ticketing.specs import TakenPlaces, TakenSeat


def held_places(hold: Hold) -> tuple[list[TakenSeat], list[TakenPlaces]]:
    """The seats and standing places a live cart holds (two queries)."""
    seats = [
        TakenSeat(seat_id, category_id, label)
        for seat_id, category_id, label in PerformanceSeat.objects.filter(
            hold=hold, status=PerformanceSeat.Status.HELD
        )
        .order_by("seat_id")
        .values_list("seat_id", "category_id", "seat__label")
    ]
    zones = [
        TakenPlaces(zone_id, category_id, quantity)
        for zone_id, category_id, quantity in HoldZoneItem.objects.filter(hold=hold)
        .order_by("performance_zone_id")
        .values_list("performance_zone_id", "performance_zone__category_id", "quantity")
    ]
    return seats, zones


def session_payment(token: str, allowed: list[str]) -> OnlinePayment | None:
    """A storefront session's payment by its token (None unless this session started it)."""
    if str(token) not in allowed:
        return None
    return (
        OnlinePayment.objects.select_related("hold__performance__show", "order")
        .filter(token=token)
        .first()
    )


def payment_customer(contact_id: int | None, provider: str) -> str:
    """The contact's customer id at this provider ("" without one)."""
    if not contact_id:
        return ""
    row = PaymentCustomer.objects.filter(contact_id=contact_id, provider=provider).first()
    return row.customer_id if row else ""


def paid_online(order) -> bool:
    """Whether this order was paid through an online provider (refundable to the card)."""
    return OnlinePayment.objects.filter(order=order, status=OnlinePayment.Status.SUCCEEDED).exists()


def counter_payment_methods() -> list[tuple[str, str]]:
    """The methods the venue takes at the counter (value, label), in the order of the
    counter's shortcuts; every one when the venue has not chosen."""
    enabled = set(PaymentSettings.current().counter_methods)
    return [(m.value, m.label) for m in COUNTER_METHODS if m.value in enabled]
