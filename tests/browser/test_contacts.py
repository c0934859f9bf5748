"""The contact list and a contact page in a real browser, at desktop and phone sizes: French,
nothing wider than the screen, the list's search refreshed by HTMX as one types, a tag added
from the keyboard.

Set PARTERRE_SCREENSHOTS=<folder> to keep a screenshot of every page visited."""

import os
import random
from pathlib import Path

import pytest

from crm.models import Affinity, Contact, ContactRelation, TimelineEvent
from tenants.accounts.models import AuditEvent, User
from tests.helpers import PASSWORD, committed

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

EMAIL = "browser-contacts@alpha.test"
SHOTS = os.environ.get("PARTERRE_SCREENSHOTS", "")


def _base(venue):
    """crm's demo base (contacts, earlier seasons, relations, tags) and one staff member."""
    from crm import demo

    User.objects.create_user(
        EMAIL, PASSWORD, role=User.Role.COMMUNICATION, full_name="Camille Relations"
    )
    demo.seed_venue(venue, random.Random(venue.slug))
    # The contact with the richest page: most timeline events, with a relation.
    related = set(ContactRelation.objects.values_list("contact_id", flat=True))
    richest = (
        Contact.objects.filter(pk__in=related, purchase_count__gt=0)
        .order_by("-purchase_count", "pk")
        .first()
    )
    page_pk = richest.pk if richest else Contact.objects.order_by("pk").first().pk
    return page_pk, Contact.objects.exclude(last_name="").order_by("pk")[3].last_name


def _wipe():
    from crm.dedup.models import DedupSettings
    from crm.integrity.models import IntegritySnapshot
    from crm.models import BehaviourSettings

    for model in (TimelineEvent, Affinity, ContactRelation):
        model.objects.all().delete()
    # Made on their first read or by the pages: a seeded venue has none.
    BehaviourSettings.objects.all().delete()
    DedupSettings.objects.all().delete()
    IntegritySnapshot.objects.all().delete()
    Contact.objects.all().delete()
    AuditEvent.objects.filter(actor__email=EMAIL).delete()
    AuditEvent.objects.filter(code__startswith="crm.").delete()
    User.objects.filter(email=EMAIL).delete()


@pytest.fixture
def base(venue_a):
    try:
        yield committed(venue_a, lambda: _base(venue_a))
    finally:
        committed(venue_a, _wipe)


def _log_in(page, url, venue):
    page.goto(url(venue, "/backoffice/"))
    page.get_by_label("E-mail", exact=True).fill(EMAIL)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/backoffice/")


def _fits(page) -> None:
    from tests.browser.test_audit_history import OUTSIDE

    width = page.viewport_size["width"]
    overflow = page.evaluate("document.documentElement.scrollWidth") - width
    assert overflow <= 0, (f"{overflow}px wider than the screen", page.evaluate(OUTSIDE, width))


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_contacts_list_and_page(size, page, phone, url, venue_a, base):
    page = page if size == "desktop" else phone
    if size == "desktop":
        page.set_viewport_size({"width": 1280, "height": 800})
    _log_in(page, url, venue_a)
    page.get_by_role("link", name="Contacts", exact=True).first.click()
    page.wait_for_url("**/backoffice/contacts/")
    assert page.locator("html").get_attribute("lang") == "fr"
    _fits(page)
    _shot(page, f"contacts-list-{size}")

    # The search refreshes the results as one types (HTMX), and the address follows.
    page_pk, last_name = base
    page.locator("#id_q").fill(last_name)
    page.wait_for_url(f"**q={last_name.split()[0]}**")
    page.locator("#contact-results").get_by_text(last_name).first.wait_for()

    page.goto(url(venue_a, f"/backoffice/contacts/{page_pk}/"))
    page.locator("#timeline-title").wait_for()
    _fits(page)
    _shot(page, f"contact-page-{size}")

    page.goto(url(venue_a, "/backoffice/contacts/criteria/"))
    page.locator("#id_regular_min_shows").wait_for()
    _fits(page)
    _shot(page, f"criteria-settings-{size}")

    if size == "desktop":  # a tag from the keyboard
        page.goto(url(venue_a, f"/backoffice/contacts/{page_pk}/"))
        field = page.locator("#id_add")
        field.fill("Navigateur")
        field.press("Enter")
        page.locator("#contact-tags").get_by_text("Navigateur").wait_for()
