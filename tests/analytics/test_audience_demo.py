"""The demo venue's audience: earlier seasons with buyers who came back and new ones,
living mostly around the venue, crm's per-season counts consistent with them."""

import random

import pytest

from analytics import audience
from analytics import demo as analytics_demo
from analytics.models import AudiencePerformance, AudienceSeason
from crm import demo as crm_demo
from crm.geo import department_of
from crm.models import SeasonStats
from tests.helpers import in_venue
from ticketing import demo as ticketing_demo
from ticketing.models import Order

pytestmark = pytest.mark.django_db


@pytest.mark.slow
def test_the_demo_has_a_meaningful_audience(venue_a, client_for, make_staff):
    with in_venue(venue_a):
        rng = random.Random(venue_a.slug)
        crm_demo.seed_venue(venue_a, rng)
        ticketing_demo.seed_venue(venue_a, rng)
        analytics_demo.seed_venue(venue_a, rng)
        rows = audience.seasons()
        assert len(rows) >= 4
        past = rows[-2]
        assert past["new"] > 50 and past["returning"] > 50
        assert rows[-3]["renewed_next"] > 0 and 0 < rows[-3]["renewal_rate"] < 1
        assert all(1 <= r["seats_per_spectator"] < 3 for r in rows)
        assert all(0.2 < r["identified_share"] < 0.95 for r in rows[:-1])
        home = department_of(venue_a.postcode or "75000") or "75"
        places = audience.geography(past["season"])
        assert places[0]["department"] == home and len(places) > 5
        # crm's counts follow the earlier seasons' orders: each buyer of the oldest season
        # has its row of that season (crm's own demo adds rows of its own).
        oldest = rows[0]["season"]
        performances = AudiencePerformance.objects.filter(season=oldest).values("pk")
        buyers = set(
            Order.objects.filter(
                tickets__performance__in=performances,
                tickets__status="valid",
                contact__isnull=False,
            )
            .values_list("contact_id", flat=True)
            .distinct()
        )
        assert len(buyers) == rows[0]["spectators"]
        assert buyers <= set(
            SeasonStats.objects.filter(season=oldest).values_list("contact_id", flat=True)
        )
        first = list(AudienceSeason.objects.order_by("season").values())
        analytics_demo.seed_venue(venue_a, random.Random(venue_a.slug))
        assert list(AudienceSeason.objects.order_by("season").values()) == first
    response = client_for(venue_a, make_staff(venue_a)).get("/backoffice/statistics/audience/")
    assert response.status_code == 200 and response.context["board"].map_counts
