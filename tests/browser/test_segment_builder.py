"""A communication officer builds the "forty days later" segment in a real browser: the live
count and sample follow each change without reloading the page, a condition is added and
removed, and the segment is saved; at phone and desktop sizes. With PARTERRE_SCREENSHOTS=<dir>
the pages are also saved there as images."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from crm.models import Affinity, Contact, Segment
from tenants.accounts.models import User
from tests.helpers import PASSWORD, committed

pytestmark = [pytest.mark.django_db, pytest.mark.browser]


@pytest.fixture
def officer(venue_a):
    email = "browser-segments@alpha.test"

    def setup():
        old = timezone.now() - timedelta(days=90)
        for i in range(4):
            contact = Contact.objects.create(
                first_name=f"Carte{i}",
                last_name="Magique",
                unused_credit_cents=3000,
                last_attended_at=old if i < 3 else timezone.now(),
                email=f"carte{i}@exemple.fr",
                email_normalized=f"carte{i}@exemple.fr",
            )
            Affinity.objects.create(contact=contact, kind="keyword", key="humour", weight=0.9)
        return User.objects.create_user(
            email, PASSWORD, role=User.Role.COMMUNICATION, full_name="Colette Com"
        )

    user = committed(venue_a, setup)
    yield user

    def clean():
        Segment.objects.all().delete()
        Affinity.objects.all().delete()
        Contact.objects.filter(last_name="Magique").delete()
        User.objects.filter(email=email).delete()

    committed(venue_a, clean)


def _shot(page, name: str) -> None:
    folder = os.environ.get("PARTERRE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_forty_days_segment_is_built_with_a_live_count(
    size, page, phone, url, venue_a, officer
):
    tab = page if size == "desktop" else phone
    if size == "desktop":
        tab.set_viewport_size({"width": 1280, "height": 800})
    tab.goto(url(venue_a, "/backoffice/segments/new/?start=forty_days"))
    tab.locator("#id_username, input[name=username]").first.fill(officer.email)
    tab.locator("input[type=password]").fill(PASSWORD)
    tab.locator("button.btn-primary.btn-block").click()
    tab.wait_for_selector("#segment-form")
    # The starter: unused credit × "humour" × no attendance for 40 days × not bought show 1.
    assert tab.locator(".segment-count strong").inner_text() == "3"
    assert tab.locator(".segment-sample li").count() == 3
    tab.evaluate("window.notReloaded = true")
    _shot(tab, f"segment-builder-{size}")

    # Typing a value updates the count in place (debounced), without a reload.
    tab.locator("#n-2-days").fill("100")
    tab.wait_for_function("document.querySelector('.segment-count strong').innerText === '0'")
    tab.locator("#n-2-days").fill("40")
    tab.wait_for_function("document.querySelector('.segment-count strong').innerText === '3'")
    # A bad value shows what is wrong, in place.
    tab.locator("#n-2-days").fill("-3")
    tab.wait_for_selector("#segment-preview .alert-error")
    tab.locator("#n-2-days").fill("40")
    tab.wait_for_selector(".segment-count")

    # Add a condition to the top group, then remove it: the editor is swapped, not reloaded.
    before = tab.locator(".segment-condition").count()
    tab.locator("button[value='add-condition:n']").click()
    tab.wait_for_function(
        f"document.querySelectorAll('.segment-condition').length === {before + 1}"
    )
    # The new condition has the focus (keyboard users carry on from there).
    # The starter has four top-level rules: the new one is the fifth.
    tab.wait_for_function("document.activeElement.id === 'n-4-type'")
    tab.locator("button[value='remove:n-4']").click()
    tab.wait_for_function(f"document.querySelectorAll('.segment-condition').length === {before}")
    assert tab.evaluate("window.notReloaded") is True

    tab.locator("#segment-name").fill("Quarante jours après")
    _shot(tab, f"segment-builder-filled-{size}")
    tab.locator("button[value=save]").click()
    tab.wait_for_url("**/backoffice/segments/")
    _shot(tab, f"segment-list-{size}")
    segment = committed(venue_a, lambda: Segment.objects.get())
    assert segment.name == "Quarante jours après"
    assert segment.definition["rules"][0] == {
        "type": "number",
        "field": "unused_credit_cents",
        "min": 1,
    }
