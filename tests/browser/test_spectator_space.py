"""The spectator space on a phone, in a real browser: sign in by the emailed link (read from
the captured mail), find the booking, put a heart on a show; and the booking widget on a
page of another origin. Screenshots of every screen at 390×844 and 1280×800 go to
$PARTERRE_SCREENSHOTS when it is set."""

import functools
import http.server
import os
import re
import threading
from pathlib import Path

import pytest
from django.core import mail

from crm.models import Favourite
from tests.browser.test_storefront_journey import _wipe_committed_ticketing
from tests.browser.test_storefront_seatmap import _axe
from tests.helpers import committed
from tests.ticketing.conftest import build_performance

SHOTS = os.environ.get("PARTERRE_SCREENSHOTS", "")


def _shoot(page, name: str) -> None:
    """Both sizes of the current screen (the page is left at its own size)."""
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for width, height in ((390, 844), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    page.set_viewport_size(size)


def _guest_order():
    """A web order placed as a guest by lea@example.fr (two seats), and its show."""
    from ticketing.models import Tariff
    from ticketing.services import orders
    from ticketing.specs import Buyer, HoldRequest, TariffChoice

    performance = build_performance()
    plein = Tariff.objects.get(code="plein")
    order = orders.sell(
        performance=performance,
        request=HoldRequest(best_available=2),
        tariffs=TariffChoice(default=plein.pk),
        buyer=Buyer(email="lea@example.fr", first_name="Léa", last_name="Dupont"),
        pay_total_with="offline_test",
        channel="web",
    )
    return order.reference, performance.show.slug, performance.show_id


def _wipe():
    from crm.models import Contact, SignInLink
    from ticketing.models import AfterSaleRule, CheckoutStep, PromoCode

    PromoCode.objects.all().delete()
    SignInLink.objects.all().delete()
    CheckoutStep.objects.all().delete()
    AfterSaleRule.objects.all().delete()
    _wipe_committed_ticketing()
    Contact.objects.all().delete()


def _link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


@pytest.mark.browser
def test_a_spectator_signs_in_by_link_finds_the_booking_and_hearts_the_show(phone, url, venue_a):
    reference, slug, show_id = committed(venue_a, _guest_order)
    try:
        phone.goto(url(venue_a, "/"))
        phone.get_by_role("link", name=re.compile("espace|space", re.I)).first.tap()
        phone.wait_for_url("**/space/sign-in/**")
        _shoot(phone, "01-sign-in")
        violations = {"sign-in": _axe(phone)}
        email = phone.get_by_label(re.compile("adresse e-mail|email address", re.I))
        assert email.evaluate("el => el === document.activeElement")  # focus is on the field
        email.fill("lea@example.fr")
        phone.get_by_role("button", name=re.compile("lien|link", re.I)).first.tap()
        phone.wait_for_selector("text=lea@example.fr")
        _shoot(phone, "02-link-sent")
        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["lea@example.fr"]
        link = _link_in(mail.outbox[0])
        assert link.startswith(url(venue_a, "/space/sign-in/"))
        phone.goto(link)
        _shoot(phone, "03-continue")
        phone.get_by_role("button").filter(has_text=re.compile("espace|space", re.I)).tap()
        phone.wait_for_url(url(venue_a, "/space/"))
        _shoot(phone, "04-bookings")
        violations["bookings"] = _axe(phone)
        phone.get_by_role("link", name="Le Misanthrope").tap()
        phone.wait_for_url(f"**/space/orders/{reference}/")
        assert reference in phone.locator(".reference").inner_text()
        assert phone.locator("table.cart-table tbody tr").count() == 2
        _shoot(phone, "05-booking")
        violations["booking"] = _axe(phone)
        phone.goto(url(venue_a, f"/shows/{slug}/"))
        _shoot(phone, "06-show-question")
        heart = phone.locator("button.heart")
        assert heart.get_attribute("aria-pressed") == "false"
        heart.tap()
        phone.wait_for_selector("button.heart[aria-pressed='true']")
        phone.get_by_role("button", name=re.compile("^(Oui|Yes)$")).tap()
        phone.wait_for_selector(".interest-question", state="detached")
        phone.goto(url(venue_a, "/space/favourites/"))
        assert "Le Misanthrope" in phone.locator("main").inner_text()
        _shoot(phone, "07-favourites")
        violations["favourites"] = _axe(phone)
        phone.goto(url(venue_a, "/space/preferences/"))
        _shoot(phone, "08-preferences")
        violations["preferences"] = _axe(phone)
        phone.goto(url(venue_a, "/space/data/"))
        _shoot(phone, "09-data")
        violations["my data"] = _axe(phone)
        # axe-core: no serious or critical violation on any page of the space.
        assert violations == {name: [] for name in violations}
        hearts = committed(
            venue_a, lambda: list(Favourite.objects.values_list("show_id", flat=True))
        )
        assert hearts == [show_id]
        # The link was single use: a second visit gets a plain message, not a session.
        phone.context.clear_cookies()
        phone.goto(link)
        phone.locator("main button[type=submit]").tap()
        phone.wait_for_selector("main a[href='/space/sign-in/']")  # "get a new link"
        _shoot(phone, "10-link-used")
        phone.goto(url(venue_a, "/space/"))
        assert "/space/sign-in/" in phone.url  # not signed in
    finally:
        committed(venue_a, _wipe)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def other_origin(tmp_path):
    """A plain static web server on another port: the venue's own website."""
    handler = functools.partial(_Quiet, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.browser
def test_the_booking_widget_works_on_another_sites_page(page, url, venue_a, other_origin):
    folder, port = other_origin
    _reference, slug, _show_id = committed(venue_a, _guest_order)
    script = url(venue_a, f"/widget.js?show={slug}")
    (folder / "index.html").write_text(
        "<!doctype html><html lang=fr><meta charset=utf-8><title>Le site du théâtre</title>"
        "<h1>Notre saison</h1><p>Réservez en ligne :</p>"
        f'<script src="{script}" async></script><p>Pied de page</p>',
        encoding="utf-8",
    )
    try:
        page.goto(f"http://127.0.0.1:{port}/index.html")
        frame_element = page.wait_for_selector("iframe.parterre-widget")
        frame = frame_element.content_frame()
        frame.wait_for_selector("text=Le Misanthrope")
        book = frame.get_by_role("link", name=re.compile("Réserver|Book"))
        assert book.count() == 1
        page.wait_for_function(
            "document.querySelector('iframe.parterre-widget').offsetHeight > 100"
        )
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/11-widget-1280.png", full_page=True)
        with page.context.expect_page() as opened:
            book.click()
        checkout = opened.value
        checkout.wait_for_load_state()
        assert checkout.url.startswith(url(venue_a, "/performances/"))
        assert "Le Misanthrope" in checkout.title() or "Le Misanthrope" in checkout.content()
        checkout.close()
    finally:
        committed(venue_a, _wipe)


def _promo_code():
    from ticketing.models import PromoCode

    PromoCode.objects.create(code="RELAIS", label="Relais du quartier")


@pytest.mark.browser
def test_a_friend_books_through_a_referral_link_with_a_companion_on_a_phone(phone, url, venue_a):
    from crm.models import ContactRelation
    from ticketing.models import OrderAttribution, Ticket

    _reference, slug, show_id = committed(venue_a, _guest_order)
    committed(venue_a, _promo_code)
    try:
        # Léa (who bought) shares her personal link; a friend opens it on a phone.
        from crm.models import Contact
        from ticketing.selectors.space import referral_token

        lea = committed(venue_a, lambda: Contact.objects.get(email_normalized="lea@example.fr"))
        # (Signed for the venue: made in its schema.)
        token = committed(venue_a, lambda: referral_token(contact_id=lea.pk, show_id=show_id))
        phone.goto(url(venue_a, f"/space/friend/{token}/"))
        phone.wait_for_url(f"**/shows/{slug}/")
        phone.locator(".date-list a").first.tap()
        phone.locator(".offer-form button").first.tap()  # two places, best available
        phone.wait_for_url("**/checkout/")
        phone.locator("input[name=email]").fill("ben@example.fr")
        phone.locator("input[name=first_name]").fill("Ben")
        phone.locator("input[name=last_name]").fill("Martin")
        phone.locator("input[name=promo_code]").fill("relais")
        phone.locator("details.companions summary").tap()
        phone.locator("input[name='companion-0-first_name']").fill("Jules")
        phone.locator("input[name='companion-0-email']").fill("jules@example.fr")
        _shoot(phone, "12-checkout-companions")
        phone.locator("button[value=pay]").tap()
        phone.wait_for_url("**/orders/**")
        share = phone.locator("input.share-link").input_value()
        assert "/space/friend/" in share
        _shoot(phone, "13-confirmation-share")

        def recorded():
            attribution = OrderAttribution.objects.select_related("order").get()
            holders = list(
                Ticket.objects.filter(order=attribution.order)
                .order_by("id")
                .values_list("holder_contact__email", flat=True)
            )
            relations = set(ContactRelation.objects.values_list("kind", "source"))
            return attribution.referred_by_contact_id, attribution.promo_code, holders, relations

        prescriber, promo, holders, relations = committed(venue_a, recorded)
        assert (prescriber, promo) == (lea.pk, "RELAIS")
        assert holders == [None, "jules@example.fr"]
        assert relations == {("referred_by", "referral"), ("came_with", "companion")}
        assert any(m.to == ["jules@example.fr"] for m in mail.outbox)  # asked for consent
    finally:
        committed(venue_a, _wipe)


@pytest.mark.browser
def test_an_admin_opens_cancellation_online_and_creates_a_promo_code(page, url, venue_a):
    from tenants.accounts.models import User
    from tests.helpers import PASSWORD
    from ticketing.models import AfterSaleRule, PromoCode

    email = "browser-rules@alpha.test"
    committed(
        venue_a,
        lambda: User.objects.create_user(email, PASSWORD, role=User.Role.ADMIN, full_name="Rui"),
    )
    try:
        page.goto(url(venue_a, "/backoffice/online/"))
        page.get_by_label("E-mail", exact=True).fill(email)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Connexion").click()
        page.wait_for_url("**/backoffice/online/")
        page.locator("input[name=cancel_allowed]").check()
        page.locator("input[name=until_hours_before]").fill("24")
        page.locator("form:has(input[name=cancel_allowed]) button[type=submit]").click()
        page.wait_for_selector(".alert-success")
        page.locator("input[name=code]").fill("relais-mjc")
        page.locator("input[name=label]").fill("MJC du quartier")
        page.locator("form:has(input[name=code]) button[type=submit]").click()
        page.wait_for_selector("text=RELAIS-MJC")
        _shoot(page, "14-backoffice-online")
        rule, codes = committed(
            venue_a,
            lambda: (
                AfterSaleRule.objects.get(performance__isnull=True),
                list(PromoCode.objects.values_list("code", flat=True)),
            ),
        )
        assert rule.cancel_allowed and rule.until_hours_before == 24 and codes == ["RELAIS-MJC"]
    finally:
        committed(venue_a, _wipe)
        committed(venue_a, lambda: User.objects.filter(email=email).delete())
