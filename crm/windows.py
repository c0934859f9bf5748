"""Per-contact counters over the standard windows of segments, kept current incrementally so
that the slow standard segments read one index instead of grouping the timeline.

Recent attendances per genre (`GenreStats.recent_attendances`)
    The attendance timeline events of that genre (the event's `genre` column, as the segment
    reads it) that occurred at or after the venue's `BehaviourSettings.recent_since`
    (NULL: since ever). `record_attendance` adds one per event inserted, in its own statement,
    when the event is not older than `recent_since`; the periodic task
    (`crm.refresh_time_based`, hourly) moves `recent_since` to RECENT_DAYS + MARGIN before now
    and takes off the events it leaves behind (`advance_windows`). Merges add the counters
    like the other per-genre counts.

    The segment "≥ N attendances of a genre within RECENT_DAYS days" stays exact: for a
    contact with no event between `recent_since` and now − RECENT_DAYS (either way round) the
    counter is the exact count; the few others are counted on the timeline
    (crm/segments/definition/activity.py). The window and the report agree on
    `recent_since` because a report locks the settings row FOR KEY SHARE and the task
    FOR UPDATE.

Busy quarters (`Contact.busy_quarters`)
    The calendar quarters in which the contact attended BUSY_QUARTER_MIN times or more: the
    same fact as `QuarterStats.attendances >= 2`, as one array on the contact, so "≥ 2 a
    quarter for 3 years" is one GIN lookup (`@>` the twelve quarters). `record_attendance`
    adds the quarter when its count reaches the minimum; merges and unmerges recompute it from
    the quarters (`refresh_busy_quarters`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from .models import BehaviourSettings

RECENT_DAYS = 730  # "in the last 24 months"
BUSY_QUARTER_MIN = 2
# recent_since is set this much earlier than now − RECENT_DAYS: a segment compiled a moment
# before the task moved the window still finds its start inside the counted range.
MARGIN = timedelta(minutes=10)
ATTENDANCE = "ticketing.attendance"
_EVER = datetime.min.replace(tzinfo=UTC)

# SQL of the window's start for a report (CTE `w`, read-locked against `advance_windows`).
WINDOW_CTE = (
    "w",
    "SELECT recent_since FROM crm_behavioursettings WHERE singleton FOR KEY SHARE",
)
WINDOW_START = "COALESCE((SELECT recent_since FROM w), '-infinity'::timestamptz)"


def window_start(now: datetime) -> datetime:
    return now - timedelta(days=RECENT_DAYS) - MARGIN


def recent_since() -> datetime | None:
    """The venue's current start of the recent window (None: counted since ever)."""
    return (
        BehaviourSettings.objects.filter(singleton=True)
        .values_list("recent_since", flat=True)
        .first()
    )


@transaction.atomic
def advance_windows(*, now: datetime | None = None) -> int:
    """Move the recent window's start to `window_start(now)` and take off the counters the
    attendances it leaves behind; the number of counters changed. Idempotent, and never moves
    the start back."""
    now = now or timezone.now()
    settings = BehaviourSettings.objects.select_for_update().get_or_create(singleton=True)[0]
    new_since = window_start(now)
    old_since = settings.recent_since
    if old_since is not None and old_since >= new_since:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE crm_genrestats g SET recent_attendances = "
            "GREATEST(g.recent_attendances - a.n, 0) FROM ("
            "SELECT contact_id, genre, count(*) AS n FROM crm_timelineevent "
            "WHERE code = %s AND genre <> '' AND occurred_at >= %s AND occurred_at < %s "
            "GROUP BY contact_id, genre) a "
            "WHERE g.contact_id = a.contact_id AND g.genre = a.genre",
            [ATTENDANCE, old_since or _EVER, new_since],
        )
        changed = cursor.rowcount
    settings.recent_since = new_since
    settings.save(update_fields=["recent_since"])
    return changed


def mark_busy_quarter(contact_id: int, quarter: date) -> None:
    """The quarter reached BUSY_QUARTER_MIN attendances: add it (once, kept sorted)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE crm_contact SET busy_quarters = ARRAY(SELECT DISTINCT q FROM "
            "unnest(busy_quarters || %s::date) AS q ORDER BY q) "
            "WHERE id = %s AND NOT (busy_quarters @> ARRAY[%s::date])",
            [quarter, contact_id, quarter],
        )


def refresh_busy_quarters(contact_ids: Iterable[int]) -> None:
    """Recompute the busy quarters of these contacts from their quarter rows (merges)."""
    ids = sorted(set(contact_ids))
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE crm_contact c SET busy_quarters = ARRAY(SELECT quarter FROM crm_quarterstats "
            "q WHERE q.contact_id = c.id AND q.attendances >= %s ORDER BY quarter) "
            "WHERE c.id = ANY(%s)",
            [BUSY_QUARTER_MIN, ids],
        )


def recount_recent(contact_ids: Iterable[int]) -> None:
    """Recompute the recent attendances per genre of these contacts from their timeline, in
    the current window (unmerge: the timelines were split again)."""
    ids = sorted(set(contact_ids))
    if not ids:
        return
    name, cte = WINDOW_CTE
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {name} AS ({cte}) UPDATE crm_genrestats g SET recent_attendances = ("  # noqa: S608
            "SELECT count(*) FROM crm_timelineevent t WHERE t.contact_id = g.contact_id "
            f"AND t.code = %s AND t.genre = g.genre AND t.occurred_at >= {WINDOW_START}) "
            "WHERE g.contact_id = ANY(%s)",
            [ATTENDANCE, ids],
        )
