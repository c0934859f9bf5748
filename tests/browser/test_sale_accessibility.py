"""axe-core (vendored: static/vendor/axe.min.js) on the pages of an online sale paid with
Stripe (the local fake): the checkout, the payment page, the confirmation, the ticket's own
page (/t/<code>/) and the booking widget — no serious or critical violation, on a phone and
on a desktop. Screenshots of each go to $PARTERRE_SCREENSHOTS when it is set."""

from __future__ import annotations

import pytest

from tests.browser.test_phone_quality_bar import _stripe
from tests.browser.test_storefront_seatmap import _axe, _shot
from tests.browser.test_stripe_payment import _one_seat, _type_card, _wipe
from tests.helpers import committed
from tests.ticketing.conftest import build_performance
from tests.ticketing.payments.conftest import CARD_OK
from tests.ticketing.payments.conftest import stripe_fake as stripe_fake  # (the fixture)


@pytest.mark.browser
@pytest.mark.parametrize("size", [(390, 844), (1280, 800)], ids=["phone", "desktop"])
def test_the_sale_pages_have_no_serious_accessibility_violation(
    browser, live_port, url, venue_a, settings, stripe_fake, size
):
    _stripe(settings, stripe_fake, venue_a)
    performance = committed(venue_a, build_performance)
    phone = size[0] < 500
    context = browser.new_context(
        viewport={"width": size[0], "height": size[1]},
        locale="fr-FR",
        is_mobile=phone,
        has_touch=phone,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    width = size[0]
    try:
        found = {}
        page.goto(url(venue_a, f"/performances/{performance.pk}/"))
        _one_seat(page)
        page.wait_for_url("**/checkout/")
        _shot(page, f"a11y-checkout-{width}")
        found["checkout"] = _axe(page)
        page.locator("input[name=email]").fill("lea@example.fr")
        page.locator("input[name=first_name]").fill("Léa")
        page.locator("input[name=last_name]").fill("Dupont")
        page.locator("input[name=save_card]").check()
        page.locator("button[value=pay]").click()
        page.wait_for_url("**/checkout/payment/**")
        page.locator("#payment-element input[placeholder=number]").wait_for()
        _shot(page, f"a11y-payment-{width}")
        found["payment"] = _axe(page)
        _type_card(page, CARD_OK)
        page.locator("#pay-button").click()
        page.wait_for_url("**/orders/**")
        _shot(page, f"a11y-confirmation-{width}")
        found["confirmation"] = _axe(page)
        ticket_url = page.locator(".ticket-links a").first.get_attribute("href")
        # A returning spectator's checkout: the saved card offered first.
        page.goto(url(venue_a, f"/performances/{performance.pk}/"))
        _one_seat(page)
        page.wait_for_url("**/checkout/")
        page.locator("button[data-pay-saved]").wait_for()
        _shot(page, f"a11y-checkout-saved-card-{width}")
        found["checkout with a saved card"] = _axe(page)
        page.locator("button[value=release]").click()
        page.wait_for_url(f"**/performances/{performance.pk}/")
        page.goto(url(venue_a, ticket_url))
        _shot(page, f"a11y-ticket-{width}")
        found["ticket"] = _axe(page)
        page.goto(url(venue_a, f"/widget/shows/{performance.show.slug}/"))
        page.wait_for_selector("text=Le Misanthrope")
        _shot(page, f"a11y-widget-{width}")
        found["widget"] = _axe(page)
        assert found == {name: [] for name in found}
    finally:
        context.close()
        committed(venue_a, _wipe)
