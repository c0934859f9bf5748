"""The sending progress of a campaign in a real browser, at phone and desktop sizes, in French:
counts and bar, polled while sending; Pause swaps the fragment in place (HTMX) and Resume
brings the button back. Nothing wider than the screen.

Set PARTERRE_SCREENSHOTS=<folder> to keep a screenshot of each state."""

import os
from pathlib import Path

import pytest

from campaigns.models import Delivery
from campaigns.sending import services
from tenants.accounts.models import User
from tests.campaigns.sending_helpers import bulk_contacts, make_campaign, wipe
from tests.helpers import PASSWORD, committed

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

EMAIL = "browser-sending@alpha.test"
SHOTS = os.environ.get("PARTERRE_SCREENSHOTS", "")


def _setup() -> int:
    wipe()
    User.objects.create_user(EMAIL, PASSWORD, role=User.Role.COMMUNICATION, full_name="Inès Comm")
    bulk_contacts(240)
    campaign = make_campaign(name="Lettre de rentrée")
    services.start_campaign(campaign_id=campaign.pk, actor=None)
    first = Delivery.objects.order_by("id").values("pk")
    Delivery.objects.filter(pk__in=first[:150]).update(status="sent")
    Delivery.objects.filter(pk__in=first[150:153]).update(status="failed", error="550 No user")
    return campaign.pk


@pytest.fixture
def campaign_id(venue_a):
    try:
        yield committed(venue_a, _setup)
    finally:
        committed(venue_a, wipe)
        committed(venue_a, lambda: User.objects.filter(email=EMAIL).delete())


def _log_in(page, url, venue):
    page.goto(url(venue, "/backoffice/"))
    page.get_by_label("E-mail", exact=True).fill(EMAIL)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/backoffice/")


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"sending-{name}.png"), full_page=True)


def test_progress_pause_and_resume_on_a_phone(phone, venue_a, campaign_id, url):
    _progress_pause_and_resume(phone, "phone", venue_a, campaign_id, url)


def test_progress_pause_and_resume_on_a_desktop(page, venue_a, campaign_id, url):
    _progress_pause_and_resume(page, "desktop", venue_a, campaign_id, url)


def _progress_pause_and_resume(page, size, venue_a, campaign_id, url):
    _log_in(page, url, venue_a)
    page.goto(url(venue_a, f"/backoffice/campaigns/{campaign_id}/progress/"))
    section = page.locator(".send-progress")
    assert section.get_attribute("hx-trigger") == "every 2s"
    text = section.inner_text()
    assert "153" in text and "240" in text and "Envoyés" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    _shot(page, f"{size}-sending")
    pause = "form[action$='/sending/pause/'] button"
    resume = "form[action$='/sending/resume/'] button"
    page.locator(pause).click()
    page.locator(resume).wait_for()
    assert page.locator(".send-progress").get_attribute("hx-trigger") is None
    _shot(page, f"{size}-paused")
    page.locator(resume).click()
    page.locator(pause).wait_for()
