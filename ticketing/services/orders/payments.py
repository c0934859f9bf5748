"""Payments: what a sale, an exchange or a pending order may take, and recording it.

The one rule (`settle_payments`), used by every channel: card, cheque, voucher and online
payments are taken as given and may not exceed what is due; cash covers the rest, and cash
handed over above it is given back as change (recorded on the cash payment). Nothing is ever
stored above what is due.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import services as crm
from ticketing.errors import InvalidRequest
from ticketing.ledger import services as ledger
from ticketing.models import Order, Payment
from ticketing.selectors.payments import counter_payment_methods
from ticketing.services.cash.sessions import hold_session_open
from ticketing.specs import PaymentSpec

from .history import crm_references, order_event, order_performance, publish_confirmed

# The largest amount a payment may carry (a PostgreSQL integer).
MAX_AMOUNT_CENTS = 2**31 - 1


@dataclass
class Settlement:
    """Payments to record (cash net of change) and the change to give back."""

    payments: list[PaymentSpec]
    change_cents: int
    paid_cents: int  # what the payments cover (at most what was due)

    def covers(self, due_cents: int) -> bool:
        return self.paid_cents >= due_cents


def check_counter_methods(payments: list[PaymentSpec]) -> None:
    """The counter takes only the methods the venue switched on (payment settings)."""
    enabled = dict(counter_payment_methods())
    for spec in payments:
        if spec.method not in enabled:
            raise InvalidRequest(
                _("This payment method is not taken at the counter."),
                field="payments",
                code="ticketing.payment_method_disabled",
            )


def _money(cents: int) -> str:
    return f"{cents / 100:.2f}"


def settle_payments(
    *, due_cents: int, payments: list[PaymentSpec], allow_short: bool = False
) -> Settlement:
    """Check payments against what is due. A payment whose `amount_cents` is None takes the
    rest (at most one). Raises InvalidRequest when a non-cash payment would pay more than due,
    or when the payments fall short (unless `allow_short`: an online payment still to come)."""
    open_lines = [p for p in payments if p.amount_cents is None]
    if len(open_lines) > 1:
        raise InvalidRequest(
            _("Leave at most one amount blank (it takes the rest)."), field="payments"
        )
    for spec in payments:
        if spec.method not in Payment.Method.values:
            raise InvalidRequest(_("Unknown payment method."), field="payments")
        if (
            spec.method == Payment.Method.OFFLINE_TEST
            and not settings.PARTERRE_OFFLINE_TEST_PAYMENTS
        ):
            raise InvalidRequest(
                _("The test payment is switched off on this instance."),
                field="payments",
                code="ticketing.payment_method_disabled",
            )
        if spec.amount_cents is not None and not 0 < spec.amount_cents <= MAX_AMOUNT_CENTS:
            raise InvalidRequest(_("A payment must be a positive amount."), field="payments")
    typed = sum(p.amount_cents or 0 for p in payments)
    specs = [
        PaymentSpec(p.method, max(due_cents - typed, 0), p.reference)
        if p.amount_cents is None
        else p
        for p in payments
    ]
    specs = [p for p in specs if p.amount_cents]
    cash = sum(p.amount_cents for p in specs if p.method == Payment.Method.CASH)
    other = sum(p.amount_cents for p in specs if p.method != Payment.Method.CASH)
    if other > due_cents:
        raise InvalidRequest(
            _("These payments (%(paid)s) are more than what is due (%(due)s).")
            % {"paid": _money(other), "due": _money(due_cents)},
            field="payments",
            code="ticketing.overpaid",
        )
    due_in_cash = due_cents - other
    if cash + other < due_cents and not allow_short:
        raise InvalidRequest(
            _("The payments (%(paid)s) do not cover the total (%(total)s).")
            % {"paid": _money(cash + other), "total": _money(due_cents)},
            field="payments",
            code="ticketing.underpaid",
        )
    change = max(cash - due_in_cash, 0)
    recorded = [p for p in specs if p.method != Payment.Method.CASH]
    cash_kept = cash - change
    if cash_kept:
        reference = next((p.reference for p in specs if p.method == Payment.Method.CASH), "")
        recorded.insert(0, PaymentSpec(Payment.Method.CASH, cash_kept, reference))
    return Settlement(recorded, change, other + cash_kept)


def staff(actor):
    return actor if getattr(actor, "pk", None) else None


def new_payments(
    order: Order, settlement: Settlement, actor, cash_session_id: int | None = None
) -> list[Payment]:
    """Unsaved payments of a settlement; at the counter, in the desk's open cash session
    (the caller checked it open: services.cash.hold_session_open)."""
    rows = [
        Payment(
            order=order,
            method=spec.method,
            amount_cents=spec.amount_cents,
            provider_reference=spec.reference,
            created_by=staff(actor),
            cash_session_id=cash_session_id,
        )
        for spec in settlement.payments
    ]
    for row in rows:
        if row.method == Payment.Method.CASH:
            row.change_cents = settlement.change_cents
    return rows


@transaction.atomic
def record_payment(
    *, order: Order, payment: PaymentSpec, actor=None, cash_session_id: int | None = None
) -> Order:
    """A payment towards a pending order (at most what is still due; cash above it is
    change); the order is paid once covered. `cash_session_id`: at the counter, the desk's
    open cash session, which the payment joins."""
    if cash_session_id is not None:
        hold_session_open(cash_session_id)
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != Order.Status.PENDING:
        raise InvalidRequest(_("Only a pending order can take a payment."))
    paid = sum(p.amount_cents for p in order.payments.filter(status=Payment.Status.SUCCEEDED))
    settlement = settle_payments(
        due_cents=order.total_cents - paid, payments=[payment], allow_short=True
    )
    payments = Payment.objects.bulk_create(new_payments(order, settlement, actor, cash_session_id))
    paid += settlement.paid_cents
    order_event(
        order,
        "ticketing.order.payment_recorded",
        actor,
        method=payment.method,
        amount_cents=settlement.paid_cents,
        change_cents=settlement.change_cents,
    )
    if paid >= order.total_cents:
        mark_paid(order, actor=actor)
    ledger.append_payments(order=order, payments=payments, actor=actor)
    return order


def mark_paid(order: Order, *, actor) -> None:
    """A pending order (locked by the caller) now covered: paid, its tickets issued (the
    `ticketing.order.confirmed` event sends them), the purchase in the buyer's record."""
    order.status, order.paid_at = Order.Status.PAID, timezone.now()
    order.save(update_fields=["status", "paid_at"])
    order_event(order, "ticketing.order.paid", actor, total_cents=order.total_cents)
    publish_confirmed(order, actor=actor)
    if order.contact_id:
        performance = order_performance(order)
        crm.record_purchase(
            contact_id=order.contact_id,
            order_reference=order.reference,
            tickets=order.tickets.count(),
            amount_cents=order.total_cents,
            occurred_at=order.paid_at,
            channel=order.channel,
            performance_label=str(performance or ""),
            **(crm_references(performance, order_id=order.pk) if performance else {}),
        )
