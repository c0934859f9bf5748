"""Tickets in a real browser: the ticket page on a phone (its QR read back from a screenshot,
as a door camera would, and verified), the confirmation email's HTML at phone and desktop
width, the order page's tickets section and the dev mail page.

Set PARTERRE_SCREENSHOTS=<folder> to keep the screenshots for a look."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from tenants.accounts.models import User
from tests.helpers import PASSWORD, committed
from tests.ticketing.conftest import build_performance
from tests.ticketing.tickets_helpers import decode_qr, sell

pytestmark = [pytest.mark.django_db, pytest.mark.browser]


def _shot(page, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("PARTERRE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _setup():
    from ticketing.models import Show, TicketPromotion

    performance = build_performance()
    performance.access_info = "Tram 1, arrêt Gare Maritime.\nParking Quai, gratuit après 19 h."
    performance.doors_open_at = performance.starts_at - timedelta(minutes=30)
    performance.save()
    other = Show.objects.create(title="Cyrano de Bergerac", slug="cyrano-browser")
    TicketPromotion.objects.create(
        show=other, message="−20 % sur Cyrano avec ce billet.", code="CYR20",
        expires_at=timezone.now() + timedelta(days=5),
    )  # fmt: skip
    order = sell(performance, "A1", "A2")
    tickets = list(order.tickets.order_by("id"))
    return order, tickets


def _wipe():
    from tests.browser.test_storefront_journey import _wipe_committed_ticketing
    from ticketing.models import TicketPromotion, TicketSigningKey

    TicketPromotion.objects.all().delete()
    _wipe_committed_ticketing()
    TicketSigningKey.objects.all().delete()
    User.objects.filter(email="browser-tickets@alpha.test").delete()


@pytest.fixture
def sold(venue_a):
    committed(venue_a, _wipe)
    yield committed(venue_a, _setup)
    committed(venue_a, _wipe)


def test_the_ticket_page_on_a_phone_shows_a_qr_a_door_can_read(phone, url, venue_a, sold, tmp_path):
    from ticketing.tickets import keys
    from ticketing.tickets.payload import verify_ticket_payload

    _order, tickets = sold
    phone.goto(url(venue_a, f"/t/{tickets[0].code}/"))
    box = phone.locator(".ticket-qr-code svg").bounding_box()
    assert box["width"] >= 340  # nearly the whole width of a 390 px phone
    assert box["y"] + box["height"] <= 844  # visible without scrolling
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot = _shot(phone, "ticket-page-390", tmp_path)
    (text,) = decode_qr(shot)  # the door's camera, in short
    public_key = committed(venue_a, lambda: keys.signing_key().public_key)
    assert verify_ticket_payload(text, public_key).ticket_id == tickets[0].pk
    assert "Parterre A1" in phone.locator(".ticket-place").inner_text()


def test_the_ticket_page_on_a_desktop(page, url, venue_a, sold, tmp_path):
    _order, tickets = sold
    page.goto(url(venue_a, f"/t/{tickets[1].code}/"))
    box = page.locator(".ticket-qr-code svg").bounding_box()
    assert 300 <= box["width"] <= 480
    _shot(page, "ticket-page-1280", tmp_path)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_confirmation_email_reads_well_on_a_phone_and_a_desktop(
    browser, venue_a, sold, width, tmp_path
):
    from ticketing.models import OrderEmail
    from ticketing.tickets.emails import build_order_email

    order, _tickets = sold

    def build():
        email = OrderEmail(order=order, kind="confirmation", message_id="<x@test>")
        return build_order_email(email)

    message = committed(venue_a, build)
    html = message.alternatives[0][0]
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_content(html)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.get_by_text("Le Misanthrope").first.is_visible()
    buttons = page.locator("a[href*='/t/']")
    assert buttons.count() == 2
    _shot(page, f"email-{width}", tmp_path)
    context.close()


def test_the_order_page_offers_the_tickets_and_the_dev_mail_page_shows_the_email(
    page, url, venue_a, sold, tmp_path, settings
):
    order, _tickets = sold
    committed(
        venue_a,
        lambda: User.objects.create_user(
            "browser-tickets@alpha.test", PASSWORD, role=User.Role.ADMIN, full_name="Guichet"
        ),
    )
    page.goto(url(venue_a, f"/backoffice/orders/{order.pk}/"))
    page.get_by_label("E-mail", exact=True).fill("browser-tickets@alpha.test")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(f"**/backoffice/orders/{order.pk}/")
    assert page.locator("a[href$='tickets.pdf']").count() == 1
    _shot(page, "order-page-1280", tmp_path)
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#documents-title").scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    _shot(page, "order-page-390", tmp_path)
    page.goto(url(venue_a, "/backoffice/tickets/promotions/"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    _shot(page, "promotions-390", tmp_path)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(url(venue_a, "/backoffice/tickets/promotions/"))
    _shot(page, "promotions-1280", tmp_path)
    # The dev mail page, as `make run` shows it (DEBUG and the capturing backend).
    settings.DEBUG = True
    settings.PARTERRE_DEV_MAIL_DIR = str(tmp_path / "mail")
    settings.EMAIL_BACKEND = "tenants.devmail.CapturingEmailBackend"
    with override_settings():
        page.goto(url(venue_a, f"/backoffice/orders/{order.pk}/"))
        page.locator(".resend-form button").click()
        page.wait_for_selector(".alert-success")

        def deliver():
            from ticketing.models import OrderEmail
            from ticketing.services.tickets import deliver_order_email

            return [deliver_order_email(email_id=e.pk) for e in OrderEmail.objects.all()]

        assert committed(venue_a, deliver) == ["sent"]
        page.goto(url(venue_a, "/dev/mail/"))
        page.locator("table a").first.click()
        frame = page.frame_locator("iframe.dev-mail-frame")
        frame.get_by_text("Le Misanthrope").first.wait_for()
        assert page.locator("a[href*='/attachments/']").count() == 2
        _shot(page, "dev-mail-1280", tmp_path)
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(url(venue_a, "/dev/mail/"))
        _shot(page, "dev-mail-list-390", tmp_path)
    assert mail.outbox == []  # captured in files, not in the test backend
