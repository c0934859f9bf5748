"""A comms person builds a newsletter in a real browser: a heading and a show card added
with the keyboard-friendly block buttons, the audience panel showing who the periodicity
cap leaves out, then the mobile preview. Screenshots in PARTERRE_SCREENSHOTS (composer-*)."""

import os
from pathlib import Path

import pytest

from campaigns.models import Campaign, CommunicationSettings, Delivery, TrackedLink
from crm.models import Contact
from tenants.accounts.models import User
from tests.browser.test_storefront_journey import _wipe_committed_ticketing
from tests.helpers import PASSWORD, committed
from tests.ticketing.conftest import build_performance

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

COMMS = "browser-comms@alpha.test"


def _shoot(page, name: str) -> None:
    folder = os.environ.get("PARTERRE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _png() -> bytes:
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1200, 500), (138, 21, 56))
    ImageDraw.Draw(image).rectangle((60, 60, 1140, 440), outline=(255, 255, 255), width=12)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _audience() -> None:
    from crm.services import find_or_create_contact

    CommunicationSettings.objects.update_or_create(
        singleton=True, defaults={"cap_count": 2, "cap_days": 30}
    )
    people = []
    for n, consent in enumerate([True, True, True, False]):
        contact = find_or_create_contact(
            first_name=f"Personne{n}", last_name="Test", email=f"p{n}@example.org", source="import"
        )
        Contact.objects.filter(pk=contact.pk).update(email_consent=consent)
        people.append(contact)
    for n in range(2):  # the first person already had two newsletters this month
        earlier = Campaign.objects.create(name=f"Déjà envoyée {n}", status="sent")
        Delivery.objects.create(campaign=earlier, contact=people[0], email=people[0].email)
    User.objects.create_user(COMMS, PASSWORD, role=User.Role.COMMUNICATION, full_name="Léa Comms")


def _wipe() -> None:
    Delivery.objects.all().delete()
    TrackedLink.objects.all().delete()
    Campaign.objects.all().delete()
    CommunicationSettings.objects.all().delete()
    User.objects.filter(email=COMMS).delete()


def test_a_comms_person_builds_a_newsletter_with_a_show_card(page, url, venue_a):
    performance = committed(venue_a, build_performance)
    committed(venue_a, _audience)
    try:
        page.goto(url(venue_a, "/backoffice/campaigns/"))
        page.get_by_label("E-mail", exact=True).fill(COMMS)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Connexion").click()
        page.wait_for_url("**/backoffice/campaigns/")
        page.locator("a[href$='/campaigns/new/']").first.click()
        page.locator("#campaign-name").fill("Lettre de la saison")
        page.locator("form button[type=submit].btn-primary").click()
        page.wait_for_selector("#blocks")
        page.locator("#id_subject").fill("La saison s'ouvre")
        page.locator("#id_preheader").fill("Trois spectacles à ne pas manquer")

        # Blocks: a heading, then a show card (HTMX swaps the blocks and focuses the new one).
        page.locator("button[value='add:heading']").click()
        page.wait_for_selector("#b-0-text")
        assert page.evaluate("document.activeElement.id") == "b-0-text"
        page.keyboard.type("Bonjour {{first_name}},")
        page.locator("button[value='add:show']").click()
        page.wait_for_selector("#b-1-show_id")
        page.locator("#b-1-show_id").select_option(str(performance.show_id))
        page.locator("button[value='add:text']").click()
        page.wait_for_selector("#b-2-text")
        page.locator("#b-2-text").fill(
            "Une **soirée** rare. [Tout le programme](https://example.org/)"
        )
        page.locator("button[value='up:2']").click()  # the text above the show card
        page.wait_for_function("document.querySelector('[name=b-1-type]').value === 'text'")
        assert page.locator("#b-1-text").input_value().startswith("Une **soirée**")

        # A picture uploaded with the blocks (re-encoded, kept in the venue's media).
        page.locator("button[value='add:image']").click()
        page.wait_for_selector("#b-3-file")
        page.locator("#b-3-file").set_input_files(
            {"name": "affiche.png", "mimeType": "image/png", "buffer": _png()}
        )
        page.locator("#b-3-alt").fill("L'affiche de la saison")

        # The audience panel: 4 selected, 1 without consent, 1 left out by the cap.
        capped = page.locator("[data-figure=capped]")
        assert capped.inner_text().strip() == "− 1"
        assert page.locator("[data-figure=recipients]").inner_text().strip() == "2"
        page.locator("button[value='save']").click()
        page.wait_for_selector(".alert-success")
        assert "/campaigns/" in page.locator(".block-image-thumb").get_attribute("src")
        _shoot(page, "composer-editor-1280")
        page.set_viewport_size({"width": 390, "height": 844})
        _shoot(page, "composer-editor-390")
        page.set_viewport_size({"width": 1280, "height": 900})

        page.locator("button[value='save_preview']").click()
        page.wait_for_selector("iframe")
        frame = page.frame_locator("iframe")
        assert "Le Misanthrope" in frame.locator("body").inner_text()
        _shoot(page, "composer-preview-desktop-1280")
        page.locator("a[href*='device=mobile']").click()
        page.wait_for_selector("iframe[width='375']")
        assert "Bonjour Camille," in page.frame_locator("iframe").locator("body").inner_text()
        _shoot(page, "composer-preview-mobile-1280")
        page.set_viewport_size({"width": 390, "height": 844})
        _shoot(page, "composer-preview-mobile-390")
        page.goto(url(venue_a, "/backoffice/campaigns/"))
        _shoot(page, "composer-list-390")
        page.set_viewport_size({"width": 1280, "height": 900})
        _shoot(page, "composer-list-1280")
        page.goto(url(venue_a, "/backoffice/campaigns/settings/"))
        _shoot(page, "composer-settings-1280")
    finally:
        committed(venue_a, _wipe)
        committed(venue_a, _wipe_committed_ticketing)
