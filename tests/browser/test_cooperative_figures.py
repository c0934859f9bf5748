"""The cooperative view in a real browser, at desktop and phone sizes: the console's figures
page draws its two charts, the venue's compare tab shows its medians, without an error."""

import pytest

from tenants.accounts.models import User
from tenants.models import Venue, VenueFigures
from tests.browser.statistics_helpers import drawn_charts, log_in, watch_errors
from tests.helpers import PASSWORD, committed

pytestmark = [pytest.mark.django_db, pytest.mark.browser]
COOP_EMAIL = "browser-coop@coop.test"
STAFF_EMAIL = "browser-compare@alpha.test"
SEASON = "2026-2027"


def _figures():
    from tenants.services import publish_venue_figures

    User.objects.create_superuser(COOP_EMAIL, PASSWORD, full_name="Coop Browser")
    for slug, tickets, share in (("alpha", 1200, 0.4), ("beta", 800, 0.25)):
        publish_venue_figures(
            venue=Venue.objects.get(slug=slug),
            season=SEASON,
            figures={"tickets": tickets, "revenue": tickets * 2100, "online_share": share},
        )


def _wipe():
    VenueFigures.objects.all().delete()
    User.objects.filter(email=COOP_EMAIL).delete()


@pytest.fixture
def figures(cooperative):
    try:
        yield committed(cooperative, _figures)
    finally:
        committed(cooperative, _wipe)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_console_draws_the_cooperatives_figures(size, page, phone, url, figures):
    tab = page if size == "desktop" else phone
    errors = watch_errors(tab)
    log_in(tab, url(None, f"/venues/figures/?season={SEASON}"), COOP_EMAIL)
    tab.wait_for_selector("#venues-table")
    tab.wait_for_function("() => window.Chart !== undefined")
    assert drawn_charts(tab) == {"tickets", "online_share"}
    table = tab.locator("#venues-table").inner_text()
    assert "Théâtre Alpha" in table and "Scène Beta" in table
    assert not errors


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_compare_tab_shows_no_other_venue(size, page, phone, url, venue_a, figures):
    def staff():
        User.objects.filter(email=STAFF_EMAIL).delete()
        User.objects.create_user(STAFF_EMAIL, PASSWORD, role=User.Role.READ_ONLY)

    committed(venue_a, staff)
    try:
        tab = page if size == "desktop" else phone
        errors = watch_errors(tab)
        log_in(tab, url(venue_a, f"/backoffice/statistics/compare/?season={SEASON}"), STAFF_EMAIL)
        tab.wait_for_selector("table.stats-table")
        text = tab.locator("main").inner_text()
        assert "Scène Beta" not in text and "800" not in text
        assert not errors
    finally:
        committed(venue_a, lambda: User.objects.filter(email=STAFF_EMAIL).delete())
