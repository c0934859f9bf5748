"""The typed timeline and the behaviour it keeps current: seasons, genres, quarters,
affinities, RFM scores, tags; and what ticketing's sales, refunds and exchanges report."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.behaviour import quarter_of, recency_score, rfm_scores, season_of
from crm.models import (
    Affinity,
    BehaviourSettings,
    Contact,
    GenreStats,
    QuarterStats,
    SeasonStats,
    TimelineEvent,
)
from crm.services import (
    add_affinity,
    change_tags,
    find_or_create_contact,
    record_attendance,
    record_exchange,
    record_purchase,
    record_refund,
)
from tenants.accounts.models import AuditEvent
from tenants.errors import ValidationFailed
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 10, 14, 18, 30, tzinfo=UTC)  # season 2026-2027 (September start)


def _contact(email="ada@example.fr") -> Contact:
    return find_or_create_contact(email=email, source="web")


def _buy(contact, reference="ORD-1", *, at=T0, genres=("danse",), tickets=2, amount=3000, **kw):
    return record_purchase(
        contact_id=contact.pk,
        order_reference=reference,
        tickets=tickets,
        amount_cents=amount,
        occurred_at=at,
        performance_label="May B",
        show_id=kw.pop("show_id", 7),
        performance_id=kw.pop("performance_id", 70),
        order_id=kw.pop("order_id", 700),
        genres=list(genres),
        **kw,
    )


def _come(contact, ticket="TKT-1", *, at=T0, performance_id=70, genres=("danse",), **kw):
    return record_attendance(
        contact_id=contact.pk,
        ticket_reference=ticket,
        performance_label="May B",
        occurred_at=at,
        show_id=7,
        performance_id=performance_id,
        genres=list(genres),
        **kw,
    )


@pytest.mark.parametrize(
    ("moment", "start_month", "season"),
    [
        (date(2026, 9, 1), 9, "2026-2027"),
        (date(2026, 8, 31), 9, "2025-2026"),
        (date(2027, 1, 15), 9, "2026-2027"),
        (date(2026, 6, 30), 7, "2025-2026"),
        (date(2026, 7, 1), 7, "2026-2027"),
        (date(2026, 3, 1), 1, "2026"),
    ],
)
def test_the_season_of_a_date(moment, start_month, season):
    assert season_of(moment, start_month=start_month) == season


def test_the_season_follows_the_venue_setting_and_time_zone(venue_a, venue_b):
    late_august_utc = datetime(2026, 8, 31, 22, 30, tzinfo=UTC)  # already 1 September in Paris
    with in_venue(venue_a):
        assert season_of(late_august_utc) == "2026-2027"
        # update_or_create: a committing test may have left the venue's row (the first read
        # of the settings writes it).
        BehaviourSettings.objects.update_or_create(
            singleton=True, defaults={"season_start_month": 1}
        )
        assert season_of(late_august_utc) == "2026"
    with in_venue(venue_b):
        assert season_of(late_august_utc) == "2026-2027"


def test_a_purchase_fills_the_typed_columns_and_the_behaviour_tables(venue_a):
    with in_venue(venue_a):
        ada = _contact()
        assert _buy(ada, genres=["Danse", "contemporain", ""]) is True
        event = TimelineEvent.objects.get(contact=ada, code="ticketing.purchase")
        assert (event.show_id, event.performance_id, event.order_id) == (7, 70, 700)
        assert event.genre == "contemporain"  # the first of the cleaned, sorted genres
        assert event.data["genres"] == ["contemporain", "danse"]
        assert event.data["season"] == "2026-2027"
        season = SeasonStats.objects.get(contact=ada)
        assert (season.season, season.purchases, season.tickets, season.spend_cents) == (
            "2026-2027",
            1,
            2,
            3000,
        )
        assert season.attendances == 0
        genres = {g.genre: g for g in GenreStats.objects.filter(contact=ada)}
        assert set(genres) == {"contemporain", "danse"}
        assert genres["danse"].purchases == 1 and genres["danse"].last_purchased_at == T0
        assert {(a.kind, a.key, a.weight) for a in Affinity.objects.filter(contact=ada)} == {
            ("genre", "contemporain", 1.0),
            ("genre", "danse", 1.0),
        }
        # The same order again: nothing moves anywhere.
        assert _buy(ada, genres=["danse"]) is False
        assert SeasonStats.objects.get(contact=ada).purchases == 1
        assert Affinity.objects.get(contact=ada, key="danse").weight == 1.0


def test_ticketing_gives_the_season_of_the_performance_not_of_the_purchase(venue_a):
    with in_venue(venue_a):
        ada = _contact()
        june = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
        _buy(ada, "EARLY", at=june, season="2026-2027")  # bought in June for October
        _buy(ada, "OLD", at=june)  # no season given: the date's
        assert dict(SeasonStats.objects.filter(contact=ada).values_list("season", "purchases")) == {
            "2026-2027": 1,
            "2025-2026": 1,
        }


def test_attendance_counts_performances_not_tickets(venue_a):
    with in_venue(venue_a):
        ada = _contact()
        assert _come(ada, "TKT-1") is True
        assert _come(ada, "TKT-2") is True  # her companion's ticket, same performance
        assert _come(ada, "TKT-1") is False
        _come(ada, "TKT-3", performance_id=71, at=T0 + timedelta(days=100), genres=["théâtre"])
        ada.refresh_from_db()
        assert ada.attendance_count == 2
        assert ada.first_attended_at == T0 and ada.last_attended_at == T0 + timedelta(days=100)
        assert ada.genres_seen == ["danse", "théâtre"]
        assert TimelineEvent.objects.filter(code="ticketing.attendance").count() == 3
        assert SeasonStats.objects.get(contact=ada).attendances == 2
        danse = GenreStats.objects.get(contact=ada, genre="danse")
        assert (danse.attendances, danse.last_attended_at) == (1, T0)
        assert Affinity.objects.get(contact=ada, key="danse").weight == 2.0  # once, not twice
        quarters = dict(
            QuarterStats.objects.filter(contact=ada).values_list("quarter", "attendances")
        )
        assert quarters == {date(2026, 10, 1): 1, date(2027, 1, 1): 1}


def test_a_refund_takes_off_what_it_must(venue_a):
    with in_venue(venue_a):
        ada = _contact()
        _buy(ada, "ORD-1", tickets=3, amount=4500)
        refund = {
            "contact_id": ada.pk,
            "order_reference": "ORD-1",
            "occurred_at": T0 + timedelta(days=1),
            "genres": ["danse"],
            "season": "2026-2027",
            "order_id": 700,
        }
        record_refund(refund_reference="R1", tickets=1, amount_cents=1500, **refund)
        season = SeasonStats.objects.get(contact=ada)
        assert (season.purchases, season.tickets, season.spend_cents) == (1, 2, 3000)
        assert Affinity.objects.get(contact=ada, key="danse").weight == 1.0  # partial: kept
        record_refund(
            refund_reference="R2", tickets=2, amount_cents=3000, whole_order=True, **refund
        )
        season.refresh_from_db()
        assert (season.tickets, season.spend_cents) == (0, 0)
        assert Affinity.objects.get(contact=ada, key="danse").weight == 0.0
        ada.refresh_from_db()
        assert (ada.purchase_count, ada.amount_spent_cents, ada.refund_count) == (1, 0, 2)
        event = TimelineEvent.objects.get(contact=ada, dedupe_key="ORD-1:R2")
        assert event.order_id == 700 and event.data["whole_order"] is True
        # A refund larger than what crm knows, in a season it has no row for: floored, no row.
        record_refund(
            refund_reference="R9",
            tickets=9,
            amount_cents=99900,
            **(refund | {"season": "2020-2021"}),
        )
        assert not SeasonStats.objects.filter(contact=ada, season="2020-2021").exists()


def test_an_exchange_is_on_the_timeline_with_the_new_performance(venue_a):
    with in_venue(venue_a):
        ada = _contact()
        _buy(ada, "ORD-1", tickets=1, amount=2500)
        assert record_exchange(
            contact_id=ada.pk,
            order_reference="ORD-1",
            exchange_reference="ORD-1-X1",
            tickets=1,
            difference_cents=-700,
            occurred_at=T0 + timedelta(days=2),
            performance_label="Rain",
            show_id=8,
            performance_id=80,
            order_id=700,
            genres=["danse"],
            season="2026-2027",
        )
        event = TimelineEvent.objects.get(contact=ada, code="ticketing.exchange")
        assert (event.show_id, event.performance_id, event.order_id) == (8, 80, 700)
        ada.refresh_from_db()
        assert ada.amount_spent_cents == 1800
        assert SeasonStats.objects.get(contact=ada).spend_cents == 1800


def _exchange(contact, reference, **kw):
    return record_exchange(
        contact_id=contact.pk,
        order_reference="ORD-1",
        exchange_reference=reference,
        occurred_at=T0 + timedelta(days=2),
        performance_label="Rain",
        show_id=8,
        performance_id=80,
        order_id=700,
        **kw,
    )


def test_an_exchange_moves_the_season_and_genre_counts_to_the_new_performance(venue_a):
    with in_venue(venue_a):
        ada = _contact()
        _buy(ada, "ORD-1", tickets=2, amount=3000, genres=("danse",), season="2026-2027")
        # One of two tickets to next season's circus show: the tickets and their price move,
        # the order stays counted where it still has a ticket.
        _exchange(ada, "X1", tickets=1, difference_cents=500, genres=["cirque"],
                  season="2027-2028", from_season="2026-2027", from_genres=["danse"],
                  from_amount_cents=1500, whole_order=False)  # fmt: skip
        seasons = {
            s.season: (s.purchases, s.tickets, s.spend_cents)
            for s in SeasonStats.objects.filter(contact=ada)
        }
        assert seasons == {"2026-2027": (1, 1, 1500), "2027-2028": (0, 1, 2000)}
        assert GenreStats.objects.get(contact=ada, genre="danse").purchases == 1
        assert not GenreStats.objects.filter(contact=ada, genre="cirque").exists()
        # The last one too: now the whole order belongs to next season and to circus.
        last = {"tickets": 1, "difference_cents": 0, "genres": ["cirque"], "season": "2027-2028",
                "from_season": "2026-2027", "from_genres": ["danse"], "from_amount_cents": 1500,
                "whole_order": True}  # fmt: skip
        assert _exchange(ada, "X2", **last)
        seasons = {
            s.season: (s.purchases, s.tickets, s.spend_cents)
            for s in SeasonStats.objects.filter(contact=ada)
        }
        assert seasons == {"2026-2027": (0, 0, 0), "2027-2028": (1, 2, 3500)}
        genres = dict(GenreStats.objects.filter(contact=ada).values_list("genre", "purchases"))
        assert genres == {"danse": 0, "cirque": 1}
        weights = dict(Affinity.objects.filter(contact=ada).values_list("key", "weight"))
        assert weights == {"danse": 0.0, "cirque": 1.0}
        ada.refresh_from_db()
        assert (ada.purchase_count, ada.amount_spent_cents) == (1, 3500)
        # Recorded once: the same exchange reported again changes nothing.
        assert not _exchange(ada, "X2", **last)
        assert SeasonStats.objects.get(contact=ada, season="2027-2028").tickets == 2


def test_rfm_thresholds():
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert recency_score(None, now) is None
    assert recency_score(now - timedelta(days=90), now) == 5
    assert recency_score(now - timedelta(days=91), now) == 4
    assert recency_score(now - timedelta(days=400), now) == 2
    assert recency_score(now - timedelta(days=731), now) == 1
    assert rfm_scores(last_purchase_at=None, purchase_count=0, amount_spent_cents=0, now=now) == (
        None,
        None,
        None,
    )
    assert rfm_scores(
        last_purchase_at=now, purchase_count=6, amount_spent_cents=25000, now=now
    ) == (5, 4, 4)


def test_rfm_scores_follow_purchases(venue_a):
    with in_venue(venue_a):
        ada = _contact()
        for n in range(3):
            _buy(ada, f"ORD-{n}", amount=4000, at=T0 + timedelta(days=n))
        ada.refresh_from_db()
        # 3 orders → F3, 120 € → M3; recency against the real clock (the purchases are dated).
        assert (ada.rfm_frequency, ada.rfm_monetary) == (3, 3)
        assert ada.rfm_recency is not None


def test_quarter_of():
    assert quarter_of(datetime(2026, 5, 20, 12, tzinfo=UTC)) == date(2026, 4, 1)


def test_a_purchase_costs_two_statements_at_most(venue_a):
    with in_venue(venue_a):
        ada = _contact()
        _buy(ada, "ORD-0")
        BehaviourSettings.current()
        from crm.behaviour import behaviour_settings

        behaviour_settings()
        with CaptureQueriesContext(connection) as queries:
            _buy(ada, "ORD-1")
        # the settings (read here outside a request: inside one they come from the process's
        # cache) + the report + the criteria/RFM when they changed.
        writes = [
            q["sql"] for q in queries.captured_queries if "crm_behavioursettings" not in q["sql"]
        ]
        assert len(writes) <= 2, writes
        assert writes[0].startswith("WITH")


def test_add_affinity_from_a_quiz(venue_a, venue_b):
    with in_venue(venue_a):
        ada = _contact()
        assert add_affinity(contact_id=ada.pk, kind="theme", key=" Humour ", weight=3) == 3.0
        assert add_affinity(contact_id=ada.pk, kind="theme", key="humour", weight=-5) == 0.0
        assert Affinity.objects.get(contact=ada, kind="theme").key == "humour"
        assert TimelineEvent.objects.filter(contact=ada, code="crm.affinity.added").count() == 2
        for bad in ({"kind": "mood"}, {"key": "x" * 61}, {"weight": 1000}):
            with pytest.raises(ValidationFailed):
                add_affinity(
                    **({"contact_id": ada.pk, "kind": "theme", "key": "k", "weight": 1} | bad)
                )
    with in_venue(venue_b):
        assert not Affinity.objects.exists()


def test_tags_are_added_and_removed_with_audit_and_timeline(venue_a, make_staff):
    user = make_staff(venue_a)
    with in_venue(venue_a):
        ada = _contact()
        assert change_tags(contact_id=ada.pk, add=["Jeune public", " mécène "], actor=user) == [
            "Jeune public",
            "mécène",
        ]
        assert change_tags(contact_id=ada.pk, add=["jeune PUBLIC"], actor=user) == [
            "Jeune public",
            "mécène",
        ]
        assert change_tags(contact_id=ada.pk, remove=["JEUNE public"], actor=user) == ["mécène"]
        audit = AuditEvent.objects.filter(code="crm.contact.tags_changed", object_id=ada.pk)
        assert audit.count() == 2 and audit.first().actor_id == user.pk
        assert TimelineEvent.objects.filter(contact=ada, code="crm.tags.changed").count() == 2
        with pytest.raises(ValidationFailed):
            change_tags(contact_id=ada.pk, add=["x" * 51])
