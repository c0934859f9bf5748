"""Reservations (seats taken now, paid later at the counter or by a link) and invitations.

A reservation is an order written PENDING with its tickets (the seats are taken: nobody else
can buy them) and a deadline, `pay_by` (selectors.reservations.reservation_deadline: the
venue's default time, never later than its cut-off before the performance). Then either:
- it is paid (`pay_reservation` at the counter, or the buyer's payment link:
  services.orders.links) → PAID, tickets issued and emailed as for a sale;
- it is cancelled by staff (`cancel_reservation`);
- its deadline passes: the periodic task `ticketing.release_expired_reservations` cancels it
  and its seats go back on sale (`release_expired_reservations`, idempotent: it takes only
  PENDING orders, locked with SKIP LOCKED, so a payment being recorded at that instant
  either wins the lock and pays, or finds the order cancelled and is refused).
A reminder is emailed once before the deadline (`remind_reservations`: one OrderEmail row of
kind `reservation_reminder`, unique per order).

An invitation is an order of free tickets (no price, no fee, total 0), paid at once, with a
reason and who invites (a contact): `invite`.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Contact
from ticketing.errors import InvalidRequest
from ticketing.models import InvitationReason, Order, OrderEmail, Payment, Performance, Price
from ticketing.selectors.reservations import (
    expired_reservation_ids,
    latest_deadline,
    reminders_due,
    reservation_deadline,
)
from ticketing.specs import Buyer, HoldRequest, OrderTerms, PaymentSpec, TariffChoice

from .aftersale import cancel_order
from .history import order_event, publish_order_event
from .payments import mark_paid, new_payments, settle_payments
from .sale import sell


class ReservationError(InvalidRequest):
    code = "ticketing.reservation_invalid"


def _needs_buyer(buyer: Buyer | None) -> None:
    if buyer is None or not (buyer.contact_id or buyer.email or buyer.phone or buyer.last_name):
        raise InvalidRequest(
            _("A reservation needs a buyer: a name, an email or a phone number."),
            field="buyer",
            code="ticketing.reservation_needs_buyer",
        )


def checked_deadline(performance: Performance, pay_by=None, *, phone: bool = False):
    """The deadline of a reservation made now: the one asked (capped at the venue's cut-off
    before the performance) or the venue's default. Refused when already past."""
    now = timezone.now()
    deadline = reservation_deadline(performance, phone=phone, now=now)
    if pay_by is not None:
        deadline = min(pay_by, latest_deadline(performance))
    if deadline <= now:
        raise InvalidRequest(
            _("Too late to reserve for this performance: sell the tickets now."),
            field="pay_by",
            code="ticketing.reservation_too_late",
        )
    return deadline


def publish_reserved(order: Order, actor) -> None:
    order_event(order, "ticketing.reservation.created", actor, pay_by=order.pay_by.isoformat())
    publish_order_event(
        order,
        "ticketing.reservation.created",
        actor,
        pay_by=order.pay_by.isoformat(),
        contact_id=order.contact_id,
        channel=order.channel,
        total_cents=order.total_cents,
    )


@transaction.atomic
def reserve(
    *,
    performance: Performance,
    request: HoldRequest,
    tariffs: TariffChoice,
    buyer: Buyer | None,
    actor=None,
    pay_by=None,
    channel: str = "box_office",
    prices: dict[tuple[int, int], Price] | None = None,
    extras: dict[int, int] | None = None,
) -> Order:
    """Take the places for a buyer who pays later (by `pay_by`, else the venue's default)."""
    _needs_buyer(buyer)
    deadline = checked_deadline(performance, pay_by, phone=channel == "phone")
    order = sell(
        performance=performance,
        request=request,
        tariffs=tariffs,
        buyer=buyer,
        channel=channel,
        actor=actor,
        prices=prices,
        extras=extras,
        terms=OrderTerms(pay_by=deadline),
    )
    publish_reserved(order, actor)
    return order


def _locked_reservation(order: Order) -> Order:
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status == Order.Status.CANCELLED and order.pay_by is not None:
        raise ReservationError(
            _("This reservation has expired or was cancelled: its seats were released."),
            code="ticketing.reservation_expired",
        )
    if order.status != Order.Status.PENDING:
        raise ReservationError(
            _("This order is not waiting for a payment."), code="ticketing.not_pending"
        )
    return order


@transaction.atomic
def pay_reservation(*, order: Order, payments: list[PaymentSpec], actor=None) -> Order:
    """The whole of what is left, at the counter (split across methods, cash above it is
    change): the order is paid, its tickets issued and emailed as for a sale."""
    order = _locked_reservation(order)
    paid = sum(p.amount_cents for p in order.payments.filter(status=Payment.Status.SUCCEEDED))
    settlement = settle_payments(due_cents=order.total_cents - paid, payments=payments)
    Payment.objects.bulk_create(new_payments(order, settlement, actor))
    order_event(
        order,
        "ticketing.order.payment_recorded",
        actor,
        method=",".join(p.method for p in settlement.payments),
        amount_cents=settlement.paid_cents,
        change_cents=settlement.change_cents,
    )
    order.change_cents = settlement.change_cents  # for the receipt, not stored on the order
    mark_paid(order, actor=actor)
    order_event(order, "ticketing.reservation.paid", actor, total_cents=order.total_cents)
    return order


@transaction.atomic
def cancel_reservation(*, order: Order, actor=None, reason: str = "") -> Order:
    """Staff cancel a reservation: its seats go back on sale now."""
    _locked_reservation(order)
    order = cancel_order(order=order, actor=actor, reason=reason[:200] or "reservation")
    order_event(order, "ticketing.reservation.cancelled", actor, reason=reason[:200])
    return order


def release_expired_reservations(*, limit: int = 100) -> int:
    """Cancel the reservations whose deadline has passed (periodic, per venue): their seats
    go back on sale. Each in its own transaction, locked with SKIP LOCKED and checked again
    under the lock; running it twice, or on two workers at once, releases each once."""
    released = 0
    for order_id in expired_reservation_ids(limit=limit):
        with transaction.atomic():
            order = (
                Order.objects.select_for_update(skip_locked=True)
                .filter(pk=order_id, status=Order.Status.PENDING, pay_by__lte=timezone.now())
                .first()
            )
            if order is None:
                continue  # paid, cancelled or being paid right now
            cancel_order(order=order, actor=None, reason="expired")
            order_event(
                order, "ticketing.reservation.expired", None, pay_by=order.pay_by.isoformat()
            )
            publish_order_event(
                order,
                "ticketing.reservation.expired",
                None,
                pay_by=order.pay_by.isoformat(),
                contact_id=order.contact_id,
            )
            released += 1
    return released


def remind_reservations(*, limit: int = 200) -> int:
    """Email the reminder of each reservation whose time has come, once (periodic): the
    reminder is an OrderEmail row unique per order, sent by the order emails' task."""
    from ticketing.services.tickets import queue_order_email

    sent = 0
    for order_id in reminders_due(limit=limit):
        try:
            with transaction.atomic():
                email = queue_order_email(
                    order=Order(pk=order_id), kind=OrderEmail.Kind.RESERVATION_REMINDER
                )
                order_event(Order(pk=order_id), "ticketing.reservation.reminded", None)
        except IntegrityError:
            continue  # another run wrote it first
        sent += bool(email)
    return sent


# --- Invitations ------------------------------------------------------------------------------
@transaction.atomic
def invite(
    *,
    performance: Performance,
    request: HoldRequest,
    tariffs: TariffChoice,
    guest: Buyer | None,
    reason: str,
    invited_by_id: int | None = None,
    actor=None,
    channel: str = "box_office",
    prices: dict[tuple[int, int], Price] | None = None,
) -> Order:
    """Free tickets for a guest (a contact), with the reason and who invites: an order of
    total 0, paid at once (its tickets issued and emailed as for a sale), counted apart in
    the reports by its `invitation_reason`."""
    if reason not in InvitationReason.values:
        raise InvalidRequest(
            _("Choose why these tickets are offered."),
            field="invitation_reason",
            code="ticketing.invitation_reason",
        )
    if invited_by_id is not None and not Contact.objects.filter(pk=invited_by_id).exists():
        raise InvalidRequest(
            _("The contact who invites no longer exists."),
            field="invited_by",
            code="ticketing.unknown_contact",
        )
    order = sell(
        performance=performance,
        request=request,
        tariffs=tariffs,
        buyer=guest,
        channel=channel,
        actor=actor,
        prices=prices,
        terms=OrderTerms(invitation_reason=reason, invited_by_id=invited_by_id),
    )
    publish_order_event(
        order,
        "ticketing.invitation.issued",
        actor,
        reason=reason,
        contact_id=order.contact_id,
        invited_by_id=invited_by_id,
        tickets=len(order.tickets_in_hand()),
    )
    return order
