"""Gap-free numbering under concurrent sales, on real concurrent connections: eight counters
sell at once; every sale's entries are numbered, with no gap and no repeat, and the chain
verifies. The control (the chaining without its locks, patched in from here: read the head,
then write the next numbers) shows the race is real: two chainings take the same numbers."""

from __future__ import annotations

import time

import pytest
from django.db import IntegrityError, connection, transaction

from tests.helpers import committed, run_together
from tests.ticketing.conftest import build_performance
from tests.ticketing.test_concurrency import _cleanup
from ticketing.ledger import services as ledger
from ticketing.ledger.chain import entry_hash
from ticketing.ledger.selectors import verify_chain
from ticketing.models import LedgerEntry, LedgerHead, LedgerPending, Order, Seat, Tariff
from ticketing.services import orders
from ticketing.specs import HoldRequest, PaymentSpec, TariffChoice

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
THREADS = 8
SALES_EACH = 4


@pytest.fixture
def counters(venue_a):
    committed(venue_a, ledger.chain_pending)
    performance = committed(venue_a, lambda: build_performance(name="Salle du registre"))
    yield venue_a, performance
    committed(venue_a, ledger.chain_pending)  # whatever the control left
    committed(venue_a, lambda: _cleanup(performance.pk))


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
    head = committed(venue, lambda: LedgerHead.objects.filter(singleton=True).first())

    def sell_each(i: int) -> list[str]:
        references = []
        for seat_id in seat_ids[i * SALES_EACH : (i + 1) * SALES_EACH]:
            order = orders.sell(
                performance=performance,
                request=HoldRequest(seat_ids=[seat_id]),
                tariffs=TariffChoice(plein_id),
                payments=[PaymentSpec("cash", None)],
            )
            references.append(order.reference)
        return references

    results = run_together(venue, sell_each, threads=THREADS)
    return [ref for refs in results for ref in refs], head.number if head else 0


def test_concurrent_sales_number_their_entries_without_gaps(counters):
    venue, performance = counters
    references, start = _rush(venue, performance)
    assert len(references) == THREADS * SALES_EACH

    def check():
        ledger.chain_pending()  # (a chaining may have found the lock taken: the sweep's job)
        assert not LedgerPending.objects.exists()
        numbers = list(
            LedgerEntry.objects.filter(number__gt=start)
            .order_by("number")
            .values_list("number", flat=True)
        )
        assert numbers == list(range(start + 1, start + 1 + len(numbers)))
        assert LedgerHead.objects.get().number == numbers[-1]
        order_ids = set(Order.objects.filter(reference__in=references).values_list("id", flat=True))
        kinds = list(
            LedgerEntry.objects.filter(order_id__in=order_ids).values_list("order_id", "kind")
        )
        assert sorted(kinds) == sorted(
            [(pk, "sale") for pk in order_ids] + [(pk, "payment") for pk in order_ids]
        )
        return verify_chain()

    result = committed(venue, check)
    assert result.ok, result.reason


COLLISIONS: list[str] = []


def _chain_without_the_locks() -> int:
    """Read the head, then number the journal's rows after it: no advisory lock, no row
    lock."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT number, hash FROM ticketing_ledgerhead WHERE singleton")
            number, previous = cursor.fetchone() or (0, "0" * 64)
            rows = list(LedgerPending.objects.order_by("id"))
            time.sleep(0.01)  # the gap a read-then-write leaves open under load
            for row in rows:
                number += 1
                digest = entry_hash(number, previous, row.body)
                fields = {f.name: getattr(row, f.name) for f in LedgerPending._meta.fields}
                fields.pop("id"), fields.pop("body")
                LedgerEntry.objects.create(
                    number=number, previous_hash=previous, hash=digest, **fields
                )
                previous = digest
            cursor.execute("SELECT set_config('parterre.ledger_chaining', 'on', true)")
            LedgerPending.objects.filter(id__in=[r.pk for r in rows]).delete()
            cursor.execute(
                "UPDATE ticketing_ledgerhead SET number = %s, hash = %s", [number, previous]
            )
        return len(rows)
    except IntegrityError as error:
        COLLISIONS.append(str(error))
        raise


def test_without_the_chainings_locks_numbers_collide(counters, monkeypatch):
    venue, performance = counters
    COLLISIONS.clear()
    monkeypatch.setattr(ledger, "chain_pending", _chain_without_the_locks)
    references, _start = _rush(venue, performance)
    assert len(references) == THREADS * SALES_EACH  # the sales themselves all committed
    assert COLLISIONS  # two chainings took the same number: one failed
