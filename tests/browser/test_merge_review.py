"""The data steward's merge review in a real browser, at desktop and phone sizes: a pair side
by side, j to the next pair, m to merge, d to dismiss, then "undo" in the history.

Set PARTERRE_SCREENSHOTS=<folder> to keep a screenshot of every page visited."""

import os
from pathlib import Path

import pytest

from crm.models import Contact, DuplicateCandidate, Merge
from tenants.accounts.models import AuditEvent, User
from tests.helpers import PASSWORD, committed

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

EMAIL = "browser-steward@alpha.test"
SHOTS = os.environ.get("PARTERRE_SCREENSHOTS", "")
TAG = "browser-merge"


def _pairs():
    User.objects.create_user(
        EMAIL, PASSWORD, role=User.Role.DATA_STEWARD, full_name="Denise Données"
    )
    people = [
        (
            dict(first_name="Hélène", last_name="Dupont", phone="+33639980011", city="Lyon"),
            dict(first_name="HELENE", last_name="DUPOND", phone="+33639980011", city="Lyon"),
            0.93,
        ),
        (
            dict(first_name="Marie", last_name="Lefèvre", city="Villeurbanne"),
            dict(first_name="Marie", last_name="Martin-Lefèvre", city="Villeurbanne"),
            0.71,
        ),
    ]
    for n, (a, b, score) in enumerate(people):
        left = Contact.objects.create(
            email=f"{TAG}-{n}a@example.fr",
            email_normalized=f"{TAG}-{n}a@example.fr",
            postcode="69003",
            address_line1="12 rue Garibaldi",
            tags=[TAG],
            **a,
        )
        right = Contact.objects.create(
            email=f"{TAG}-{n}b@example.org",
            email_normalized=f"{TAG}-{n}b@example.org",
            postcode="69003",
            tags=[TAG],
            purchase_count=2,
            **b,
        )
        DuplicateCandidate.objects.create(
            contact_low=left, contact_high=right, score=score, reasons=["phone", "postcode"]
        )


def _wipe():
    ids = list(Contact.objects.filter(tags__contains=[TAG]).values_list("pk", flat=True))
    Merge.objects.filter(kept__in=ids).delete()
    Contact.objects.filter(pk__in=ids).update(merged_into=None)
    Contact.objects.filter(pk__in=ids).delete()
    AuditEvent.objects.filter(actor__email=EMAIL).delete()
    User.objects.filter(email=EMAIL).delete()
    from crm.dedup.models import DedupSettings

    DedupSettings.objects.all().delete()  # made on its first read: a seeded venue has none


@pytest.fixture
def pairs(venue_a):
    try:
        yield committed(venue_a, _pairs)
    finally:
        committed(venue_a, _wipe)


def _shot(page, name: str, size: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}-{size}.png", full_page=True)
    width = page.viewport_size["width"]
    overflow = page.evaluate("document.documentElement.scrollWidth") - width
    assert overflow <= 0, f"{name} is {overflow}px wider than the {size} screen"


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_steward_merges_and_undoes_from_the_keyboard(size, page, phone, url, venue_a, pairs):
    page = phone if size == "phone" else page
    page.goto(url(venue_a, "/backoffice/"))
    page.get_by_label("E-mail", exact=True).fill(EMAIL)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/backoffice/")
    page.goto(url(venue_a, "/backoffice/contacts/duplicates/"))
    # (Its words are checked structurally: their French comes with the next translation pass.)
    assert page.locator("table.dd-compare").is_visible()
    assert page.locator("tr.dd-differs").count() >= 1  # the last names differ
    _shot(page, "merge-review", size)

    def press(key: str) -> None:
        with page.expect_navigation():
            page.keyboard.press(key)

    press("j")  # the next pair
    assert "Martin-Lefèvre" in page.content()
    press("k")  # back to the first
    assert "DUPOND" in page.content()
    press("m")  # merge, keeping the suggested contact (more purchases)
    assert page.locator(".alert-success").count() == 1
    press("d")  # the second pair: not the same person
    assert page.locator(".empty-state").count() == 1

    page.goto(url(venue_a, "/backoffice/contacts/duplicates/merges/"))
    _shot(page, "merge-history", size)
    with page.expect_navigation():
        page.locator("form[action$='/undo/'] button").click()
    assert page.locator(".alert-success").count() == 1

    def check():
        merge = Merge.objects.get(kept__tags__contains=[TAG])
        assert merge.undone_at is not None
        assert merge.actor_label == "Denise Données"

    committed(venue_a, check)
