"""The drop-off page in a real browser, at desktop and phone sizes, in French: the alerts
with their reasons, the "how it works" box, a "done" button that takes an alert off the list,
and nothing wider than the screen.

Set PARTERRE_SCREENSHOTS=<folder> to keep a screenshot of every page visited."""

import os
from pathlib import Path

import pytest

from campaigns.dropoff.models import DropoffAlert, DropoffRun, DropoffSettings
from campaigns.dropoff.services import detect_dropoffs
from crm.models import Contact
from tenants.accounts.models import AuditEvent, User
from tests.campaigns.test_dropoff_alerts import NOW, _audience
from tests.helpers import PASSWORD, committed

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

EMAIL = "browser-dropoff@alpha.test"
SHOTS = os.environ.get("PARTERRE_SCREENSHOTS", "")


def _setup():
    User.objects.create_user(
        EMAIL, PASSWORD, role=User.Role.COMMUNICATION, full_name="Camille Relations"
    )
    people = _audience()
    detect_dropoffs(now=NOW)
    return people


def _wipe():
    DropoffAlert.objects.all().delete()
    DropoffRun.objects.all().delete()
    DropoffSettings.objects.all().delete()
    Contact.objects.filter(email__endswith="@example.fr").delete()
    AuditEvent.objects.filter(code__startswith="campaigns.dropoff").delete()
    AuditEvent.objects.filter(code__startswith="crm.").delete()
    User.objects.filter(email=EMAIL).delete()


@pytest.fixture
def data(venue_a):
    try:
        yield committed(venue_a, _setup)
    finally:
        committed(venue_a, _wipe)


def _fits(page) -> None:
    width = page.viewport_size["width"]
    overflow = page.evaluate("document.documentElement.scrollWidth") - width
    assert overflow <= 0, f"{overflow}px wider than the screen"


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_dropoff_page_explains_itself(size, page, phone, url, venue_a, data):
    page = page if size == "desktop" else phone
    if size == "desktop":
        page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(url(venue_a, "/backoffice/"))
    page.get_by_label("E-mail", exact=True).fill(EMAIL)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/backoffice/")
    page.goto(url(venue_a, "/backoffice/campaigns/dropoff/"))
    assert page.locator("html").get_attribute("lang") == "fr"
    items = page.locator(".dropoff-item")
    count = items.count()
    assert count >= 2  # and some of the "Parti" regulars who left in the last two years
    text = page.locator(".dropoff-alerts").inner_text()
    assert "Agathe Ralentie" in text and "Bruno Disparu" in text
    assert "septembre 2020" in text
    _fits(page)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"dropoff-{size}.png"), full_page=True)
    items.first.locator("form").first.locator("button").click()
    page.wait_for_url("**/backoffice/campaigns/dropoff/")
    assert page.locator(".dropoff-item").count() == count - 1
    _fits(page)
