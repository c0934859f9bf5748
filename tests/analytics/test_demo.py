"""The demo venue's statistics: earlier seasons with a growing online share, a typical J−x
curve, figures equal to the orders to the unit, and a seeder that can run twice."""

import random

import pytest

from analytics import demo as analytics_demo
from analytics import selectors
from analytics.goals.selectors import goals_progress
from analytics.models import TypicalCurve
from crm import demo as crm_demo
from tests.helpers import in_venue
from ticketing import demo as ticketing_demo

from .test_aggregates import check_against_orders, snapshot

pytestmark = pytest.mark.django_db


@pytest.mark.slow
def test_the_demo_has_meaningful_statistics(venue_a, client_for, make_staff):
    with in_venue(venue_a):
        rng = random.Random(venue_a.slug)
        crm_demo.seed_venue(venue_a, rng)
        ticketing_demo.seed_venue(venue_a, rng)
        analytics_demo.seed_venue(venue_a, rng)
        check_against_orders()
        seasons = selectors.seasons_overview()
        assert len(seasons) >= 4
        shares = [s["online_share"] for s in seasons]
        assert shares[0] < shares[1] < shares[2] < shares[-1]
        curve = dict(TypicalCurve.objects.values_list("days_before", "share"))
        assert curve[0] == 1.0 and 0.2 < curve[14] < 0.6  # two thirds in the last two weeks
        # Goals with visible progress (analytics/goals/demo.py).
        progress = goals_progress()
        assert 4 <= len(progress) <= 6
        assert sum(1 for p in progress if p.share is not None) >= 3
        first = snapshot()
        analytics_demo.seed_venue(venue_a, random.Random(venue_a.slug))
        assert snapshot() == first
    response = client_for(venue_a, make_staff(venue_a)).get("/backoffice/statistics/")
    assert response.status_code == 200
    board = response.context["board"]
    assert board.tables["lead"].rows and board.tables["performances"].rows
