"""Appending to the ledger: one `append_…` per kind of business write, each called once by the
service that owns that write, inside its transaction. Each builds its entries (no query) and
appends them with one call of the migration's SQL function `ticketing_ledger_append`, which
numbers and chains them under the chain head's row lock.

Why the head's lock does not serialise the sale: the callers append as their LAST statement
before the commit, so the lock is held for one round trip and the commit, not for the seat
locks, the order's INSERT or the CRM; sales of the venue queue there only for that moment
(measured: README, "Sales ledger"). Numbers are gap-free because a number is given under the
lock and the transaction that took it either commits it or rolls it back with the head.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db import connection
from django.utils import timezone

from tenants.accounts.audit import new_event
from ticketing.models import LedgerEntry, Order, OrderExtra, Payment, Ticket

from .chain import BODY_FIELDS, body, timestamp

Kind = LedgerEntry.Kind


class LedgerOutsideTransaction(RuntimeError):
    """An append outside the business write's transaction could be lost or stand alone."""


def _who(actor) -> tuple[int | None, str]:
    """The staff member, API token or system acting (the audit trail's rule, no query)."""
    event = new_event(code="ticketing.ledger.appended", actor=actor, object_type="ledger")
    return event.actor_id, event.actor_label


def new_entry(
    kind: str,
    *,
    order: Order | None = None,
    payment: Payment | None = None,
    total_cents: int = 0,
    vat_cents: dict | None = None,
    fee_cents: int = 0,
    actor=None,
    data: dict | None = None,
    created_at: datetime | None = None,
    currency: str | None = None,
) -> dict:
    """An entry's fields (BODY_FIELDS), not yet numbered."""
    actor_id, actor_label = _who(actor)
    return {
        "kind": kind,
        "order_id": order.pk if order is not None else None,
        "order_reference": order.reference if order is not None else "",
        "payment_id": payment.pk if payment is not None else None,
        "method": payment.method if payment is not None else "",
        "currency": currency or (order.currency if order is not None else "EUR"),
        "total_cents": int(total_cents),
        "vat_cents": {str(rate): int(c) for rate, c in sorted((vat_cents or {}).items()) if c},
        "fee_cents": int(fee_cents),
        "actor_id": actor_id,
        "actor_label": actor_label[:200],
        "data": data or {},
        "created_at": created_at or timezone.now(),
    }


def append_entries(entries: list[dict]) -> int:
    """Number, chain and insert `entries` (new_entry dicts) in one round trip; returns the
    last number. Must run inside the business write's transaction, as its last statement."""
    if not entries:
        return 0
    if not connection.in_atomic_block:
        raise LedgerOutsideTransaction(
            "ledger entries are appended inside their write's transaction"
        )
    payload = []
    for entry in entries:
        row = {name: entry[name] for name in BODY_FIELDS}
        row["body"] = body(entry)
        row["created_at"] = timestamp(entry["created_at"])
        payload.append(row)
    with connection.cursor() as cursor:
        cursor.execute("SELECT ticketing_ledger_append(%s::jsonb)", [json.dumps(payload)])
        return cursor.fetchone()[0]


def _by_rate(pairs: Iterable[tuple[int, int]], sign: int = 1) -> dict[int, int]:
    amounts: dict[int, int] = defaultdict(int)
    for rate, cents in pairs:
        amounts[rate] += sign * cents
    return dict(amounts)


def _payment_entries(order: Order, payments: Iterable[Payment], actor, now) -> list[dict]:
    return [
        new_entry(
            Kind.PAYMENT,
            order=order,
            payment=payment,
            total_cents=payment.amount_cents,
            actor=actor,
            data={"change_cents": payment.change_cents} if payment.change_cents else {},
            created_at=now,
        )
        for payment in payments
    ]


def append_sale(
    *,
    order: Order,
    tickets: list[Ticket],
    extras: list[OrderExtra],
    payments: list[Payment],
    actor=None,
) -> int:
    """The sale (its amounts by VAT rate, fees apart) and its payments (`sale._write_order`)."""
    now = timezone.now()
    sale = new_entry(
        Kind.SALE,
        order=order,
        total_cents=order.total_cents,
        vat_cents=_by_rate(
            [(t.tax_rate_bp, t.price_cents) for t in tickets]
            + [(x.tax_rate_bp, x.unit_price_cents * x.quantity) for x in extras]
        ),
        fee_cents=order.fee_cents,
        actor=actor,
        data={
            "channel": order.channel,
            "status": order.status,
            "tickets": len(tickets),
            **({"invitation": order.invitation_reason} if order.invitation_reason else {}),
        },
        created_at=now,
    )
    return append_entries([sale, *_payment_entries(order, payments, actor, now)])


def append_payments(*, order: Order, payments: list[Payment], actor=None) -> int:
    """Payments towards a pending order (`payments.record_payment`)."""
    return append_entries(_payment_entries(order, payments, actor, timezone.now()))


def append_refund(
    *,
    order: Order,
    tickets: list[Ticket],
    extras: list[OrderExtra],
    fee_cents: int,
    withheld_cents: int,
    amount_cents: int,
    payment: Payment | None,
    actor=None,
    reason: str = "",
) -> int:
    """A refund (`aftersale.refund_order`): the tickets' and extras' amounts by VAT rate and
    the fees given back, negative; the fee kept; and the money paid back."""
    now = timezone.now()
    refund = new_entry(
        Kind.REFUND,
        order=order,
        total_cents=-amount_cents,
        vat_cents=_by_rate(
            [(t.tax_rate_bp, t.price_cents) for t in tickets]
            + [(x.tax_rate_bp, x.amount_cents) for x in extras],
            sign=-1,
        ),
        fee_cents=-fee_cents,
        actor=actor,
        data={
            "tickets": sorted(t.pk for t in tickets),
            "whole_order": order.status == Order.Status.REFUNDED,
            **({"withheld_cents": withheld_cents} if withheld_cents else {}),
            **({"reason": reason[:200]} if reason else {}),
        },
        created_at=now,
    )
    return append_entries(
        [refund, *_payment_entries(order, [payment] if payment else [], actor, now)]
    )


def append_exchange(
    *,
    order: Order,
    old: list[Ticket],
    new: list[Ticket],
    payments: list[Payment],
    actor=None,
) -> int:
    """An exchange (`aftersale.exchange_tickets`): the new tickets' amounts by VAT rate less
    the old ones' (the total is the difference), and the payment or credit of it."""
    now = timezone.now()
    vat = _by_rate([(t.tax_rate_bp, t.price_cents) for t in new])
    for rate, cents in _by_rate([(t.tax_rate_bp, t.price_cents) for t in old], sign=-1).items():
        vat[rate] = vat.get(rate, 0) + cents
    exchange = new_entry(
        Kind.EXCHANGE,
        order=order,
        total_cents=sum(t.price_cents for t in new) - sum(t.price_cents for t in old),
        vat_cents=vat,
        actor=actor,
        data={"old_tickets": [t.pk for t in old], "new_tickets": [t.pk for t in new]},
        created_at=now,
    )
    return append_entries([exchange, *_payment_entries(order, payments, actor, now)])


def append_cancellation(
    *, order: Order, tickets: list[Ticket], extras: list[OrderExtra], actor=None
) -> int:
    """An unpaid order cancelled (`aftersale.cancel_order`): its sale entry reversed, with
    what was paid of it (nothing unless a partial payment of a reservation)."""
    return append_entries(
        [
            new_entry(
                Kind.CANCELLATION,
                order=order,
                total_cents=-order.total_cents,
                vat_cents=_by_rate(
                    [(t.tax_rate_bp, t.price_cents) for t in tickets]
                    + [(x.tax_rate_bp, x.amount_cents) for x in extras],
                    sign=-1,
                ),
                fee_cents=-order.fee_cents,
                actor=actor,
                data={"tickets": sorted(t.pk for t in tickets)},
            )
        ]
    )
