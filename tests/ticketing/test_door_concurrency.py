"""Two doors (eight, here) scanning the same ticket at the same instant: exactly one is valid.
Real concurrent connections (threads, each its own PostgreSQL session, autocommit) on
committed data; the `unsafe` fixture first shows the race happens without the conditional
UPDATE (a read-then-write claim patched in from here), so the test cannot pass by luck."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import Contact
from tests.helpers import committed, run_together
from tests.ticketing.conftest import build_performance
from tests.ticketing.door_helpers import qr, sold_ticket
from tests.ticketing.test_concurrency import _cleanup
from ticketing.models import CheckIn, Ticket
from ticketing.services import door
from ticketing.services.door import OfflineScan

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
THREADS = 8
WINDOW = 0.01


def _claim_unsafely(ticket_id, at):
    """Read, check in Python, then write: what a naive door would do."""
    ticket = Ticket.objects.get(pk=ticket_id)
    if ticket.checked_in_at is not None or ticket.status != Ticket.Status.VALID:
        return False
    time.sleep(WINDOW)
    Ticket.objects.filter(pk=ticket_id).update(checked_in_at=at)
    return True


@pytest.fixture
def unsafe(monkeypatch):
    monkeypatch.setattr(door, "claim_ticket", _claim_unsafely)


@pytest.fixture
def hall(venue_a):
    performance = committed(venue_a, lambda: build_performance(name="Salle des portes"))
    yield venue_a, performance
    committed(venue_a, lambda: _cleanup(performance.pk))
    # The buyer the sales made (tickets_helpers.sell's default), with her timeline: later
    # tests on this worker count her purchases from zero.
    committed(
        venue_a,
        lambda: Contact.objects.filter(
            email_normalized="marie.curie@example.fr", orders__isnull=True
        ).delete(),
    )


def _eight_doors_scan(venue, performance, ticket_id) -> list[str]:
    text = committed(venue, lambda: qr(Ticket.objects.get(pk=ticket_id)))
    outcomes = run_together(
        venue,
        lambda i: (
            door.check_in_ticket(
                performance=performance, scanned=text, door=f"Porte {i}", device_id=f"d{i}"
            ).result
        ),
        threads=THREADS,
    )
    return outcomes


def test_without_protection_two_doors_both_let_the_ticket_in(hall, unsafe):
    venue, performance = hall
    ticket = committed(venue, lambda: sold_ticket(performance, "A1"))
    results = _eight_doors_scan(venue, performance, ticket.pk)
    assert results.count(CheckIn.Result.VALID) > 1


def test_eight_doors_at_once_exactly_one_valid(hall):
    venue, performance = hall
    for label in ("A2", "A3", "A4"):
        ticket = committed(venue, lambda label=label: sold_ticket(performance, label))
        results = _eight_doors_scan(venue, performance, ticket.pk)
        assert results.count(CheckIn.Result.VALID) == 1, results
        assert results.count(CheckIn.Result.ALREADY_SCANNED) == THREADS - 1
        valid = committed(
            venue,
            lambda t=ticket: CheckIn.objects.filter(ticket_id=t.pk, result="valid").count(),
        )
        assert valid == 1


def test_offline_devices_syncing_at_once_keep_the_earliest_scan(hall):
    venue, performance = hall
    ticket = committed(venue, lambda: sold_ticket(performance, "A5"))
    text = committed(venue, lambda: qr(Ticket.objects.get(pk=ticket.pk)))
    base = timezone.now() - timedelta(minutes=30)
    stamps = [base + timedelta(seconds=s) for s in (7, 3, 5, 1, 8, 2, 6, 4)]
    run_together(
        venue,
        lambda i: door.sync_check_ins(
            performance=performance,
            scans=[OfflineScan(f"c{i}", text, stamps[i], CheckIn.Result.VALID)],
            door=f"Porte {i}",
            device_id=f"dev{i}",
        ),
        threads=THREADS,
    )

    def outcome():
        rows = CheckIn.objects.filter(ticket_id=ticket.pk)
        return (
            Ticket.objects.get(pk=ticket.pk).checked_in_at,
            list(rows.filter(result="valid").values_list("client_id", flat=True)),
            rows.filter(conflict=True).count(),
        )

    checked_in_at, valid, conflicts = committed(venue, outcome)
    assert checked_in_at == base + timedelta(seconds=1)
    assert valid == ["c3"]
    assert conflicts == THREADS - 1
