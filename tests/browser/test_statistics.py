"""The statistics page in a real browser, at desktop and phone sizes: the charts are drawn
(Chart.js, vendored), each chart's table opens under it, a curve link shows that
performance's J−x curve, without a console error."""

import pytest

from tenants.accounts.models import User
from tests.browser.statistics_helpers import drawn_charts, open_statistics
from tests.helpers import PASSWORD, committed
from tests.ticketing.conftest import build_performance

pytestmark = [pytest.mark.django_db, pytest.mark.browser]
EMAIL = "browser-stats@alpha.test"
FEES = ("fee_cents", "fee_bearer", "fee_bearer_by_channel")
_saved: dict = {}


def _season():
    from analytics.services import rebuild_sales_aggregates
    from tests.analytics.conftest import sell_scenario
    from ticketing.models import SalesSettings

    # The scenario sets fees: _wipe gives them back, or removes the row it made.
    existed = SalesSettings.objects.exists()
    current = SalesSettings.current()
    _saved.update({name: getattr(current, name) for name in FEES}, existed=existed)
    User.objects.create_user(EMAIL, PASSWORD, role=User.Role.READ_ONLY, full_name="Léa Stats")
    main = build_performance()
    other = build_performance(name="Salle Vilar", starts_in_days=30)
    sell_scenario(main, other)
    rebuild_sales_aggregates()


def _wipe():
    from analytics.models import (
        AudienceDepartment,
        AudiencePerformance,
        AudienceRefresh,
        AudienceSeason,
        LeadTime,
        PerformanceSales,
        SalesFact,
        TypicalCurve,
    )
    from tenants.events.models import Event
    from tests.browser.test_storefront_journey import _wipe_committed_ticketing
    from ticketing.models import SalesSettings

    if _saved:
        existed = _saved.pop("existed")
        if existed:
            SalesSettings.objects.update(**_saved)
        else:
            SalesSettings.objects.all().delete()
        _saved.clear()
    # (the audience tables too: the reports' browser test computes them from this season)
    for model in (
        SalesFact,
        LeadTime,
        PerformanceSales,
        TypicalCurve,
        AudienceDepartment,
        AudiencePerformance,
        AudienceRefresh,
        AudienceSeason,
    ):
        model.objects.all().delete()
    Event.objects.filter(code__startswith="ticketing.").delete()
    _wipe_committed_ticketing()
    User.objects.filter(email=EMAIL).delete()


@pytest.fixture
def season(venue_a):
    try:
        yield committed(venue_a, _season)
    finally:
        committed(venue_a, _wipe)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_sales_dashboard_draws_its_charts(size, page, phone, url, venue_a, season):
    tab = page if size == "desktop" else phone
    errors = open_statistics(tab, url(venue_a, "/backoffice/statistics/"), EMAIL)
    # Chart.js drew on every chart's canvas.
    assert drawn_charts(tab) >= {"weeks", "lead", "channels"}
    # A chart's table opens under it.
    tab.locator("#weeks summary").click()
    assert tab.locator("#weeks table tbody tr").count() >= 1
    # The performances list links to each performance's curve.
    tab.locator("#performances a[href*='#lead']").first.click()
    tab.wait_for_selector("#lead canvas")
    assert "Le Misanthrope" in tab.locator("#lead").inner_text()
    assert not errors
