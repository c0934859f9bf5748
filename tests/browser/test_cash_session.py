"""The till in a real browser: open a cash session at this desk, sell in cash at the
counter (the payment joins the session), count the drawer with the keyboard, and close with
a difference, which needs a comment."""

import os
from pathlib import Path

import pytest

from tenants.accounts.models import User
from tests.browser.test_storefront_journey import _wipe_committed_ticketing
from tests.helpers import PASSWORD, committed
from tests.ticketing.conftest import build_performance
from ticketing.models import CashSession, Desk, Payment

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

CLERK = "browser-caisse@alpha.test"


def _shoot(page, name: str) -> None:
    """Screenshots for a person to look at, when PARTERRE_SCREENSHOTS names a folder."""
    folder = os.environ.get("PARTERRE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _wipe() -> None:
    Payment.objects.all().delete()
    CashSession.objects.all().delete()
    Desk.objects.all().delete()
    _wipe_committed_ticketing()
    User.objects.filter(email=CLERK).delete()


def test_open_sell_in_cash_and_close_with_a_difference(page, url, venue_a):
    performance = committed(venue_a, build_performance)
    committed(venue_a, lambda: Desk.objects.create(name="Guichet 1"))
    committed(
        venue_a,
        lambda: User.objects.create_user(
            CLERK, PASSWORD, role=User.Role.BOX_OFFICE, full_name="Camille Caisse"
        ),
    )
    try:
        page.goto(url(venue_a, "/backoffice/box-office/cash/"))
        page.get_by_label("E-mail", exact=True).fill(CLERK)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Connexion").click()
        page.wait_for_url("**/box-office/cash/")
        _shoot(page, "cash-till-closed")

        # Open the session: desk, float, Enter.
        page.locator("#id_float_euros").fill("100")
        page.locator("#id_float_euros").press("Enter")
        page.wait_for_url("**/box-office/cash/*/")
        session = committed(venue_a, lambda: CashSession.objects.get(status="open"))
        assert session.float_cents == 10000

        # The counter shows the open session; sell two best seats in cash, 60 € handed over.
        page.goto(url(venue_a, f"/backoffice/box-office/{performance.pk}/"))
        assert page.locator("[data-bo-till] .badge-success").count() == 1
        assert "Guichet 1" in page.locator("[data-bo-till]").inner_text()
        best = page.locator("input[data-bo-best]").first
        best.fill("2")
        best.press("Enter")  # finds the seats
        page.locator("[data-bo-amount]").first.wait_for()
        page.wait_for_function(
            "document.querySelector('[data-bo-total]').textContent.includes('50')"
        )
        page.locator("[data-bo-amount]").first.fill("60")
        page.locator(".bo-confirm").click()
        page.wait_for_url("**/box-office/receipt/*/")
        payment = committed(venue_a, lambda: Payment.objects.get())
        assert (payment.cash_session_id, payment.amount_cents, payment.change_cents) == (
            session.pk,
            5000,
            1000,
        )

        # Count the drawer: 150 € expected, 145 € counted.
        page.goto(url(venue_a, f"/backoffice/box-office/cash/{session.pk}/"))
        first = page.locator("[data-cash-denomination]").first
        assert first.evaluate("el => el === document.activeElement")  # ready to type
        page.locator("#id_d10000").fill("1")
        page.locator("#id_d2000").fill("2")
        page.locator("#id_d500").fill("1")
        difference = page.locator("[data-cash-difference]")
        assert (
            "5,00" in difference.inner_text()
            and "145" in page.locator("[data-cash-counted]").inner_text()
        )
        _shoot(page, "cash-count")
        page.locator("[data-cash-count] button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("#id_comment + .help + .error, .field-invalid .error").count() == 1
        assert committed(venue_a, lambda: CashSession.objects.get().status) == "open"
        # The count is kept: only the comment is missing.
        assert page.locator("#id_d2000").input_value() == "2"
        page.locator("#id_comment").fill("5 € rendus en trop à un spectateur")
        page.locator("[data-cash-count] button[type=submit]").click()
        page.wait_for_selector(".badge-danger")
        closed = committed(venue_a, lambda: CashSession.objects.get())
        assert (closed.status, closed.expected_cents, closed.counted_cents) == (
            "closed",
            15000,
            14500,
        )
        assert (closed.difference_cents, closed.comment) == (
            -500,
            "5 € rendus en trop à un spectateur",
        )
        _shoot(page, "cash-closed")

        # The counter now asks for a session again.
        page.goto(url(venue_a, f"/backoffice/box-office/{performance.pk}/"))
        assert page.locator("[data-bo-till] .badge-warning").count() == 1
    finally:
        committed(venue_a, _wipe)
