"""Periodic closings: a day, a month, a year of the ledger totalled, signed and chained.

`close_period` is idempotent (one row per period, unique): a second run, or two racing runs,
leave one closing and one "closing" entry (the loser's transaction, entry included, rolls
back, so no number is lost). A period is closed once it is over; the closing counts the
entries dated in it (venue time) and the perpetual totals up to its end, and signs them with
the chain's head at that moment, which vouches for every entry before it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Min, Sum
from django.utils import timezone

from tenants.accounts.audit import record_event
from ticketing.models import LedgerClosing, LedgerEntry, LedgerHead
from ticketing.models.ledger import GENESIS_HASH

from .chain import canonical
from .selectors import moment, period_bounds, period_entries, venue_zone
from .services import append_entries, chain_pending, lock_chaining, new_entry
from .signing import sign

Kind = LedgerEntry.Kind
Period = LedgerClosing.Period
# Entries that change the takings (payments are the money side of the same sales).
# A venue whose task did not run for a long time catches up at most this far back.
MAX_DAYS_CAUGHT_UP = 400
TAKINGS = (Kind.SALE, Kind.REFUND, Kind.EXCHANGE, Kind.CANCELLATION)


class PeriodNotOver(ValueError):
    code = "ticketing.ledger.period_not_over"


def totals(entries) -> dict:
    """Counts and sums of `entries` (a queryset): by kind, takings by VAT rate, fees,
    payments by method."""
    entries = entries.exclude(kind=Kind.CLOSING)
    by_kind = {
        row["kind"]: {"count": row["n"], "total_cents": row["total"] or 0}
        for row in entries.values("kind").annotate(n=Count("id"), total=Sum("total_cents"))
    }
    takings = entries.filter(kind__in=TAKINGS)
    vat: dict[str, int] = {}
    for amounts in takings.values_list("vat_cents", flat=True):
        for rate, cents in amounts.items():
            vat[rate] = vat.get(rate, 0) + cents
    payments = {
        row["method"]: row["total"]
        for row in entries.filter(kind=Kind.PAYMENT)
        .values("method")
        .annotate(total=Sum("total_cents"))
        .order_by("method")
    }
    return {
        "by_kind": by_kind,
        "takings_cents": takings.aggregate(t=Sum("total_cents"))["t"] or 0,
        "vat_cents": {rate: vat[rate] for rate in sorted(vat, key=int) if vat[rate]},
        "fee_cents": takings.aggregate(t=Sum("fee_cents"))["t"] or 0,
        "payments_cents": payments,
    }


def _perpetual(end: datetime) -> dict:
    """The grand totals since the ledger began, up to `end`."""
    before = LedgerEntry.objects.filter(created_at__lt=end)
    return {
        "takings_cents": before.filter(kind__in=TAKINGS).aggregate(t=Sum("total_cents"))["t"] or 0,
        "payments_cents": before.filter(kind=Kind.PAYMENT).aggregate(t=Sum("total_cents"))["t"]
        or 0,
    }


@transaction.atomic
def close_period(*, period: str, day: date, actor=None) -> LedgerClosing:
    """Close the day, month or year holding `day` (venue time); the existing closing if it is
    closed already. Raises PeriodNotOver before its end."""
    start, end = period_bounds(period, day)
    existing = LedgerClosing.objects.filter(period=period, start=start).first()
    if existing is not None:
        return existing
    if timezone.now() < moment(end):
        raise PeriodNotOver(f"the {period} of {start} is not over")
    # Everything recorded so far chained, and no other chaining until this commits.
    lock_chaining()
    chain_pending()
    entries = period_entries(start, end).exclude(kind=Kind.CLOSING)
    span = entries.aggregate(first=Min("number"), last=Max("number"))
    head = LedgerHead.objects.filter(singleton=True).first()
    figures = {**totals(entries), "perpetual": _perpetual(moment(end))}
    chain_number, chain_hash = (head.number, head.hash) if head else (0, GENESIS_HASH)
    payload = canonical(
        {
            "venue": connection.schema_name,
            "period": period,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "first_number": span["first"],
            "last_number": span["last"],
            "chain_number": chain_number,
            "chain_hash": chain_hash,
            "totals": figures,
        }
    )
    signature, key_id = sign(payload)
    now = timezone.now()
    try:
        with transaction.atomic():
            append_entries(
                [
                    new_entry(
                        Kind.CLOSING,
                        total_cents=figures["takings_cents"],
                        vat_cents=figures["vat_cents"],
                        fee_cents=figures["fee_cents"],
                        actor=actor,
                        data={
                            "period": period,
                            "start": start.isoformat(),
                            "end": end.isoformat(),
                            "chain_number": chain_number,
                            "chain_hash": chain_hash,
                            "signature": signature,
                            "key_id": key_id,
                        },
                        created_at=now,
                    )
                ]
            )
            chain_pending()  # the closing entry, the last one: the lock is ours
            number = LedgerHead.objects.get().number
            closing = LedgerClosing.objects.create(
                period=period,
                start=start,
                end=end,
                first_number=span["first"],
                last_number=span["last"],
                chain_number=chain_number,
                chain_hash=chain_hash,
                totals=figures,
                payload=payload,
                signature=signature,
                key_id=key_id,
                entry_number=number,
                created_at=now,
            )
    except IntegrityError:  # closed meanwhile by another run
        return LedgerClosing.objects.get(period=period, start=start)
    record_event(
        code="ticketing.ledger.closed",
        actor=actor,
        obj=closing,
        object_type="ledger_closing",
        data={
            "period": period,
            "start": start.isoformat(),
            "takings_cents": figures["takings_cents"],
        },
    )
    return closing


def close_due_periods(*, today: date | None = None, actor=None) -> list[LedgerClosing]:
    """Close what is over and not closed yet (the beat task and the command): every day
    since the last day closed (or since the first entry) up to yesterday, last month, last
    year. Idempotent: closed periods are returned as they are."""
    today = today or timezone.now().astimezone(venue_zone()).date()
    yesterday = today - timedelta(days=1)
    last = LedgerClosing.objects.filter(period=Period.DAY).aggregate(d=Max("start"))["d"]
    if last is not None:
        day = last + timedelta(days=1)
    else:
        first = LedgerEntry.objects.order_by("number").values_list("created_at", flat=True).first()
        day = first.astimezone(venue_zone()).date() if first else yesterday
    day = max(day, yesterday - timedelta(days=MAX_DAYS_CAUGHT_UP))
    closed = []
    while day <= yesterday:
        closed.append(close_period(period=Period.DAY, day=day, actor=actor))
        day += timedelta(days=1)
    last_month = today.replace(day=1) - timedelta(days=1)
    last_year = today.replace(month=1, day=1) - timedelta(days=1)
    closed.append(close_period(period=Period.MONTH, day=last_month, actor=actor))
    closed.append(close_period(period=Period.YEAR, day=last_year, actor=actor))
    return closed
