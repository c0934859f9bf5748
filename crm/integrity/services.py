"""Taking the base's integrity: today's snapshot and every contact's score, in two statements
whatever the size of the base (run daily per venue by Celery, and on demand)."""

from datetime import datetime

from django.db import transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone

from .criteria import counted_contacts, criteria, score_expression
from .models import IntegritySnapshot


@transaction.atomic
def take_integrity_snapshot(*, now: datetime | None = None) -> IntegritySnapshot:
    """Today's figures (replacing an earlier snapshot of the same day) and each contact's
    `integrity_score`, written only where it changed."""
    now = now or timezone.now()
    items = criteria(now)
    score = score_expression(items)
    counted_contacts().exclude(integrity_score=score).update(integrity_score=score)
    every = Q()
    for item in items:
        every &= item.met
    figures = counted_contacts().aggregate(
        contacts=Count("pk"),
        complete=Count("pk", filter=every),
        average_score=Avg("integrity_score"),
        **{item.code: Count("pk", filter=item.met) for item in items},
    )
    snapshot, _ = IntegritySnapshot.objects.update_or_create(
        day=timezone.localdate(now),
        defaults={
            "contacts": figures["contacts"],
            "complete": figures["complete"],
            "average_score": round(figures["average_score"] or 0.0, 1),
            "by_criterion": {item.code: figures[item.code] for item in items},
        },
    )
    return snapshot
