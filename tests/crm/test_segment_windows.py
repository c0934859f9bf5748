"""The per-contact window counters the slow standard segments read (crm/windows.py): kept by
record_attendance, moved by the periodic task, carried by merges and unmerges — and the
segments reading them select exactly what the timeline and the quarters say, before and after
the window moves."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction

from crm import windows
from crm.criteria import refresh_time_based
from crm.dedup.merging import merge_contacts, unmerge_contacts
from crm.models import BehaviourSettings, Contact, GenreStats, QuarterStats, TimelineEvent
from crm.segments.definition import quarter_start, segment_queryset
from crm.services import find_or_create_contact, record_attendance
from crm.windows import RECENT_DAYS, advance_windows, window_start
from tests.helpers import committed, in_venue, run_together

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DANCE_24_MONTHS = {
    "version": 1,
    "op": "and",
    "rules": [{"type": "attendance", "genre": "dance", "within_days": 730, "min_count": 2}],
}
LAPSED = {"version": 1, "op": "and", "rules": [{"type": "lapsed", "years": 1, "max_recent": 1}]}


def _come(contact, ticket, at, *, genres=("dance",), performance_id=None):
    return record_attendance(
        contact_id=contact.pk,
        ticket_reference=ticket,
        performance_label="Show",
        occurred_at=at,
        show_id=1,
        performance_id=performance_id,
        genres=list(genres),
    )


def _recent(contact, genre="dance") -> int:
    return GenreStats.objects.get(contact=contact, genre=genre).recent_attendances


def _members(definition, now=NOW) -> set[int]:
    return set(segment_queryset(definition, now=now).values_list("pk", flat=True))


def _timeline_count(contact, genre, now) -> int:
    return TimelineEvent.objects.filter(
        contact=contact,
        code="ticketing.attendance",
        genre=genre,
        occurred_at__gte=now - timedelta(days=RECENT_DAYS),
    ).count()


def test_recent_attendances_follow_reports_and_the_moving_window(venue_a):
    with in_venue(venue_a):
        ada = find_or_create_contact(email="ada@example.fr", source="web")
        old = NOW - timedelta(days=RECENT_DAYS - 1)  # inside the window today, out in 2 days
        _come(ada, "T1", old)
        _come(ada, "T2", NOW - timedelta(days=10))
        # A companion's ticket at the same performance: one more event on the timeline, so one
        # more for the segment, though the behaviour counts one performance.
        _come(ada, "T3", NOW - timedelta(days=5), performance_id=9)
        _come(ada, "T4", NOW - timedelta(days=5), performance_id=9)
        _come(ada, "T5", NOW - timedelta(days=3), genres=("theatre", "dance"))  # timeline: dance
        assert _recent(ada) == 5 and _recent(ada, "theatre") == 0
        assert ada.pk in _members(DANCE_24_MONTHS)

        advance_windows(now=NOW)
        assert _recent(ada) == 5  # nothing left the window yet
        later = NOW + timedelta(days=3)
        assert _timeline_count(ada, "dance", later) == 4
        # Before the task moves the window the segment still counts exactly (the timeline
        # answers for the contacts with events between the counters' start and its own).
        assert ada.pk in _members(DANCE_24_MONTHS, now=later)
        assert advance_windows(now=later) == 1
        assert _recent(ada) == 4
        assert advance_windows(now=later) == 0  # idempotent
        advance_windows(now=NOW)  # never moves back
        assert BehaviourSettings.objects.get().recent_since == window_start(later)
        # A report older than the window counts on the timeline but not in the window.
        _come(ada, "T6", later - timedelta(days=RECENT_DAYS + 5))
        assert _recent(ada) == 4


def test_the_hourly_task_moves_the_window(venue_a):
    with in_venue(venue_a):
        ada = find_or_create_contact(email="ada@example.fr", source="web")
        _come(ada, "T1", NOW - timedelta(days=RECENT_DAYS + 1))
        assert _recent(ada) == 1  # counted since ever until the task first runs
        result = refresh_time_based(now=NOW)
        assert result["windows"] == 1 and _recent(ada) == 0
        assert refresh_time_based(now=NOW)["windows"] == 0


def test_the_dance_segment_is_exact_around_the_window_edges(venue_a):
    """Contacts with attendances just inside and just outside 730 days, with the counters'
    start before, at and after the condition's: the segment always equals the timeline."""
    with in_venue(venue_a):
        contacts = []
        for n, offsets in enumerate([(729, 100), (731, 100), (730.5, 729.5, 1), (735, 20, 10)]):
            contact = find_or_create_contact(email=f"p{n}@example.fr", source="web")
            for k, days in enumerate(offsets):
                _come(contact, f"T{n}-{k}", NOW - timedelta(days=days))
            contacts.append(contact)
        for moved_at in (None, NOW - timedelta(days=3), NOW - timedelta(hours=1)):
            if moved_at is not None:
                advance_windows(now=moved_at)
            for now in (NOW - timedelta(days=2), NOW, NOW + timedelta(hours=12)):
                expected = {c.pk for c in contacts if _timeline_count(c, "dance", now) >= 2}
                assert _members(DANCE_24_MONTHS, now=now) == expected, (moved_at, now)
        assert _members(DANCE_24_MONTHS) == {contacts[0].pk, contacts[2].pk, contacts[3].pk}


def test_the_dance_segment_reads_the_window_counters(venue_a):
    with in_venue(venue_a):
        sql = str(segment_queryset(DANCE_24_MONTHS, now=NOW).query)
        assert "recent_attendances" in sql
        other = {**DANCE_24_MONTHS, "rules": [{**DANCE_24_MONTHS["rules"][0], "within_days": 365}]}
        assert "recent_attendances" not in str(segment_queryset(other, now=NOW).query)


def test_busy_quarters_follow_attendances_and_answer_lapsed(venue_a):
    with in_venue(venue_a):
        ada = find_or_create_contact(email="ada@example.fr", source="web")
        bob = find_or_create_contact(email="bob@example.fr", source="web")
        history = [quarter_start(NOW, back=b) for b in range(7, 3, -1)]
        for n, quarter in enumerate(history):
            at = datetime(quarter.year, quarter.month, 10, 20, tzinfo=UTC)
            for contact in (ada, bob):
                _come(contact, f"A{n}", at, performance_id=n * 10 + 1)
                if contact is ada or n != 2:  # bob came once only in one quarter
                    _come(contact, f"B{n}", at + timedelta(days=7), performance_id=n * 10 + 2)
            # A companion ticket counts no performance: no third attendance in the quarter.
            _come(ada, f"C{n}", at + timedelta(days=7), performance_id=n * 10 + 2)
        ada.refresh_from_db()
        bob.refresh_from_db()
        assert ada.busy_quarters == history
        assert bob.busy_quarters == [q for n, q in enumerate(history) if n != 2]
        assert QuarterStats.objects.filter(contact=ada, attendances=2).count() == 4
        assert "busy_quarters" in str(segment_queryset(LAPSED, now=NOW).query)
        assert _members(LAPSED) == {ada.pk}
        # Two visits in the recent quarters: not lapsed any more.
        _come(ada, "R1", NOW - timedelta(days=2), performance_id=901)
        assert _members(LAPSED) == {ada.pk}
        _come(ada, "R2", NOW - timedelta(days=1), performance_id=902)
        assert _members(LAPSED) == set()


def test_merge_and_unmerge_carry_the_window_counters(venue_a):
    with in_venue(venue_a):
        kept = find_or_create_contact(email="kept@example.fr", source="web")
        absorbed = find_or_create_contact(email="absorbed@example.fr", source="web")
        quarter = quarter_start(NOW, back=5)
        at = datetime(quarter.year, quarter.month, 5, 20, tzinfo=UTC)
        _come(kept, "K1", at, performance_id=1)
        _come(absorbed, "A1", at + timedelta(days=3), performance_id=2)
        _come(absorbed, "A2", NOW - timedelta(days=10), performance_id=3)
        merge = merge_contacts(keep_id=kept.pk, absorb_id=absorbed.pk, actor=None)
        kept.refresh_from_db()
        assert kept.busy_quarters == [quarter]  # 1 + 1 attendances in that quarter
        assert _recent(kept) == 3
        # The window moves while they are merged; the unmerge counts each one again.
        advance_windows(now=at + timedelta(days=RECENT_DAYS + 1))
        assert _recent(kept) == 2
        unmerge_contacts(merge_id=merge.pk, actor=None)
        kept.refresh_from_db()
        absorbed.refresh_from_db()
        assert kept.busy_quarters == [] and absorbed.busy_quarters == []
        assert _recent(kept) == 0 and _recent(absorbed) == 2


def test_a_contact_copied_without_the_new_columns_gets_their_defaults(venue_a):
    """Expand-then-contract: code or a raw COPY that does not know the columns still works."""
    with in_venue(venue_a), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO crm_contact (first_name, last_name, email, email_normalized, phone, "
            "postcode, language, contact_types, first_source, created_at, updated_at, "
            "purchase_count, tickets_bought, amount_spent_cents, attendance_count, "
            "refund_count, genres_seen) VALUES ('A', 'B', '', '', '', '', 'fr', '{}', 'web', "
            "now(), now(), 0, 0, 0, 0, 0, '{}') RETURNING id"
        )
        contact_id = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO crm_genrestats (contact_id, genre, purchases, attendances) "
            "VALUES (%s, 'dance', 0, 1)",
            [contact_id],
        )
        assert Contact.objects.get(pk=contact_id).busy_quarters == []
        assert GenreStats.objects.get(contact_id=contact_id).recent_attendances == 0


# --- A report and the window moving at once (real concurrent connections) ------------------
@pytest.fixture
def committed_venue(venue_a):
    """venue_a, with what these tests commit removed after them: their contacts (and with them
    their rows) and the window's start as it was."""
    before = committed(
        venue_a, lambda: list(BehaviourSettings.objects.values("pk", "recent_since"))
    )
    yield venue_a

    def restore() -> None:
        Contact.objects.filter(email_normalized__startswith="crm-window-").delete()
        if not before:
            BehaviourSettings.objects.all().delete()
        else:
            BehaviourSettings.objects.filter(pk=before[0]["pk"]).update(
                recent_since=before[0]["recent_since"]
            )

    committed(venue_a, restore)


def _race(venue) -> int:
    """An attendance just inside today's window is reported in a transaction that stays open
    while the task moves the window past it; the counter after both committed."""
    contact = committed(
        venue, lambda: find_or_create_contact(email="crm-window-ada@example.fr", source="web")
    )
    committed(venue, lambda: advance_windows(now=NOW))
    at = NOW - timedelta(days=RECENT_DAYS) + timedelta(hours=1)  # out of the window tomorrow
    reported = threading.Event()

    def work(i: int) -> None:
        if i == 0:
            with transaction.atomic():
                _come(contact, "T-RACE", at)
                reported.set()
                time.sleep(1.0)  # the task starts meanwhile
        else:
            assert reported.wait(10)
            advance_windows(now=NOW + timedelta(days=1))

    run_together(venue, work, threads=2)
    return committed(venue, lambda: _recent(contact))


def test_a_report_and_the_moving_window_agree(committed_venue):
    # The task waits for the report (FOR UPDATE against its FOR KEY SHARE), then takes the
    # attendance off: it is out of the window.
    assert _race(committed_venue) == 0


def test_without_the_read_lock_the_report_is_counted_out_of_the_window(
    committed_venue, monkeypatch
):
    """Control: the same race without the report's lock leaves the attendance counted."""
    monkeypatch.setattr(
        windows,
        "WINDOW_CTE",
        ("w", "SELECT recent_since FROM crm_behavioursettings WHERE singleton"),
    )
    assert _race(committed_venue) == 1
