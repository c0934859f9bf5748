"""What every family of conditions shares: the moment the tree is compiled at, and the typed
timeline read as "events of a kind" with a count between two bounds."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import BigIntegerField, Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce

from ...models import TimelineEvent
from .schema import EVERYONE


class CompilerBase:
    def __init__(self, now: datetime):
        self.now = now

    def ago(self, days: int) -> datetime:
        return self.now - timedelta(days=days)

    def _counted(self, events: QuerySet, c: dict, amount: bool = False) -> Q:
        """Contacts with between min_count and max_count of `events` (and, for purchases,
        at least min_amount_cents over them)."""
        low, high = c.get("min_count", 1), c.get("max_count")
        min_amount = c.get("min_amount_cents") if amount else None
        if min_amount is None and high is None and low == 0:
            return EVERYONE  # "at least zero"
        if min_amount is None and high is None and low == 1:
            return Q(Exists(events.filter(contact=OuterRef("pk"))))
        grouped = events.values("contact_id").annotate(n=Count("*"))
        if min_amount is not None:
            total = Sum(Cast(KT("data__amount_cents"), BigIntegerField()))
            grouped = grouped.annotate(total=Coalesce(total, 0)).filter(total__gte=min_amount)
        if low > 0 or min_amount is not None:
            having = grouped.filter(n__gte=low)
            if high is not None:
                having = having.filter(n__lte=high)
            return Q(pk__in=having.values("contact_id"))
        # From zero: everyone but those above the maximum.
        return ~Q(pk__in=grouped.filter(n__gt=high).values("contact_id"))

    def _events(self, code: str, c: dict) -> QuerySet:
        events = TimelineEvent.objects.filter(code=code)
        for name in ("show_id", "performance_id", "campaign_id"):
            if c.get(name) is not None:
                events = events.filter(**{name: c[name]})
        if c.get("genre"):
            events = events.filter(genre=c["genre"])
        if c.get("channel"):
            events = events.filter(data__channel=c["channel"])
        if c.get("within_days"):
            events = events.filter(occurred_at__gte=self.ago(c["within_days"]))
        return events
