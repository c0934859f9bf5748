"""Reads of the drop-off alerts."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import DropoffAlert, DropoffRun


def open_alerts() -> QuerySet[DropoffAlert]:
    """The open alerts, the most loyal spectators first (the ones a venue most wants to
    keep; every alert is already significant), with their contact (one query)."""
    return (
        DropoffAlert.objects.filter(
            state=DropoffAlert.State.OPEN,
            contact__merged_into__isnull=True,
            contact__anonymised_at__isnull=True,
        )
        .select_related("contact")
        .order_by("-historical_rate", "-score", "pk")
    )


def last_run() -> DropoffRun | None:
    return DropoffRun.objects.order_by("-week").first()


def closed_count() -> dict[str, int]:
    from django.db.models import Count

    rows = DropoffAlert.objects.exclude(state=DropoffAlert.State.OPEN).values("state")
    return {r["state"]: r["n"] for r in rows.annotate(n=Count("pk"))}
