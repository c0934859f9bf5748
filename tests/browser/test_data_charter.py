"""The data-entry charter in a real browser, at desktop and phone sizes, in French: the data
steward's screen, its box in every contact form (back office, counter, import mapping), a
charter error on its field, and the contact list's export buttons — nothing wider than the
screen.

Set PARTERRE_SCREENSHOTS=<folder> to keep a screenshot of every page visited."""

import os
from pathlib import Path

import pytest

from crm.charter.models import DataCharter
from crm.charter.services import update_charter
from crm.imports.models import ContactImport
from crm.imports.services import create_import
from crm.services import find_or_create_contact
from tenants.accounts.models import AuditEvent, User
from tests.browser.test_storefront_journey import _wipe_committed_ticketing
from tests.helpers import PASSWORD, committed
from tests.ticketing.conftest import build_performance

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

EMAIL = "browser-charter@alpha.test"
SHOTS = os.environ.get("PARTERRE_SCREENSHOTS", "")


def _setup():
    user = User.objects.create_user(
        EMAIL, PASSWORD, role=User.Role.ADMIN, full_name="Dominique Données"
    )
    update_charter(
        required_fields=["email_or_phone", "postcode"],
        name_style="upper_last",
        strict_postcode=True,
        strict_phone=False,
        instructions="Demandez toujours le code postal : il sert aux études de public.",
        actor=user,
    )
    for i, (first, last, postcode) in enumerate(
        [("Hélène", "Lefèvre", "49100"), ("Zoé", "Martin", "75011"), ("Loïc", "Roux", "49000")]
    ):
        find_or_create_contact(
            email=f"c{i}@example.fr", first_name=first, last_name=last, postcode=postcode,
            source="web",
        )  # fmt: skip
    content = "Nom;Prénom;Courriel;CP\nDurand;Léa;lea@example.fr;49100\n".encode()
    contact_import = create_import(file_name="contacts.csv", content=content, actor=user)
    return build_performance().pk, contact_import.pk


def _wipe():
    ContactImport.objects.all().delete()
    DataCharter.objects.all().delete()
    AuditEvent.objects.filter(code__startswith="crm.").delete()
    _wipe_committed_ticketing()
    User.objects.filter(email=EMAIL).delete()


@pytest.fixture
def data(venue_a):
    try:
        yield committed(venue_a, _setup)
    finally:
        committed(venue_a, _wipe)


def _fits(page) -> None:
    from tests.browser.test_audit_history import OUTSIDE

    width = page.viewport_size["width"]
    overflow = page.evaluate("document.documentElement.scrollWidth") - width
    assert overflow <= 0, (f"{overflow}px wider than the screen", page.evaluate(OUTSIDE, width))


def _visit(page, address: str, name: str, size: str) -> None:
    page.goto(address)
    assert page.locator("html").get_attribute("lang") == "fr"
    if "box-office" in address and size == "phone":
        # The counter is a desktop screen (its payment table is wider than a phone already):
        # the box only has to stay within the buyer's column.
        box = page.locator(".charter-box").bounding_box()
        column = page.locator(".bo-newbuyer").bounding_box()
        assert box["x"] >= column["x"] and box["width"] <= column["width"] + 1
    else:
        _fits(page)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{size}.png"), full_page=True)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_charter_is_shown_in_every_contact_form(size, page, phone, url, venue_a, data):
    page = page if size == "desktop" else phone
    if size == "desktop":
        page.set_viewport_size({"width": 1280, "height": 800})
    performance_pk, import_pk = data
    page.goto(url(venue_a, "/backoffice/"))
    page.get_by_label("E-mail", exact=True).fill(EMAIL)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/backoffice/")
    instructions = "Demandez toujours le code postal"
    for path, name in [
        ("/backoffice/contacts/charter/", "charter-settings"),
        ("/backoffice/contacts/new/", "contact-new"),
        (f"/backoffice/box-office/{performance_pk}/", "counter-sale"),
        (f"/backoffice/contacts/imports/{import_pk}/columns/", "import-mapping"),
    ]:
        _visit(page, url(venue_a, path), name, size)
        assert page.locator(".charter-box").count() == 1, path
        assert instructions in page.locator(".charter-box").inner_text(), path

    # A charter error comes back on its field.
    page.goto(url(venue_a, "/backoffice/contacts/new/"))
    page.locator("#id_last_name").fill("durand")
    page.locator("#id_email").fill("durand@example.fr")
    page.locator("#id_postcode").fill("491")
    page.locator("form.contact-form button[type=submit]").click()
    page.locator(".field-postcode .error").wait_for()
    _fits(page)
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"contact-new-error-{size}.png"), full_page=True)
    page.locator("#id_postcode").fill("49100")
    page.locator("form.contact-form button[type=submit]").click()
    page.wait_for_url("**/backoffice/contacts/*/")
    assert "DURAND" in page.locator("h1").inner_text()

    _visit(page, url(venue_a, "/backoffice/contacts/?department=49"), "contact-list", size)
    assert page.locator(".results-export a").count() == 2
