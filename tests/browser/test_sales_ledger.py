"""The sales ledger's screen in a real browser, at desktop and phone sizes: an admin sees the
entries of the day's sales, the signed closing of the day before, checks the chain and
downloads the closing's archive. Box-office staff do not see it.

Set PARTERRE_SCREENSHOTS=<folder> to keep a screenshot of every page visited."""

import io
import os
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from tenants.accounts.models import User
from tests.helpers import PASSWORD, committed
from tests.ticketing.conftest import build_performance

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

EMAIL = "browser-ledger@alpha.test"
CLERK = "browser-ledger-clerk@alpha.test"
SHOTS = os.environ.get("PARTERRE_SCREENSHOTS", "")


def _day_of_sales():
    from ticketing.ledger.closings import close_period
    from ticketing.ledger.selectors import venue_zone
    from ticketing.models import Seat, Tariff
    from ticketing.services import orders
    from ticketing.services.inventory import HoldRequest
    from ticketing.services.orders import PaymentSpec, TariffChoice

    admin = User.objects.create_user(EMAIL, PASSWORD, role=User.Role.ADMIN, full_name="Inès Compta")
    User.objects.create_user(CLERK, PASSWORD, role=User.Role.BOX_OFFICE, full_name="Guichet")
    performance = build_performance()
    plein = Tariff.objects.get(code="plein")
    zone = venue_zone()
    yesterday = timezone.now().astimezone(zone).date() - timedelta(days=1)
    with time_machine.travel(
        datetime.combine(yesterday, datetime.min.time(), zone) + timedelta(hours=15)
    ):
        for label, method in (("A1", "cash"), ("A2", "card_counter"), ("A3", "cheque")):
            seat = Seat.objects.get(section__layout=performance.layout, label=label)
            order = orders.sell(
                performance=performance,
                request=HoldRequest(seat_ids=[seat.pk]),
                tariffs=TariffChoice(plein.pk),
                payments=[PaymentSpec(method, None)],
                actor=admin,
            )
        orders.refund_order(order=order, method="cheque", actor=admin, reason="Empêchement")
    close_period(period="day", day=yesterday, actor=admin)
    seat = Seat.objects.get(section__layout=performance.layout, label="B1")
    orders.sell(
        performance=performance,
        request=HoldRequest(seat_ids=[seat.pk]),
        tariffs=TariffChoice(plein.pk),
        payments=[PaymentSpec("cash", None)],
        actor=admin,
    )


def _wipe():
    from tests.browser.test_storefront_journey import _wipe_committed_ticketing

    _wipe_committed_ticketing()
    User.objects.filter(email__in=[EMAIL, CLERK]).delete()


@pytest.fixture
def day_of_sales(venue_a):
    try:
        yield committed(venue_a, _day_of_sales)
    finally:
        committed(venue_a, _wipe)


def _log_in(page, url, venue, email):
    page.goto(url(venue, "/backoffice/"))
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/backoffice/")


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_an_admin_reads_checks_and_downloads_the_ledger(
    size, page, phone, url, venue_a, day_of_sales
):
    browser_page = page if size == "desktop" else phone
    _log_in(browser_page, url, venue_a, EMAIL)
    browser_page.goto(url(venue_a, "/backoffice/ledger/"))
    main = browser_page.locator("main")
    text = main.inner_text()
    assert "Ed25519" in text
    _shot(browser_page, f"ledger-{size}")
    width = browser_page.viewport_size["width"]
    assert browser_page.evaluate("document.documentElement.scrollWidth") <= width

    browser_page.locator("form[action$='/verify/'] button").click()
    browser_page.wait_for_load_state()
    assert browser_page.locator(".alert-success, .message-success, [role=status]").count() >= 1
    _shot(browser_page, f"ledger-verified-{size}")

    with browser_page.expect_download() as download_info:
        browser_page.locator("a[href*='/archive/']").first.click()
    path = download_info.value.path()
    archive = zipfile.ZipFile(io.BytesIO(Path(path).read_bytes()))
    assert "entries.csv" in archive.namelist()
    rows = archive.read("entries.csv").decode().splitlines()
    assert len(rows) >= 1 + 3 * 2 + 2  # header, three sales and payments, a refund and its payment


def test_box_office_staff_cannot_open_the_ledger(page, url, venue_a, day_of_sales):
    _log_in(page, url, venue_a, CLERK)
    response = page.goto(url(venue_a, "/backoffice/ledger/"))
    assert response.status == 403
