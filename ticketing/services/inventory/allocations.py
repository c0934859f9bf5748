"""Allocations: seats set aside from public sale (box office, press, partners…)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.accounts.audit import record_event
from ticketing.errors import SeatsUnavailable
from ticketing.models import Allocation, Performance, PerformanceSeat

from .published import availability_changed


@transaction.atomic
def allocate_seats(
    *, performance: Performance, kind: str, name: str, seat_ids: list[int], actor=None
) -> Allocation:
    allocation = Allocation.objects.create(performance=performance, kind=kind, name=name)
    updated = PerformanceSeat.objects.filter(
        performance=performance,
        seat_id__in=seat_ids,
        status=PerformanceSeat.Status.AVAILABLE,
        allocation__isnull=True,
    ).update(allocation=allocation)
    if updated != len(set(seat_ids)):
        raise SeatsUnavailable(_("Some of these seats are not free to set aside."))
    availability_changed([performance.pk])
    record_event(
        code="ticketing.allocation.created",
        actor=actor,
        obj=performance,
        data={"performance": performance.pk, "kind": kind, "seats": updated},
    )
    return allocation


@transaction.atomic
def release_allocation(*, allocation: Allocation, actor=None) -> int:
    """Put every unsold seat of an allocation back on public sale, in one statement."""
    freed = PerformanceSeat.objects.filter(allocation=allocation).update(allocation=None)
    availability_changed([allocation.performance_id])
    allocation.released_at = timezone.now()
    allocation.save(update_fields=["released_at"])
    record_event(
        code="ticketing.allocation.released",
        actor=actor,
        obj=allocation.performance,
        data={"allocation": allocation.pk, "seats": freed},
    )
    return freed
