"""The audience statistics page in a real browser, at desktop (1280) and phone (390) sizes:
its charts are drawn, the map of France is there (a linked, titled shape per département
with spectators), without a console error."""

import os
from datetime import timedelta

import pytest

from tenants.accounts.models import User
from tests.browser.statistics_helpers import drawn_charts, open_statistics
from tests.helpers import PASSWORD, committed

pytestmark = [pytest.mark.django_db, pytest.mark.browser]
EMAIL = "browser-audience@alpha.test"
COUNTS = {"49": 420, "44": 95, "72": 60, "53": 31, "85": 44, "35": 18, "75": 25, "2A": 2}


def _tables():
    """The audience tables as the hourly refresh leaves them (the page reads only those)."""
    from django.utils import timezone

    from analytics.models import (
        AudienceDepartment,
        AudiencePerformance,
        AudienceRefresh,
        AudienceSeason,
    )
    from crm.behaviour import current_season

    User.objects.create_user(EMAIL, PASSWORD, role=User.Role.COMMUNICATION, full_name="Léa")
    now = timezone.now()
    first = int(current_season()[:4])
    for back, (spectators, new, renewed) in enumerate(
        [(820, 310, 0), (760, 290, 120), (700, 300, 105), (610, 610, 160)]
    ):
        year = first - back
        season = f"{year}-{year + 1}"
        AudienceSeason.objects.create(
            season=season,
            first_year=year,
            performances=40,
            tickets=round(spectators * 2.1),
            identified_tickets=round(spectators * 1.5),
            companion_tickets=40 - back * 8,
            companions=30 - back * 6,
            spectators=spectators,
            seats=round(spectators * (1.6 - back * 0.08)),
            new_spectators=new,
            renewed_next=renewed,
        )
        for code, n in COUNTS.items():
            AudienceDepartment.objects.create(
                season=season, department=code, spectators=n - back, new_spectators=n // 3
            )
        AudienceDepartment.objects.create(season=season, department="974", spectators=3)
        AudienceDepartment.objects.create(season=season, department="", spectators=40)
        for n in range(6):
            AudiencePerformance.objects.create(
                performance_id=900_000 + back * 10 + n,
                season=season,
                starts_at=now - timedelta(days=365 * back - 20 * n + 40),
                title=f"Bérénice {n + 1}",
                tickets=180,
                identified_tickets=130,
                spectators=120,
                first_timers=20 + 5 * n,
            )
    AudienceRefresh.objects.update_or_create(singleton=True, defaults={"computed_at": now})


def _wipe():
    from analytics.models import (
        AudienceDepartment,
        AudiencePerformance,
        AudienceRefresh,
        AudienceSeason,
    )

    for model in (AudienceDepartment, AudiencePerformance, AudienceRefresh, AudienceSeason):
        model.objects.all().delete()
    User.objects.filter(email=EMAIL).delete()


@pytest.fixture
def tables(venue_a):
    try:
        yield committed(venue_a, _tables)
    finally:
        committed(venue_a, _wipe)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_audience_page_draws_its_charts_and_map(size, page, phone, url, venue_a, tables):
    tab = page if size == "desktop" else phone
    errors = open_statistics(tab, url(venue_a, "/backoffice/statistics/audience/"), EMAIL)
    assert drawn_charts(tab) == {
        "seasons",
        "seats",
        "renewal",
        "identified",
        "firsts",
        "regions",
    }
    assert tab.locator("svg.geo-map path").count() == 96
    assert tab.locator("svg.geo-map a path").count() == len(COUNTS)
    box = tab.locator("svg.geo-map").bounding_box()
    assert box["width"] > 300 and box["height"] > 250
    assert (
        "Maine-et-Loire (49)"
        in tab.locator('svg.geo-map path[data-code="49"] title').text_content()
    )
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= tab.viewport_size["width"] + 1  # nothing wider than the screen
    shots = os.environ.get("PARTERRE_SHOTS")
    if shots:
        tab.screenshot(path=f"{shots}/audience-{size}.png", full_page=True)
    assert not errors
