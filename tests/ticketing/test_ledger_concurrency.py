"""Gap-free numbering under concurrent sales, on real concurrent connections: eight counters
sell at once, each sale's entries get consecutive numbers with no gap and no repeat, and the
chain verifies. The control (the numbering without the chain head's lock, patched in from
here: read the last number, then write the next) shows the race is real: sales collide on a
number."""

from __future__ import annotations

import time

import pytest
from django.db import IntegrityError, connection

from tests.helpers import committed, run_together
from tests.ticketing.conftest import build_performance
from tests.ticketing.test_concurrency import _cleanup
from ticketing.ledger import services as ledger
from ticketing.ledger.chain import body, entry_hash
from ticketing.ledger.selectors import verify_chain
from ticketing.models import LedgerEntry, LedgerHead, Seat, Tariff
from ticketing.services import orders
from ticketing.specs import HoldRequest, PaymentSpec, TariffChoice

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
THREADS = 8
SALES_EACH = 4


@pytest.fixture
def counters(venue_a):
    performance = committed(venue_a, lambda: build_performance(name="Salle du registre"))
    yield venue_a, performance
    committed(venue_a, lambda: _cleanup(performance.pk))


def _sell_each(performance, seat_ids: list[int], plein_id: int) -> list[str]:
    outcomes = []
    for seat_id in seat_ids:
        try:
            orders.sell(
                performance=performance,
                request=HoldRequest(seat_ids=[seat_id]),
                tariffs=TariffChoice(plein_id),
                payments=[PaymentSpec("cash", None)],
            )
            outcomes.append("sold")
        except IntegrityError:
            outcomes.append("collided")
    return outcomes


def _rush(venue, performance) -> tuple[list[str], int]:
    seat_ids, plein_id = committed(
        venue,
        lambda: (
            list(
                Seat.objects.filter(section__layout=performance.layout)
                .order_by("row", "number")
                .values_list("id", flat=True)[: THREADS * SALES_EACH]
            ),
            Tariff.objects.get(code="plein").pk,
        ),
    )
    before = committed(venue, lambda: LedgerHead.objects.filter(singleton=True).first())
    start = before.number if before else 0
    results = run_together(
        venue,
        lambda i: _sell_each(
            performance, seat_ids[i * SALES_EACH : (i + 1) * SALES_EACH], plein_id
        ),
        threads=THREADS,
    )
    return [outcome for outcomes in results for outcome in outcomes], start


def test_concurrent_sales_number_their_entries_without_gaps(counters):
    venue, performance = counters
    outcomes, start = _rush(venue, performance)
    assert outcomes == ["sold"] * THREADS * SALES_EACH

    def check():
        numbers = list(
            LedgerEntry.objects.filter(number__gt=start)
            .order_by("number")
            .values_list("number", flat=True)
        )
        # a sale and its payment each, whatever else committed meanwhile is numbered too
        assert len(numbers) >= 2 * THREADS * SALES_EACH
        assert numbers == list(range(start + 1, start + 1 + len(numbers)))
        sales = LedgerEntry.objects.filter(number__gt=start, kind="sale")
        for sale in sales:  # each sale's payment right after it: one append, one lock
            payment = LedgerEntry.objects.get(number=sale.number + 1)
            assert payment.kind == "payment" and payment.order_id == sale.order_id
        assert LedgerHead.objects.get().number == numbers[-1]
        return verify_chain()

    result = committed(venue, check)
    assert result.ok, result.reason


def _append_without_the_lock(entries: list[dict]) -> int:
    """Read the last number and hash, then write the next ones: what a sequence-less
    "max + 1" would do."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT number, hash FROM ticketing_ledgerentry ORDER BY number DESC LIMIT 1"
        )
        number, previous = cursor.fetchone() or (0, "0" * 64)
        time.sleep(0.01)  # the gap a read-then-write leaves open under load
        for entry in entries:
            number += 1
            text = body(entry)
            digest = entry_hash(number, previous, text)
            LedgerEntry.objects.create(
                number=number,
                previous_hash=previous,
                hash=digest,
                **{k: v for k, v in entry.items()},
            )
            previous = digest
        cursor.execute("UPDATE ticketing_ledgerhead SET number = %s, hash = %s", [number, previous])
    return number


def test_without_the_chain_heads_lock_sales_collide(counters, monkeypatch):
    venue, performance = counters
    monkeypatch.setattr(ledger, "append_entries", _append_without_the_lock)
    outcomes, _start = _rush(venue, performance)
    assert "collided" in outcomes  # two sales took the same number: one failed
