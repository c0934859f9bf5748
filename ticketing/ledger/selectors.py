"""Reading the ledger: the chain's check (`verify_ledger`), a period's entries and closings."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from ticketing.models import LedgerClosing, LedgerEntry, LedgerHead, LedgerKey, LedgerPending
from ticketing.models.ledger import GENESIS_HASH

from .chain import hash_of
from .signing import verify


@dataclass
class Verification:
    entries: int  # entries read
    closings: int  # closings whose signature was checked
    head_number: int
    pending: int = 0  # recorded, not chained yet
    broken_number: int | None = None  # the first entry (or closing's entry) found wrong
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_number is None


def venue_zone() -> ZoneInfo:
    return ZoneInfo(getattr(connection.tenant, "timezone", "") or settings.TIME_ZONE)


def period_bounds(period: str, start: date) -> tuple[date, date]:
    """The first day of the period holding `start` and the first day after it."""
    if period == LedgerClosing.Period.DAY:
        return start, start + timedelta(days=1)
    if period == LedgerClosing.Period.MONTH:
        first = start.replace(day=1)
        return first, (first + timedelta(days=32)).replace(day=1)
    first = start.replace(month=1, day=1)
    return first, first.replace(year=first.year + 1)


def moment(day: date) -> datetime:
    """Midnight of `day` in the venue's time zone."""
    return datetime.combine(day, time.min, tzinfo=venue_zone())


def period_entries(start: date, end: date):
    return LedgerEntry.objects.filter(created_at__gte=moment(start), created_at__lt=moment(end))


def verify_chain(*, chunk_size: int = 5000) -> Verification:
    """Recompute the chain from the first entry: each number follows the previous one, each
    entry's previous hash is the previous entry's hash, each hash matches the entry's content,
    the chain head names the last entry; then each closing's signature and chain head. Stops
    at the first broken entry and says why."""
    head = LedgerHead.objects.filter(singleton=True).first()
    head_number, head_hash = (head.number, head.hash) if head else (0, GENESIS_HASH)
    result = Verification(
        entries=0, closings=0, head_number=head_number, pending=LedgerPending.objects.count()
    )
    expected, previous_hash = 1, GENESIS_HASH
    for entry in LedgerEntry.objects.order_by("number").iterator(chunk_size=chunk_size):
        result.entries += 1
        if entry.number != expected:
            if entry.number < expected:  # (the number is unique: cannot happen without it)
                return _broken(result, entry.number, _("its number repeats an earlier one"))
            return _broken(
                result,
                expected,
                _("entry %(n)d is missing: the next entry is %(next)d")
                % {"n": expected, "next": entry.number},
            )
        if entry.previous_hash != previous_hash:
            return _broken(
                result,
                entry.number,
                _(
                    "its previous hash is not the hash of entry %(n)d (an entry was inserted, "
                    "removed or replaced before it)"
                )
                % {"n": entry.number - 1},
            )
        if hash_of(entry) != entry.hash:
            return _broken(result, entry.number, _("its content does not match its hash (altered)"))
        expected, previous_hash = entry.number + 1, entry.hash
    last = expected - 1
    if last < head_number:
        return _broken(
            result,
            last + 1,
            _("entry %(n)d is missing: the chain head says the ledger ends at %(head)d")
            % {"n": last + 1, "head": head_number},
        )
    if last > head_number:
        return _broken(
            result,
            head_number + 1,
            _("it is beyond the chain head (%(head)d): written outside the ledger")
            % {"head": head_number},
        )
    if last and previous_hash != head_hash:
        return _broken(result, last, _("its hash is not the chain head's"))
    return _verify_closings(result)


def _verify_closings(result: Verification) -> Verification:
    key = LedgerKey.objects.filter(singleton=True).first()
    hashes = {}
    closings = list(LedgerClosing.objects.order_by("entry_number"))
    if closings:
        numbers = [c.chain_number for c in closings]
        hashes = dict(LedgerEntry.objects.filter(number__in=numbers).values_list("number", "hash"))
    for closing in closings:
        result.closings += 1
        if key is None or not verify(closing.payload, closing.signature, key.public_key):
            return _broken(
                result,
                closing.entry_number,
                _("the closing (%(period)s) of %(start)s has a wrong signature")
                % {"period": closing.get_period_display(), "start": closing.start},
            )
        signed = json.loads(closing.payload)
        if (signed.get("chain_number"), signed.get("chain_hash"), signed.get("totals")) != (
            closing.chain_number,
            closing.chain_hash,
            closing.totals,
        ):
            return _broken(
                result,
                closing.entry_number,
                _("the closing (%(period)s) of %(start)s differs from what was signed")
                % {"period": closing.get_period_display(), "start": closing.start},
            )
        if closing.chain_number and hashes.get(closing.chain_number) != closing.chain_hash:
            return _broken(
                result,
                closing.chain_number,
                _("it is not the entry the closing (%(period)s) of %(start)s signed")
                % {"period": closing.get_period_display(), "start": closing.start},
            )
    return result


def _broken(result: Verification, number: int, reason: str) -> Verification:
    result.broken_number, result.reason = number, reason
    return result


def closings(limit: int = 100):
    return LedgerClosing.objects.order_by("-start", "period")[:limit]
