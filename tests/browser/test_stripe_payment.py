"""A spectator pays with Stripe on a phone: Chromium, the storefront on a live server, Stripe.js
served by localstripe (tests/ticketing/stripe_fake.py: its card inputs standing in for the
Payment Element). A declined card first, then a good one, remembered: the next purchase is
one tap."""

import os

import pytest

from tests.browser.test_storefront_journey import _wipe_committed_ticketing
from tests.helpers import committed
from tests.ticketing.conftest import build_performance
from tests.ticketing.payments.conftest import CARD_DECLINED, CARD_OK, SECRETS
from tests.ticketing.payments.conftest import stripe_fake as stripe_fake  # (the fixture)
from ticketing.models import (
    OnlinePayment,
    Order,
    PaymentCustomer,
    PaymentSettings,
    PerformanceSeat,
    ProviderEvent,
)
from ticketing.services.payment_settings import update_payment_settings

SHOTS = os.environ.get("PARTERRE_SCREENSHOTS", "")


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _stripe_keys() -> None:
    publishable, secret, webhook = SECRETS["alpha"]
    update_payment_settings(publishable_key=publishable, secret_key=secret, webhook_secret=webhook)


def _wipe() -> None:
    PaymentCustomer.objects.all().delete()
    OnlinePayment.objects.all().delete()
    ProviderEvent.objects.all().delete()
    PaymentSettings.objects.all().delete()
    PerformanceSeat.objects.all().delete()  # (held seats first: their carts go next)
    _wipe_committed_ticketing()


def _type_card(phone, number: str) -> None:
    box = phone.locator("#payment-element")
    for placeholder, value in (
        ("number", number),
        ("exp_month", "12"),
        ("exp_year", "31"),
        ("cvc", "123"),
        ("postal_code", "75005"),
    ):
        field = box.locator(f"input[placeholder={placeholder}]")
        field.fill("")
        field.type(value)


@pytest.mark.browser
def test_a_spectator_pays_by_card_on_a_phone(phone, url, venue_a, settings, stripe_fake):
    settings.PARTERRE_STRIPE_API_BASE = stripe_fake
    settings.PARTERRE_STRIPE_JS_URL = f"{stripe_fake}/js.stripe.com/v3/"
    outside = []
    phone.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if not r.url.startswith((url(venue_a, "/")[:-1], stripe_fake))
            else None
        ),
    )
    committed(venue_a, _stripe_keys)
    performance = committed(venue_a, build_performance)
    try:
        phone.goto(url(venue_a, f"/performances/{performance.pk}/"))
        phone.locator("#store-map g.seat[data-selectable='1']").nth(0).tap()
        phone.locator(".sticky-submit button").click()
        phone.wait_for_url("**/checkout/")
        phone.locator("input[name=email]").fill("lea.dupont@example.fr")
        phone.locator("input[name=first_name]").fill("Léa")
        phone.locator("input[name=last_name]").fill("Dupont")
        phone.locator("input[name=save_card]").check()
        _shot(phone, "checkout-stripe-phone")
        phone.locator("button[value=pay]").click()
        phone.wait_for_url("**/checkout/payment/**")
        phone.locator("#payment-element input[placeholder=number]").wait_for()
        _type_card(phone, CARD_DECLINED)
        phone.locator("#pay-button").click()
        error = phone.locator("#payment-error")
        error.wait_for(state="visible")
        assert error.inner_text()  # the decline, said plainly; the page stays
        _shot(phone, "payment-declined-phone")
        assert committed(venue_a, lambda: Order.objects.count()) == 0

        _type_card(phone, CARD_OK)
        phone.locator("#pay-button").click()
        phone.wait_for_url("**/orders/**")
        _shot(phone, "order-paid-phone")
        order = committed(venue_a, lambda: Order.objects.get())
        assert order.status == Order.Status.PAID
        assert order.reference in phone.locator(".reference").inner_text()

        # Back for another performance: details known, the saved card pays in one tap.
        phone.goto(url(venue_a, f"/performances/{performance.pk}/"))
        phone.locator("#store-map g.seat[data-selectable='1']").nth(0).tap()
        phone.locator(".sticky-submit button").click()
        phone.wait_for_url("**/checkout/")
        assert phone.locator("input[name=email]").input_value() == "lea.dupont@example.fr"
        one_tap = phone.locator("button[data-pay-saved]")
        assert "4242" in one_tap.inner_text()
        _shot(phone, "checkout-saved-card-phone")
        one_tap.click()
        phone.wait_for_url("**/orders/**")
        assert committed(venue_a, lambda: Order.objects.filter(status="paid").count()) == 2
        assert outside == []  # nothing left the machine
    finally:
        committed(venue_a, _wipe)


@pytest.mark.browser
@pytest.mark.parametrize("size", [(390, 844), (1280, 800)])
def test_an_admin_enters_the_venues_stripe_keys(browser, url, venue_a, live_port, size):
    from tenants.accounts.models import User
    from tests.helpers import PASSWORD

    email = "browser-stripe@alpha.test"
    committed(
        venue_a,
        lambda: User.objects.create_user(email, PASSWORD, role=User.Role.ADMIN, full_name="A"),
    )
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(url(venue_a, "/backoffice/payments/"))
        page.get_by_label("E-mail", exact=True).fill(email)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Connexion").click()
        page.wait_for_url("**/backoffice/payments/")
        publishable, secret, webhook = SECRETS["alpha"]
        page.locator("input[name=publishable_key]").fill(publishable)
        page.locator("input[name=secret_key]").fill(secret)
        page.locator("input[name=webhook_secret]").fill(webhook)
        page.locator("form.form-grid button[type=submit]").click()
        page.wait_for_url("**/backoffice/payments/")
        html = page.content()
        assert "sk_test_…4242" in html and secret not in html and webhook not in html
        assert page.locator("input[name=secret_key]").input_value() == ""
        _shot(page, f"payment-settings-{size[0]}")
    finally:
        context.close()
        committed(venue_a, _wipe)
        committed(venue_a, lambda: User.objects.filter(email=email).delete())


@pytest.mark.browser
def test_the_payment_page_on_a_desktop(page, url, venue_a, settings, stripe_fake):
    settings.PARTERRE_STRIPE_API_BASE = stripe_fake
    settings.PARTERRE_STRIPE_JS_URL = f"{stripe_fake}/js.stripe.com/v3/"
    committed(venue_a, _stripe_keys)
    performance = committed(venue_a, build_performance)
    try:
        page.goto(url(venue_a, f"/performances/{performance.pk}/"))
        page.locator("#store-map g.seat[data-selectable='1']").nth(0).click()
        page.locator(".sticky-submit button").click()
        page.wait_for_url("**/checkout/")
        page.locator("input[name=email]").fill("paul@example.fr")
        page.locator("input[name=first_name]").fill("Paul")
        page.locator("input[name=last_name]").fill("Martin")
        page.locator("button[value=pay]").click()
        page.wait_for_url("**/checkout/payment/**")
        page.locator("#payment-element input[placeholder=number]").wait_for()
        _shot(page, "payment-desktop")
    finally:
        committed(venue_a, _wipe)
