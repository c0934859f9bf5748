"""The audit trail on the pages staff read, in a real browser at desktop and phone sizes: an
order's and a performance's history in French, the layout page's history and its seat editor
(every select wide enough for its words, nothing past its panel), the dashboard's activity.

Set PARTERRE_SCREENSHOTS=<folder> to keep a screenshot of every page visited."""

import os
from datetime import timedelta
from pathlib import Path

import pytest

from tenants.accounts.models import AuditEvent, User
from tests.helpers import PASSWORD, committed
from tests.ticketing.conftest import build_performance

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

EMAIL = "browser-audit@alpha.test"
SHOTS = os.environ.get("PARTERRE_SCREENSHOTS", "")


def _season(venue):
    """An order sold then partly refunded, and its performance moved then set sold out, all by
    one admin (committed: the browser's server reads them)."""
    from ticketing.models import Seat, Tariff
    from ticketing.services import orders, programme
    from ticketing.services.inventory import HoldRequest
    from ticketing.services.orders import PaymentSpec, TariffChoice

    admin = User.objects.create_user(
        EMAIL, PASSWORD, role=User.Role.ADMIN, full_name="Agathe Historique"
    )
    performance = build_performance()
    seats = Seat.objects.filter(section__layout=performance.layout, label__in=["A1", "A2"])
    order = orders.sell(
        performance=performance,
        request=HoldRequest(seat_ids=sorted(s.pk for s in seats)),
        tariffs=TariffChoice(Tariff.objects.get(code="plein").pk),
        payments=[PaymentSpec("cash", 5000)],
        actor=admin,
    )
    first = order.tickets.order_by("id").first()
    orders.refund_order(order=order, ticket_ids=[first.pk], actor=admin, reason="Empêchement")
    programme.reschedule_performance(
        performance=performance,
        starts_at=performance.starts_at + timedelta(days=7),
        reason="Travaux dans la salle",
        actor=admin,
    )
    programme.set_performance_status(performance=performance, status="sold_out", actor=admin)
    return performance.pk, performance.layout_id, order.pk


def _wipe():
    from tests.browser.test_storefront_journey import _wipe_committed_ticketing

    _wipe_committed_ticketing()
    AuditEvent.objects.filter(actor__email=EMAIL).delete()
    User.objects.filter(email=EMAIL).delete()


@pytest.fixture
def season(venue_a):
    try:
        yield committed(venue_a, lambda: _season(venue_a))
    finally:
        committed(venue_a, _wipe)


def _log_in(page, url, venue):
    page.goto(url(venue, "/backoffice/"))
    page.get_by_label("E-mail", exact=True).fill(EMAIL)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/backoffice/")


def _visit(page, url, venue, path: str, name: str, size: str) -> str:
    page.goto(url(venue, path))
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}-{size}.png", full_page=True)
    # Nothing wider than the screen: no sideways scrolling of the whole page (a phone would
    # widen its layout viewport to fit, so compare with the size asked for).
    width = page.viewport_size["width"]
    overflow = page.evaluate("document.documentElement.scrollWidth") - width
    assert overflow <= 0, (
        f"{path} is {overflow}px wider than the {size} screen",
        page.evaluate(OUTSIDE, width),
    )
    return page.locator("main").inner_text()


# What sticks out past the screen's right edge (innermost first), to say what to fix.
OUTSIDE = """(width) => [...document.querySelectorAll("body *")]
  .filter(el => el.getBoundingClientRect().right > width + 0.5)
  .filter(el => ![...el.children].some(c => c.getBoundingClientRect().right > width + 0.5))
  .slice(0, 5)
  .map(el => `${el.tagName.toLowerCase()}.${el.className} ${el.getBoundingClientRect().right}`)"""

# The width a select needs for its longest option, and the room it has (its panel's edge).
SELECTS = """() => {
  const canvas = document.createElement("canvas").getContext("2d");
  const panel = document.querySelector(".editor-panel").getBoundingClientRect();
  return [...document.querySelectorAll(".attribute-grid select, .attribute-grid input")].map(el => {
    const style = getComputedStyle(el);
    canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const texts = el.tagName === "SELECT" ? [...el.options].map(o => o.text) : [""];
    const text = Math.max(...texts.map(t => canvas.measureText(t).width));
    const box = el.getBoundingClientRect();
    const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    return {name: el.name, room: box.width - padding - 20, text, right: box.right,
            panel: panel.right};
  });
}"""


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_histories_read_in_french_on_desktop_and_phone(size, page, phone, url, venue_a, season):
    browser_page = page if size == "desktop" else phone
    if size == "desktop":
        browser_page.set_viewport_size({"width": 1440, "height": 900})
    performance_id, layout_id, order_id = season
    _log_in(browser_page, url, venue_a)

    text = _visit(browser_page, url, venue_a, f"/backoffice/orders/{order_id}/", "order", size)
    for words in ("Historique", "Commande créée", "Remboursement", "Empêchement"):
        assert words in text, words
    assert "Agathe Historique" in text and "ticketing.order" not in text

    path = f"/backoffice/programme/performances/{performance_id}/"
    text = _visit(browser_page, url, venue_a, path, "performance", size)
    for words in (
        "Représentation reportée",
        "Motif : Travaux dans la salle",
        "Statut de la représentation modifié",
        "Statut : En vente → Reporté",
        "Statut : Reporté → Complet",
        "Représentation programmée",
    ):
        assert words in text, words

    path = f"/backoffice/halls/layouts/{layout_id}/"
    text = _visit(browser_page, url, venue_a, path, "layout", size)
    assert "Configuration créée" in text and "Section générée" in text
    for field in browser_page.evaluate(SELECTS):
        assert field["text"] <= field["room"], f"{field['name']} cuts its words ({size})"
        assert field["right"] <= field["panel"] + 0.5, f"{field['name']} overflows ({size})"

    text = _visit(browser_page, url, venue_a, "/backoffice/", "dashboard", size)
    assert "Représentation reportée" in text and "ticketing." not in text
    text = _visit(browser_page, url, venue_a, "/backoffice/settings/audit/", "audit", size)
    assert "Représentation reportée" in text


COOP_EMAIL = "browser-audit@coop.test"


@pytest.fixture
def coop_activity(cooperative, venue_b):
    """A cooperative admin who suspended then reactivated venue B (public schema, committed)."""
    from django.db import connection

    from tenants.services import reactivate_venue, suspend_venue

    def make():
        connection.set_schema_to_public()
        admin = User.objects.create_superuser(COOP_EMAIL, PASSWORD, full_name="Camille Coop")
        suspend_venue(venue=venue_b, actor=admin)
        reactivate_venue(venue=venue_b, actor=admin)
        return admin

    def drop():
        connection.set_schema_to_public()
        AuditEvent.objects.filter(actor__email=COOP_EMAIL).delete()
        with connection.cursor() as cursor:  # (the ORM's cascade would look in venue tables)
            cursor.execute("DELETE FROM accounts_user WHERE email = %s", [COOP_EMAIL])

    try:
        yield committed(cooperative, make)
    finally:
        committed(cooperative, drop)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_console_activity_reads_in_french(size, page, phone, url, coop_activity):
    browser_page = page if size == "desktop" else phone
    if size == "desktop":
        browser_page.set_viewport_size({"width": 1440, "height": 900})
    browser_page.goto(url(None, "/"))
    browser_page.get_by_label("E-mail", exact=True).fill(COOP_EMAIL)
    browser_page.get_by_label("Mot de passe").fill(PASSWORD)
    browser_page.get_by_role("button", name="Connexion").click()
    browser_page.wait_for_url("**/venues/")
    text = _visit(browser_page, url, None, "/venues/", "console", size)
    assert "Lieu suspendu" in text and "Lieu réactivé" in text and "Camille Coop" in text
    assert "tenants.venue" not in text
