"""After the sale: cancel an unpaid order, refund tickets, exchange tickets for another
performance. Their places go back on sale through the inventory."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import services as crm
from ticketing.errors import InvalidRequest
from ticketing.ledger import services as ledger
from ticketing.models import Order, OrderExtra, Payment, Performance, Ticket
from ticketing.selectors.prices import sales_settings
from ticketing.services import inventory
from ticketing.services.cash.sessions import hold_session_open
from ticketing.specs import HoldRequest, PaymentSpec, TariffChoice

from .history import (
    crm_references,
    order_event,
    order_history,
    order_performance,
    publish_order_event,
)
from .online import refund_through_provider
from .payments import new_payments, settle_payments, staff
from .sale import new_tickets, price_sale


def _free_places(ticket_ids: list[int]) -> None:
    inventory.free_sold_seats(ticket_ids)
    inventory.free_sold_places(ticket_ids)


def _fees_paid(tickets: list[Ticket]) -> int:
    """The booking fees paid for these tickets: their own, and those of the tickets they
    replaced in exchanges (an exchange charges no new fee; the fee paid stays on the old
    ticket)."""
    total = sum(t.fee_cents for t in tickets)
    ids = [t.pk for t in tickets]
    while ids:
        replaced = list(
            Ticket.objects.filter(exchanged_to_id__in=ids).values_list("id", "fee_cents")
        )
        total += sum(fee for _id, fee in replaced)
        ids = [pk for pk, _fee in replaced]
    return total


@transaction.atomic
def cancel_order(*, order: Order, actor=None, reason: str = "") -> Order:
    """Cancel an unpaid order (abandoned or failed payment): its seats go back on sale."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != Order.Status.PENDING:
        raise InvalidRequest(_("Only an unpaid order can be cancelled; refund a paid one."))
    tickets = list(order.tickets.filter(status=Ticket.Status.VALID))
    ids = [t.pk for t in tickets]
    _free_places(ids)
    Ticket.objects.filter(id__in=ids).update(
        status=Ticket.Status.CANCELLED, revoked_at=timezone.now()
    )
    released = inventory.release_extras(order.pk, status=OrderExtra.Status.CANCELLED)
    order.status = Order.Status.CANCELLED
    order.save(update_fields=["status"])
    order_event(order, "ticketing.order.cancelled", actor, tickets=len(ids), reason=reason)
    publish_order_event(order, "ticketing.order.cancelled", actor)
    ledger.append_cancellation(order=order, tickets=tickets, extras=released, actor=actor)
    return order


@transaction.atomic
def refund_order(
    *,
    order: Order,
    ticket_ids: list[int] | None = None,
    method: str = Payment.Method.CASH,
    include_fees: bool = True,
    withheld_cents: int = 0,
    actor=None,
    reason: str = "",
    cash_session_id: int | None = None,
) -> Order:
    """Refund all or some tickets of a paid order; their seats go back on sale. The order's
    extras are refunded with its last tickets (a partial refund keeps them: the drink of the
    spectators who still come).
    `withheld_cents`: kept by the venue (a cancellation fee), never more than the refund.
    `cash_session_id`: refunded at the counter, out of this open session's drawer."""
    if cash_session_id is not None:
        hold_session_open(cash_session_id)
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status not in (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED):
        raise InvalidRequest(_("Only a paid order can be refunded."))
    if method not in Payment.Method.values:
        raise InvalidRequest(_("Unknown payment method."), field="method")
    valid = order.tickets.filter(status=Ticket.Status.VALID)
    if ticket_ids is not None:
        valid = valid.filter(id__in=ticket_ids)
    tickets = list(valid)
    if not tickets or (ticket_ids is not None and len(tickets) != len(set(ticket_ids))):
        raise InvalidRequest(
            _("These tickets cannot be refunded (unknown or already refunded)."), field="tickets"
        )
    fees = _fees_paid(tickets) if include_fees else 0
    amount = sum(t.price_cents for t in tickets) + fees
    if withheld_cents < 0:
        raise InvalidRequest(_("A fee kept cannot be negative."), field="withheld_cents")
    withheld = min(withheld_cents, amount)
    amount -= withheld
    ids = [t.pk for t in tickets]
    _free_places(ids)
    Ticket.objects.filter(id__in=ids).update(
        status=Ticket.Status.REFUNDED, revoked_at=timezone.now()
    )
    released = []
    if not order.tickets.filter(status=Ticket.Status.VALID).exists():
        released = inventory.release_extras(order.pk, status=OrderExtra.Status.REFUNDED)
        amount += sum(line.amount_cents for line in released)
    refund_number = order_history(order).filter(code="ticketing.order.refunded").count() + 1
    reference = ""
    if amount and method == Payment.Method.ONLINE:  # back to the card, through the provider
        reference = refund_through_provider(
            order=order, amount_cents=amount, key=f"{order.reference}-R{refund_number}"
        )
    payment = None
    if amount:
        payment = Payment.objects.create(
            order=order,
            method=method,
            amount_cents=-amount,
            provider_reference=reference,
            created_by=staff(actor),
            cash_session_id=cash_session_id,
        )
    order.refunded_cents += amount
    remaining = order.tickets.filter(status=Ticket.Status.VALID).exists()
    order.status = Order.Status.PARTIALLY_REFUNDED if remaining else Order.Status.REFUNDED
    order.save(update_fields=["refunded_cents", "status"])
    order_event(
        order,
        "ticketing.order.refunded",
        actor,
        tickets=ids,
        amount_cents=amount,
        method=method,
        reason=reason,
        **({"withheld_cents": withheld} if withheld else {}),
    )
    publish_order_event(
        order, "ticketing.order.refunded", actor, amount_cents=amount, ticket_ids=ids
    )
    if order.contact_id:
        performance = order_performance(order)
        crm.record_refund(
            contact_id=order.contact_id,
            order_reference=order.reference,
            refund_reference=f"{order.reference}-R{refund_number}",
            tickets=len(ids),
            amount_cents=amount,
            occurred_at=timezone.now(),
            whole_order=not remaining,
            **(crm_references(performance, order_id=order.pk) if performance else {}),
        )
    ledger.append_refund(
        order=order,
        tickets=tickets,
        extras=released,
        fee_cents=fees,
        withheld_cents=withheld,
        amount_cents=amount,
        payment=payment,
        actor=actor,
        reason=reason,
    )
    return order


@transaction.atomic
def exchange_tickets(
    *,
    order: Order,
    ticket_ids: list[int],
    to_performance: Performance,
    request: HoldRequest,
    tariffs: TariffChoice,
    payment: PaymentSpec | None = None,
    refund_method: str = Payment.Method.VOUCHER,
    actor=None,
    box_office: bool = True,
) -> list[Ticket]:
    """Move tickets to another performance. A higher price is paid with `payment` (cash
    above it is change); a lower one is credited (a negative payment with `refund_method`, a
    voucher by default). The booking fee is not charged again: it stays on the old ticket,
    and a later refund with fees gives it back (`_fees_paid`). `box_office=False` (a
    spectator's own exchange): only places on public sale, as online."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status not in (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED):
        raise InvalidRequest(_("Only a paid order can be exchanged."))
    if refund_method not in Payment.Method.values:
        raise InvalidRequest(_("Unknown payment method."), field="refund_method")
    old = list(order.tickets.filter(status=Ticket.Status.VALID, id__in=ticket_ids))
    if len(old) != len(set(ticket_ids)) or not old:
        raise InvalidRequest(_("These tickets cannot be exchanged."), field="tickets")
    if request.places != len(old):
        raise InvalidRequest(_("Choose as many new places as tickets exchanged."), field="seats")
    hold = inventory.create_hold(
        performance=to_performance,
        request=request,
        channel=order.channel,
        actor=actor,
        allow_allocated=box_office,
        box_office=box_office,
    )
    hold = inventory.lock_active_hold(hold.token)
    seats, zones = inventory.claim_hold(hold)
    priced = price_sale(
        performance=to_performance,
        seats=seats,
        zones=zones,
        tariffs=tariffs,
        fees=sales_settings(),
        channel=order.channel,
    )
    new = new_tickets(priced, order=order, performance=to_performance, charge_fees=False)
    Ticket.objects.bulk_create(new)
    now = timezone.now()
    for old_ticket, new_ticket in zip(old, new, strict=True):
        old_ticket.status, old_ticket.exchanged_to = Ticket.Status.EXCHANGED, new_ticket
        old_ticket.revoked_at = now
    Ticket.objects.bulk_update(old, ["status", "exchanged_to", "revoked_at"])
    _free_places([t.pk for t in old])
    difference = sum(t.price_cents for t in new) - sum(t.price_cents for t in old)
    change, payments = 0, []
    if difference > 0:
        if payment is None:
            raise InvalidRequest(
                _("The exchange costs %(amount).2f more: take that payment.")
                % {"amount": difference / 100},
                field="payment",
            )
        settlement = settle_payments(due_cents=difference, payments=[payment])
        payments = Payment.objects.bulk_create(new_payments(order, settlement, actor))
        change = settlement.change_cents
    elif difference < 0:
        payments = [
            Payment.objects.create(
                order=order, method=refund_method, amount_cents=difference, created_by=staff(actor)
            )
        ]
    order.total_cents += difference
    order.save(update_fields=["total_cents"])
    old_ids, new_ids = [t.pk for t in old], [t.pk for t in new]
    order_event(
        order,
        "ticketing.order.exchanged",
        actor,
        old_tickets=old_ids,
        new_tickets=new_ids,
        to_performance=to_performance.pk,
        difference_cents=difference,
        change_cents=change,
    )
    # The outbox event's fields are the catalogue's (tenants/events/catalogue.py).
    publish_order_event(
        order,
        "ticketing.order.exchanged",
        actor,
        old_ticket_ids=old_ids,
        new_ticket_ids=new_ids,
        difference_cents=difference,
    )
    if order.contact_id:
        exchanges = order_history(order).filter(code="ticketing.order.exchanged").count()
        to_performance = Performance.objects.select_related("show").get(pk=to_performance.pk)
        # Where the tickets came from: crm moves the season's and genres' counts with them.
        # (Tickets of one exchange leave one performance: the first one's.)
        from_performance = Performance.objects.select_related("show").get(pk=old[0].performance_id)
        before = crm_references(from_performance)
        left = order.tickets.filter(
            status=Ticket.Status.VALID, performance_id=from_performance.pk
        ).exists()
        crm.record_exchange(
            contact_id=order.contact_id,
            order_reference=order.reference,
            exchange_reference=f"{order.reference}-X{exchanges}",
            tickets=len(new),
            difference_cents=difference,
            occurred_at=timezone.now(),
            performance_label=str(to_performance),
            from_season=before["season"],
            from_genres=before["genres"],
            from_amount_cents=sum(t.price_cents for t in old),
            whole_order=not left,
            **crm_references(to_performance, order_id=order.pk),
        )
    ledger.append_exchange(order=order, old=old, new=new, payments=payments, actor=actor)
    return new
