"""Conditions on what a contact bought and attended: counts (from the behaviour counters when
no period, show or channel narrows them, else from the typed timeline), seasons and the
"lapsed" pattern over calendar quarters."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from ... import windows
from ...models import BehaviourSettings, GenreStats, QuarterStats, SeasonStats, TimelineEvent
from .base import CompilerBase
from .schema import ATTENDANCE, EVERYONE, PURCHASE

EVER = datetime.min.replace(tzinfo=UTC)


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
        recent = self._from_recent_window(c)
        if recent is not None:
            return recent
        return self._counted(self._events(ATTENDANCE, c), c)

    def _from_recent_window(self, c: dict) -> Q | None:
        """ "≥ N attendances of a genre within RECENT_DAYS days" from the per-genre window
        counters (crm/windows.py), exactly: a contact with an attendance between the
        counters' start and the condition's (either way round) is counted on the timeline
        instead. None when the counters cannot answer."""
        if not c.get("genre") or c.get("within_days") != windows.RECENT_DAYS:
            return None
        if c.get("show_id") is not None or c.get("performance_id") is not None:
            return None
        low, high = c.get("min_count", 1), c.get("max_count")
        edge = self.ago(windows.RECENT_DAYS)
        since = windows.recent_since()
        if low < 1 or (since is not None and since > edge):
            return None
        # The same start as the counters in the same snapshot (the task may move it).
        start = Coalesce(
            Subquery(BehaviourSettings.objects.filter(singleton=True).values("recent_since")[:1]),
            Value(EVER),
        )
        touched = (
            TimelineEvent.objects.filter(code=ATTENDANCE, genre=c["genre"])
            .alias(start=start)
            .filter(
                occurred_at__gte=Least(F("start"), Value(edge)),
                occurred_at__lt=Greatest(F("start"), Value(edge)),
            )
            .values("contact_id")
        )
        exact = (
            self._events(ATTENDANCE, c)
            .filter(contact_id__in=touched)
            .values("contact_id")
            .annotate(n=Count("*"))
            .filter(n__gte=low)
        )
        plain = ~Q(contact_id__in=touched)
        if high is not None:
            exact = exact.filter(n__lte=high)
            plain &= Q(recent_attendances__lte=high)
        # A counter is never below the exact count (start ≤ edge): the index range holds
        # every member.
        rows = GenreStats.objects.filter(genre=c["genre"], recent_attendances__gte=low).filter(
            plain | Q(contact_id__in=exact.values("contact_id"))
        )
        return Q(pk__in=rows.values("contact_id"))

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
        if c["min_per_quarter"] == windows.BUSY_QUARTER_MIN:
            # The same quarters, from the contact's array (crm/windows.py) through its GIN
            # index; "not empty" lets PostgreSQL use that partial index.
            back = range(3 + quarters, 3, -1)
            wanted = [quarter_start(self.now, back=b) for b in back]
            return Q(busy_quarters__contains=wanted) & ~Q(busy_quarters=[]) & ~Q(Exists(busy))
        return Q(pk__in=regular.values("contact_id")) & ~Q(Exists(busy))


def quarter_start(moment: datetime, *, back: int = 0) -> date:
    """First day of the calendar quarter `back` quarters before the one holding `moment`
    (in the current time zone)."""
    day = timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    index = day.year * 4 + (day.month - 1) // 3 - back
    return date(index // 4, (index % 4) * 3 + 1, 1)
