"""Programme services: rescheduling a performance."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from tenants.accounts.models import AuditEvent
from tests.helpers import in_venue
from ticketing.errors import InvalidRequest
from ticketing.models import Performance, ProgrammeChange
from ticketing.services import inventory, programme

pytestmark = pytest.mark.django_db


def test_rescheduling_moves_the_doors_and_the_end_of_sales_with_the_start(venue_a, performance):
    with in_venue(venue_a):
        start = performance.starts_at
        sale_opens = timezone.now() - timedelta(days=3)
        Performance.objects.filter(pk=performance.pk).update(
            doors_open_at=start - timedelta(minutes=45),
            sale_closes_at=start - timedelta(hours=2),
            sale_opens_at=sale_opens,
        )
        new_start = start + timedelta(days=9, hours=1, minutes=30)

        change = programme.reschedule_performance(
            performance=performance, starts_at=new_start, reason="Travaux"
        )

        moved = Performance.objects.get(pk=performance.pk)
        assert moved.starts_at == new_start
        assert moved.doors_open_at == new_start - timedelta(minutes=45)
        assert moved.sale_closes_at == new_start - timedelta(hours=2)
        assert moved.sale_opens_at == sale_opens  # a sale already open stays open
        # Still on sale, at its new date ("New date" on the storefront).
        assert moved.status == Performance.Status.RESCHEDULED
        inventory.check_on_sale(moved)
        assert ProgrammeChange.objects.get(pk=change.pk).new_starts_at == new_start
        assert (change.previous_starts_at, change.kind) == (start, "rescheduled")
        event = AuditEvent.objects.get(code="ticketing.performance.rescheduled")
        assert event.data["doors_open_at"] == {
            "from": (start - timedelta(minutes=45)).isoformat(),
            "to": (new_start - timedelta(minutes=45)).isoformat(),
        }
        assert event.data["sale_closes_at"] == {
            "from": (start - timedelta(hours=2)).isoformat(),
            "to": (new_start - timedelta(hours=2)).isoformat(),
        }


def test_rescheduling_earlier_keeps_unset_times_unset(venue_a, performance):
    with in_venue(venue_a):
        Performance.objects.filter(pk=performance.pk).update(
            doors_open_at=performance.starts_at - timedelta(minutes=30), sale_closes_at=None
        )
        new_start = performance.starts_at - timedelta(days=2)

        programme.reschedule_performance(performance=performance, starts_at=new_start)

        moved = Performance.objects.get(pk=performance.pk)
        assert moved.doors_open_at == new_start - timedelta(minutes=30)
        assert moved.sale_closes_at is None
        event = AuditEvent.objects.get(code="ticketing.performance.rescheduled")
        assert "sale_closes_at" not in event.data


def test_rescheduling_refuses_a_time_without_a_time_zone(venue_a, performance):
    with in_venue(venue_a):
        with pytest.raises(InvalidRequest):
            programme.reschedule_performance(
                performance=performance, starts_at=datetime(2031, 5, 1, 19, 0)
            )
        assert Performance.objects.get(pk=performance.pk).starts_at == performance.starts_at
