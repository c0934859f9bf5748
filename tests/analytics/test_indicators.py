"""The key indicators' registry: each sales indicator reads the season's aggregates, and
the integrity indicator the base's latest snapshot."""

import pytest

from analytics import indicators
from analytics.selectors import seasons_overview
from crm.behaviour import current_season
from crm.integrity.models import IntegritySnapshot
from tenants.events.services.dispatch import dispatch_pending
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db


def test_sales_indicators_read_the_seasons_aggregates(venue_a, season):
    with in_venue(venue_a):
        dispatch_pending()
        name = current_season()
        assert indicators.measure("tickets", name) == 5  # as the dashboard counts them
        assert indicators.measure("online_share", name) == pytest.approx(4 / 5)
        row = next(r for r in seasons_overview() if r["season"] == name)
        assert indicators.measure("revenue", name) == row["revenue_cents"]
        assert indicators.measure("tickets", "1999-2000") is None
        assert indicators.get("tickets").link(name).endswith(f"?season={name}")


def test_integrity_is_the_latest_snapshot_whatever_the_season(venue_a):
    with in_venue(venue_a):
        assert indicators.measure("integrity", "2026-2027") is None
        IntegritySnapshot.objects.create(
            day="2026-10-01", contacts=10, complete=4, average_score=0.5
        )
        IntegritySnapshot.objects.create(
            day="2026-11-01", contacts=10, complete=7, average_score=0.7
        )
        assert indicators.measure("integrity", "1999-2000") == pytest.approx(0.7)
        assert not indicators.get("integrity").per_season


def test_an_indicator_of_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        indicators.register(indicators.Indicator("x", "x", "fraction", lambda s: None))
    assert "x" not in dict(indicators.choices())
