"""The reports page and the SIBIL list in a real browser, at desktop and phone sizes: the
season PDF downloads, a bad period shows its error beside the field, the SIBIL list says
what blocks, and nothing overflows the phone's width."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.statistics_helpers import log_in, watch_errors
from tests.browser.test_statistics import EMAIL, season  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.browser]


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_season_report_downloads_and_the_sibil_list_shows_what_blocks(
    size,
    page,
    phone,
    url,
    venue_a,
    season,  # noqa: F811
):
    tab = page if size == "desktop" else phone
    errors = watch_errors(tab, allowed=(400,))  # (400: the bad period, on purpose below)
    log_in(tab, url(venue_a, "/backoffice/statistics/reports/"), EMAIL)
    tab.wait_for_selector(".reports-grid")
    with tab.expect_download() as info:
        tab.locator("button[name=format][value=pdf]").click()
    assert info.value.suggested_filename.startswith("rapport-saison-")
    assert info.value.suggested_filename.endswith(".pdf")
    # A period that ends before it starts: the error is shown beside the field, no file.
    tab.locator("input[name=scope][value=period]").check()
    tab.locator("input[name=start]").fill("2026-05-01")
    tab.locator("input[name=end]").fill("2026-04-01")
    tab.locator("button[name=format][value=xlsx]").click()
    tab.wait_for_selector(".report-form .error")
    # The SIBIL list of the season's performances (still to be played): blocking problems.
    today = timezone.localdate()
    period = f"?start={today - timedelta(days=10)}&end={today + timedelta(days=60)}"
    tab.goto(url(venue_a, f"/backoffice/statistics/reports/sibil/{period}"))
    tab.wait_for_selector(".sibil-table")
    assert tab.locator(".sibil-table .badge-danger").count() >= 2
    assert tab.locator("a[download]").count() == 0  # no export while problems remain
    wide = tab.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    assert not wide
    assert not errors
