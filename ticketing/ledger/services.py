"""Appending to the ledger: one `append_…` per kind of business write, each called once by the
service that owns that write, inside its transaction. Each builds its entries (no query) and
records them with one INSERT into the journal (`LedgerPending`): no row shared by other
sales, so a venue's sales never wait for each other there.

Numbering and chaining follow right after the commit (`chain_pending`, on_commit): the
migration's SQL function `ticketing_ledger_chain` moves the journal's rows, oldest first, into
the ledger, numbered and hashed, in one transaction, one chaining at a time per venue (a
second caller returns at once; whoever holds it takes the others' rows too, so in a rush one
commit chains many sales). Gap-free because numbers are only given there, under the chain
head's lock, in a transaction that inserts the entries and removes them from the journal
together. Why not number inside the sale's transaction: the chain head's lock would then be
held through every sale's commit (its WAL flush), one venue's sales committing one at a time
(`python manage.py bench_ledger`: README, "Sales ledger"). A row the on-commit chaining left
(it ran while another chaining held the lock) is chained by the next sale, by the per-minute
task `ticketing.chain_ledger`, and before any closing or check.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.accounts.audit import new_event
from ticketing.models import LedgerEntry, Order, OrderExtra, Payment, Ticket

from .chain import BODY_FIELDS, body, timestamp

Kind = LedgerEntry.Kind
logger = logging.getLogger(__name__)


class LedgerOutsideTransaction(RuntimeError):
    """An append outside the business write's transaction could be lost or stand alone."""


# Only asks the audit trail's rule who acts: no such event is ever recorded.
WHO_PROBE = "ledger"


def _who(actor) -> tuple[int | None, str]:
    """The staff member, API token or system acting (the audit trail's rule, no query)."""
    event = new_event(code=WHO_PROBE, actor=actor, object_type="ledger")
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
    """Record `entries` (new_entry dicts) in the journal with one INSERT; they are numbered
    and chained after the commit. Must run inside the business write's transaction."""
    if not entries:
        return 0
    if not connection.in_atomic_block:
        raise LedgerOutsideTransaction(
            "ledger entries are appended inside their write's transaction"
        )
    with connection.cursor() as cursor:
        cursor.execute(RECORD, [record_payload(entries)])
    # The callback runs after the commit, maybe once the connection has left this venue's
    # schema (another request, a test's captured callbacks): it names the venue itself.
    schema = connection.schema_name
    transaction.on_commit(lambda: chain_after_commit(schema))
    return len(entries)


_COLUMNS = (
    ("kind", "text"),
    ("order_id", "bigint"),
    ("order_reference", "text"),
    ("payment_id", "bigint"),
    ("method", "text"),
    ("currency", "text"),
    ("total_cents", "bigint"),
    ("vat_cents", "jsonb"),
    ("fee_cents", "bigint"),
    ("actor_id", "bigint"),
    ("actor_label", "text"),
    ("data", "jsonb"),
    ("created_at", "timestamptz"),
    ("body", "text"),
)
RECORD = (
    f"INSERT INTO ticketing_ledgerpending ({', '.join(c for c, _t in _COLUMNS)}) "  # noqa: S608
    f"SELECT {', '.join(c for c, _t in _COLUMNS)} FROM jsonb_to_recordset(%s::jsonb) "
    f"AS x({', '.join(f'{c} {t}' for c, t in _COLUMNS)})"
)
CHAIN = "SELECT ticketing_ledger_chain(%s)"
CHAIN_BATCH = 2000


def record_payload(entries: list[dict]) -> str:
    """The JSON the journal's INSERT takes: each entry's columns and its canonical body."""
    payload = []
    for entry in entries:
        row = {name: entry[name] for name in BODY_FIELDS}
        row["body"] = body(entry)
        row["created_at"] = timestamp(entry["created_at"])
        payload.append(row)
    return json.dumps(payload)


def chain_pending() -> int:
    """Number and chain what the journal holds (all of it, in batches); returns how many
    entries were chained, or -1 when another chaining of this venue holds the lock."""
    chained = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(CHAIN, [CHAIN_BATCH])
            moved = cursor.fetchone()[0]
        if moved <= 0:
            return chained if moved == 0 or chained else moved
        chained += moved


def lock_chaining() -> None:
    """Wait for this venue's chaining lock, held to the end of the transaction (a closing)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext('ticketing_ledger_chain'), "
            "hashtext(current_schema()))"
        )


def chain_after_commit(schema: str) -> None:
    """After a sale's commit: chain its entries now unless a chaining is running (which, or
    the next one, takes them). Never fails the sale: it is committed already."""
    try:
        with schema_context(schema):
            chain_pending()
    except DatabaseError:
        logger.exception("sales ledger: chaining failed (retried by ticketing.chain_ledger)")


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
