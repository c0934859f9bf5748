"""The contact import wizard in a real browser, at desktop and phone sizes: a file from
Excel in Windows-1252 uploaded, its columns recognised, the preview with its rejected rows,
the progress bar moving batch by batch (HTMX polling), the result with the rejected rows'
file. Nothing wider than the screen.

Set PARTERRE_SCREENSHOTS=<folder> to keep a screenshot of every step."""

import os
from pathlib import Path

import pytest

from crm.imports import services
from crm.imports.models import ContactImport
from crm.models import Contact
from tenants.accounts.models import AuditEvent, User
from tests.crm.import_files import generate, seed_base, to_csv
from tests.helpers import PASSWORD, committed

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

EMAIL = "browser-import@alpha.test"
SHOTS = os.environ.get("PARTERRE_SCREENSHOTS", "")
OUTSIDE = """(width) => [...document.querySelectorAll("body *")]
  .filter(el => el.getBoundingClientRect().right > width + 0.5)
  .filter(el => !el.closest(".table-scroll"))
  .slice(0, 5)
  .map(el => `${el.tagName.toLowerCase()}.${el.className} ${el.getBoundingClientRect().right}`)"""


def _wipe():
    from crm.dedup.models import DedupSettings

    ContactImport.objects.all().delete()
    DedupSettings.objects.all().delete()  # made on its first read: a seeded venue has none
    Contact.objects.all().delete()
    AuditEvent.objects.filter(actor__email=EMAIL).delete()
    AuditEvent.objects.filter(object_type="crm.contactimport").delete()
    User.objects.filter(email=EMAIL).delete()


@pytest.fixture
def staff(venue_a):
    def setup():
        seed_base()  # contacts the file matches: merged and updated rows
        User.objects.create_user(
            EMAIL, PASSWORD, role=User.Role.COMMUNICATION, full_name="Claire Import"
        )

    committed(venue_a, setup)
    try:
        yield
    finally:
        committed(venue_a, _wipe)


def _shot(page, name: str, size: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/import-{name}-{size}.png", full_page=True)
    width = page.viewport_size["width"]
    overflow = page.evaluate("document.documentElement.scrollWidth") - width
    assert overflow <= 0, (name, size, page.evaluate(OUTSIDE, width))


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_import_wizard_on_desktop_and_phone(
    size, page, phone, url, venue_a, staff, tmp_path, monkeypatch
):
    browser = page if size == "desktop" else phone
    if size == "desktop":
        browser.set_viewport_size({"width": 1280, "height": 800})
    monkeypatch.setattr("crm.imports.tasks.run_import_task.delay", lambda pk: None)
    expected = generate(240)
    path = tmp_path / "Abonnés saison 2025.csv"
    path.write_bytes(to_csv(expected.rows, encoding="cp1252"))

    browser.goto(url(venue_a, "/backoffice/contacts/imports/"))
    browser.get_by_label("E-mail", exact=True).fill(EMAIL)
    browser.get_by_label("Mot de passe").fill(PASSWORD)
    browser.get_by_role("button", name="Connexion").click()
    browser.wait_for_url("**/backoffice/contacts/imports/")
    _shot(browser, "1-file", size)
    browser.locator("input[type=file]").set_input_files(str(path))
    browser.locator("main form button[type=submit]").click()
    browser.wait_for_url("**/columns/")
    assert browser.locator("select[name=column_2]").input_value() == "email"
    assert "Zoé" in browser.locator("main").inner_text()
    _shot(browser, "2-columns", size)
    browser.locator("input[name=mode][value=update]").check()
    browser.locator("main form button[type=submit]").click()
    browser.wait_for_url("**/preview/")
    text = browser.locator("main").inner_text()
    assert "Adresse e-mail non valide" in text or "Invalid email" in text
    _shot(browser, "3-preview", size)
    browser.locator("main form.actions button[type=submit]").click()
    browser.wait_for_url("**/imports/*/")
    pk = int(browser.url.rstrip("/").rsplit("/", 1)[1])
    _shot(browser, "4-queued", size)
    # A worker takes it: one batch, then the page's polling shows the progress.
    committed(venue_a, lambda: services.run_import(import_id=pk, batch_size=100, max_batches=1))
    browser.locator("progress[value='100']").wait_for()
    _shot(browser, "5-running", size)
    committed(venue_a, lambda: services.run_import(import_id=pk, batch_size=100))
    browser.get_by_text("Télécharger").or_(browser.get_by_text("Download")).wait_for()
    _shot(browser, "6-done", size)
    with browser.expect_download() as download:
        browser.locator("a[download]").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1 + expected.counts["rejected"]
