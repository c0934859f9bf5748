"""Conditions on what a contact bought and attended: counts (from the behaviour counters when
no period, show or channel narrows them, else from the typed timeline), seasons and the
"lapsed" pattern over calendar quarters."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from ...models import GenreStats, QuarterStats, SeasonStats
from .base import CompilerBase
from .schema import ATTENDANCE, EVERYONE, PURCHASE


class ActivityConditions(CompilerBase):
    @staticmethod
    def _counter_range(field: str, c: dict) -> Q:
        q = Q(**{f"{field}__gte": c["min_count"]}) if c.get("min_count") else EVERYONE
        if c.get("max_count") is not None:
            q &= Q(**{f"{field}__lte": c["max_count"]})
        return q

    def _from_counters(self, c: dict, total_field: str, genre_field: str) -> Q | None:
        """Counts over all time read the behaviour counters, not the timeline."""
        if any(c.get(k) is not None for k in ("show_id", "performance_id", "within_days")):
            return None
        if c.get("channel") or c.get("min_amount_cents") is not None:
            return None
        if not c.get("genre"):
            return self._counter_range(total_field, c)
        if not c.get("min_count") and c.get("max_count") is None:
            return EVERYONE
        if not c.get("min_count"):
            stats = GenreStats.objects.filter(genre=c["genre"]).exclude(
                **{f"{genre_field}__lte": c["max_count"]}
            )
            return ~Q(pk__in=stats.values("contact_id"))
        at_least = {f"{genre_field}__gte": c["min_count"]}
        stats = GenreStats.objects.filter(genre=c["genre"], **at_least)
        if c.get("max_count") is not None:
            stats = stats.filter(**{f"{genre_field}__lte": c["max_count"]})
        return Q(pk__in=stats.values("contact_id"))

    def c_purchases(self, c):
        counters = self._from_counters(c, "purchase_count", "purchases")
        if counters is not None:
            return counters
        return self._counted(self._events(PURCHASE, c), c, amount=True)

    def c_attendance(self, c):
        counters = self._from_counters(c, "attendance_count", "attendances")
        if counters is not None:
            return counters
        return self._counted(self._events(ATTENDANCE, c), c)

    def c_season(self, c):
        stats = SeasonStats.objects.filter(season=c["season"])
        for param, column in (
            ("min_purchases", "purchases"),
            ("min_attendances", "attendances"),
            ("min_spend_cents", "spend_cents"),
        ):
            if c.get(param) is not None:
                stats = stats.filter(**{f"{column}__gte": c[param]})
        return Q(pk__in=stats.values("contact_id"))

    def c_lapsed(self, c):
        """At least `min_per_quarter` attendances in each of the `years`×4 calendar quarters
        before the last four (the current one included), and at most `max_recent` in those
        four."""
        recent_start = quarter_start(self.now, back=3)
        history_start = quarter_start(self.now, back=3 + 4 * c["years"])
        quarters = 4 * c["years"]
        regular = (
            QuarterStats.objects.filter(
                quarter__gte=history_start,
                quarter__lt=recent_start,
                attendances__gte=c["min_per_quarter"],
            )
            .values("contact_id")
            .annotate(n=Count("*"))
            .filter(n=quarters)
        )
        # Correlated: read only for the few regulars, through the (contact, quarter) index.
        busy = (
            QuarterStats.objects.filter(contact=OuterRef("pk"), quarter__gte=recent_start)
            .values("contact_id")
            .annotate(n=Sum("attendances"))
            .filter(n__gt=c["max_recent"])
        )
        return Q(pk__in=regular.values("contact_id")) & ~Q(Exists(busy))


def quarter_start(moment: datetime, *, back: int = 0) -> date:
    """First day of the calendar quarter `back` quarters before the one holding `moment`
    (in the current time zone)."""
    day = timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    index = day.year * 4 + (day.month - 1) // 3 - back
    return date(index // 4, (index % 4) * 3 + 1, 1)
