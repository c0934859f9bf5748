"""The counter's buyer search in a real browser: typed as staff type it (no accents, a typo,
a phone number as it is read out), results within the screen, picked with the keyboard."""

import os
from pathlib import Path

import pytest

from crm.services import find_or_create_contact
from tenants.accounts.models import User
from tests.browser.test_storefront_journey import _wipe_committed_ticketing
from tests.helpers import PASSWORD, committed
from tests.ticketing.conftest import build_performance

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

CLERK = "browser-guichet@alpha.test"


def _people() -> None:
    for first, last, email, phone, postcode in [
        ("Hélène", "Lefèvre", "helene.lefevre@orange.fr", "06 12 34 56 78", "49100"),
        ("Hélène", "Martin", "h.martin@free.fr", "", "75011"),
        ("François", "Dupont", "", "02 41 00 00 00", "49000"),
    ]:
        find_or_create_contact(
            first_name=first,
            last_name=last,
            email=email,
            phone=phone,
            postcode=postcode,
            source="box_office",
        )


def _shoot(page, name: str) -> None:
    """Screenshots for a person to look at, when PARTERRE_SCREENSHOTS names a folder."""
    folder = os.environ.get("PARTERRE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def test_the_counter_finds_a_buyer_however_the_name_is_typed(page, url, venue_a):
    performance = committed(venue_a, build_performance)
    committed(venue_a, _people)
    committed(
        venue_a,
        lambda: User.objects.create_user(
            CLERK, PASSWORD, role=User.Role.BOX_OFFICE, full_name="Gaston Guichet"
        ),
    )
    try:
        page.set_viewport_size({"width": 1440, "height": 900})
        page.goto(url(venue_a, f"/backoffice/box-office/{performance.pk}/"))
        page.get_by_label("E-mail", exact=True).fill(CLERK)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Connexion").click()
        page.wait_for_url(f"**/box-office/{performance.pk}/")
        search = page.locator("#bo-q")
        results = page.locator("#bo-results")
        for typed, expected in [
            ("helene lefevre", "Hélène Lefèvre"),  # no accents
            ("lefebvre", "Hélène Lefèvre"),  # spelt the other way
            ("06 12 34 56 78", "Hélène Lefèvre"),  # read out, stored as +33…
            ("dupond", "François Dupont"),  # a typo
            ("75011 helene", "Hélène Martin"),  # the postcode narrows
        ]:
            search.fill("")
            search.press_sequentially(typed, delay=20)
            first = results.locator(".bo-result").first
            first.wait_for()
            page.wait_for_function(
                "([el, name]) => el.querySelector('.bo-result strong')?.textContent === name",
                arg=[results.element_handle(), expected],
            )
            assert results.locator(".bo-result").count() == 1, typed
            _shoot(page, f"counter-buyer-search-{typed.replace(' ', '_')}")
        search.fill("")
        search.press_sequentially("helene", delay=20)
        page.wait_for_function(
            "el => el.querySelectorAll('.bo-result').length === 2",
            arg=results.element_handle(),
        )
        names = results.locator(".bo-result strong").all_inner_texts()
        assert sorted(names) == ["Hélène Lefèvre", "Hélène Martin"]
        _shoot(page, "counter-buyer-search-helene")
    finally:
        committed(venue_a, _wipe_committed_ticketing)
        committed(venue_a, lambda: User.objects.filter(email=CLERK).delete())
