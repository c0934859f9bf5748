"""Reads of sending: a campaign's progress as it happens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from ..models import Campaign, Delivery

S = Delivery.Status


@dataclass(frozen=True)
class Progress:
    total: int
    waiting: int  # pending, or claimed and not yet sent
    sent: int
    failed: int  # failed or bounced
    skipped: int
    retrying: int  # pending after a temporary error
    last_minute: int  # sent in the last 60 seconds

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.skipped

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 100


def campaign_progress(*, campaign: Campaign) -> Progress:
    """Counts of the campaign's deliveries by status (one query)."""
    now = timezone.now()
    counts = Delivery.objects.filter(campaign=campaign).aggregate(
        total=Count("pk"),
        waiting=Count("pk", filter=Q(status__in=[S.PENDING, S.SENDING])),
        sent=Count("pk", filter=Q(status=S.SENT)),
        failed=Count("pk", filter=Q(status__in=[S.FAILED, S.BOUNCED])),
        skipped=Count("pk", filter=Q(status=S.SKIPPED)),
        retrying=Count("pk", filter=Q(status=S.PENDING, next_attempt_at__gt=now)),
        last_minute=Count("pk", filter=Q(sent_at__gte=now - timedelta(minutes=1))),
    )
    return Progress(**counts)
