"""Goals: the progress arithmetic (absolute and relative targets, counts and rates,
reached, on track, behind, missed, no data), the services' rules and audit, and the demo's
goals."""

from datetime import date
from decimal import Decimal

import pytest

from analytics import indicators
from analytics.goals import selectors
from analytics.goals.demo import seed_goals
from analytics.goals.models import Goal
from analytics.goals.selectors import progress_of
from analytics.goals.services import GoalError, archive_goal, create_goal, update_goal
from crm.behaviour import current_season
from crm.integrity.models import IntegritySnapshot
from tenants.accounts.models import AuditEvent, User
from tenants.events.services.dispatch import dispatch_pending
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db

START, DEADLINE = date(2026, 9, 1), date(2027, 6, 30)  # 302 days
MIDWAY = date(2027, 1, 26)  # 147 days in: a steady pace asks for 48.7 %


def goal(indicator="tickets", mode=Goal.Mode.ABSOLUTE, amount="100", **extra):
    return Goal(
        indicator=indicator,
        season="2026-2027",
        mode=mode,
        amount=Decimal(amount),
        starts_on=extra.pop("starts_on", START),
        deadline=extra.pop("deadline", DEADLINE),
        **extra,
    )


def measures(values):
    return lambda key, season: values.get((key, season))


def test_an_absolute_count_runs_from_zero_and_keeps_pace_linearly():
    figures = measures({("tickets", "2026-2027"): 40, ("tickets", "2025-2026"): 900})
    p = progress_of(goal(amount="100"), today=MIDWAY, measure=figures)
    assert (p.current, p.target, p.start, p.baseline) == (40, 100, 0, 900)
    assert p.share == pytest.approx(0.4)
    assert p.expected == pytest.approx(147 / 302)
    assert p.state == selectors.BEHIND  # 40 % done, 48.7 % asked
    early = progress_of(goal(amount="100"), today=date(2026, 12, 1), measure=figures)
    assert early.expected == pytest.approx(91 / 302) and early.state == selectors.ON_TRACK
    before = progress_of(goal(amount="100"), today=date(2026, 8, 1), measure=figures)
    assert before.expected == 0 and before.state == selectors.ON_TRACK


def test_plus_ten_percent_on_the_previous_season_is_reached_beyond_it():
    figures = measures({("tickets", "2026-2027"): 230, ("tickets", "2025-2026"): 200})
    p = progress_of(goal(mode=Goal.Mode.PERCENT, amount="10"), today=MIDWAY, measure=figures)
    assert p.baseline == 200 and p.target == pytest.approx(220)
    assert p.state == selectors.REACHED and p.share == 1 and p.percent == 100
    assert p.goal_text.startswith("+10")


def test_a_rate_runs_from_the_previous_season():
    figures = measures({("basket_seats", "2026-2027"): 2.15, ("basket_seats", "2025-2026"): 2.0})
    g = goal("basket_seats", Goal.Mode.UNITS, "0.3")
    p = progress_of(g, today=MIDWAY, measure=figures)
    assert (p.baseline, p.start) == (2.0, 2.0) and p.target == pytest.approx(2.3)
    assert p.share == pytest.approx(0.5) and p.state == selectors.ON_TRACK
    # An absolute share: from last season's 20 % to 30 %, at 24 %: 40 % of the way.
    figures = measures({("online_share", "2026-2027"): 0.24, ("online_share", "2025-2026"): 0.2})
    p = progress_of(goal("online_share", amount="0.30"), today=MIDWAY, measure=figures)
    assert p.share == pytest.approx(0.4) and p.state == selectors.BEHIND
    assert p.current_text.startswith("24") and p.target_text.startswith("30")


def test_a_goal_past_its_deadline_and_short_of_its_target_is_missed():
    figures = measures({("tickets", "2026-2027"): 99})
    p = progress_of(goal(amount="100"), today=date(2027, 7, 1), measure=figures)
    assert p.state == selectors.MISSED and p.share == pytest.approx(0.99)
    done = progress_of(goal(amount="99"), today=date(2027, 7, 1), measure=figures)
    assert done.state == selectors.REACHED


def test_no_figure_no_previous_season_or_no_indicator_is_no_data():
    none = measures({})
    assert progress_of(goal(), today=MIDWAY, measure=none).state == selectors.NO_DATA
    relative = goal(mode=Goal.Mode.PERCENT, amount="10")
    only_now = measures({("tickets", "2026-2027"): 50})
    p = progress_of(relative, today=MIDWAY, measure=only_now)
    assert p.state == selectors.NO_DATA and p.target is None and p.share is None
    gone = progress_of(goal("no_such_indicator"), today=MIDWAY, measure=only_now)
    assert gone.state == selectors.NO_DATA and gone.label == "no_such_indicator"


def test_integrity_runs_from_where_the_base_was_when_the_goal_was_set():
    figures = measures({("integrity", "2026-2027"): 0.55})
    g = goal("integrity", amount="0.70", start_value=0.40)
    p = progress_of(g, today=MIDWAY, measure=figures)
    assert p.share == pytest.approx(0.5) and p.state == selectors.ON_TRACK


def test_a_target_below_the_start_is_a_decrease():
    figures = measures({("basket_seats", "2026-2027"): 1.9, ("basket_seats", "2025-2026"): 2.0})
    p = progress_of(goal("basket_seats", Goal.Mode.UNITS, "-0.2"), today=MIDWAY, measure=figures)
    assert p.target == pytest.approx(1.8) and p.share == pytest.approx(0.5)


def test_the_progress_reads_the_real_indicators(venue_a, season, make_staff):
    admin = make_staff(venue_a, User.Role.ADMIN)
    with in_venue(venue_a):
        dispatch_pending()
        name = current_season()
        first, last = selectors.season_bounds(name)
        made = create_goal(
            actor=admin,
            indicator="tickets",
            season=name,
            mode=Goal.Mode.ABSOLUTE,
            amount=Decimal(10),
            starts_on=first,
            deadline=last,
        )
        [p] = selectors.goals_progress()
        assert p.goal == made and p.current == indicators.measure("tickets", name) == 5
        assert p.share == pytest.approx(0.5)
        assert p.link.endswith(f"?season={name}")


def test_services_check_record_and_archive(venue_a, make_staff):
    admin = make_staff(venue_a, User.Role.ADMIN)
    fields = {
        "indicator": "online_share",
        "season": "2026-2027",
        "mode": Goal.Mode.ABSOLUTE,
        "amount": Decimal("0.3"),
        "starts_on": START,
        "deadline": DEADLINE,
    }
    with in_venue(venue_a):
        for bad, field in (
            ({"indicator": "nope"}, "indicator"),
            ({"season": "2026-2030"}, "season"),
            ({"amount": Decimal("1.5")}, "amount"),
            ({"deadline": date(2026, 8, 1)}, "deadline"),
            ({"indicator": "integrity", "mode": Goal.Mode.PERCENT}, "mode"),
            ({"mode": Goal.Mode.UNITS, "amount": Decimal(0)}, "amount"),
        ):
            with pytest.raises(GoalError) as error:
                create_goal(actor=admin, **{**fields, **bad})
            assert error.value.field == field
        assert not Goal.objects.exists()
        made = create_goal(actor=admin, **fields)
        assert made.created_by == admin
        update_goal(goal=made, actor=admin, amount=Decimal("0.35"), label="Web")
        with pytest.raises(GoalError):
            update_goal(goal=made, actor=admin, deadline=date(2020, 1, 1))
        archive_goal(goal=made, actor=admin)
        archive_goal(goal=made, actor=admin)  # twice: one event
        codes = list(
            AuditEvent.objects.filter(object_type="analytics.goal").values_list("code", flat=True)
        )
        assert sorted(codes) == [
            "analytics.goal.archived",
            "analytics.goal.created",
            "analytics.goal.updated",
        ]
        changed = AuditEvent.objects.get(code="analytics.goal.updated")
        assert changed.changes["label"] == ["", "Web"]
        assert selectors.goals_progress() == []


def test_integrity_goals_keep_where_the_base_started(venue_a, make_staff):
    with in_venue(venue_a):
        IntegritySnapshot.objects.create(
            day=date.today(), contacts=10, complete=4, average_score=50
        )
        made = create_goal(
            actor=None,
            indicator="integrity",
            season=current_season(),
            mode=Goal.Mode.ABSOLUTE,
            amount=Decimal("0.7"),
            starts_on=START,
            deadline=DEADLINE,
        )
        assert made.start_value == pytest.approx(0.4)


def test_the_demo_sets_a_few_goals_with_progress(venue_a, season, make_staff):
    make_staff(venue_a, User.Role.ADMIN)
    with in_venue(venue_a):
        dispatch_pending()
        IntegritySnapshot.objects.create(
            day=date(2026, 1, 5), contacts=10, complete=4, average_score=50
        )
        IntegritySnapshot.objects.create(
            day=date.today(), contacts=10, complete=6, average_score=60
        )
        made = seed_goals(venue_a)
        assert 4 <= len(made) <= 6
        keys = {g.indicator for g in made}
        assert {"tickets", "online_share", "integrity"} <= keys
        assert keys <= {i.key for i in indicators.all_indicators()}
        rows = {p.goal.indicator: p for p in selectors.goals_progress()}
        assert rows["online_share"].share is not None
        assert rows["integrity"].share == pytest.approx(0.2 / 0.3)
        assert seed_goals(venue_a) == [] and Goal.objects.count() == len(made)
