"""A purchase with the keyboard only, at desktop size, paid with Stripe (the local fake): Tab,
Shift+Tab, Enter, Space and the arrows — no mouse, no touch (the page counts pointer events
and must see none). The seat is chosen on the SVG seat map with the arrows and Space. Every
element the keyboard reaches shows where the focus is.
"""

from __future__ import annotations

import pytest

from tests.browser.test_phone_quality_bar import _stripe
from tests.browser.test_storefront_seatmap import _shot
from tests.browser.test_stripe_payment import _wipe
from tests.helpers import committed
from tests.ticketing.conftest import build_performance
from tests.ticketing.payments.conftest import CARD_OK
from tests.ticketing.payments.conftest import stripe_fake as stripe_fake  # (the fixture)
from ticketing.models import Order, Ticket

POINTERS = """
  window.__pointer = 0;
  for (const type of ["pointerdown", "mousedown", "touchstart"])
    window.addEventListener(type, () => { window.__pointer += 1; }, true);
"""
# Whether the focused element shows it: an outline or a ring (box-shadow), or for a seat of
# the map its outline circle drawn in the accent colour.
FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return false;
  const cs = getComputedStyle(el);
  if (cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0) return true;
  if (cs.boxShadow && cs.boxShadow !== "none") return true;
  const hit = el.matches("g.seat") && el.querySelector(".seat-hit");
  const ring = hit && getComputedStyle(hit);
  return !!ring && ring.stroke !== "none" && parseFloat(ring.strokeWidth) > 0;
}"""


class Keyboard:
    def __init__(self, page):
        self.page = page
        self.presses = 0
        self.unseen: list[str] = []  # elements focused without a visible focus

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.presses += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.presses += len(text)

    def focused(self, selector: str) -> bool:
        return self.page.evaluate(
            "(s) => !!document.activeElement && document.activeElement.matches(s)", selector
        )

    def tab_to(self, selector: str, *, back: bool = False, limit: int = 80) -> int:
        """Tab (or Shift+Tab) until the element matching `selector` has the focus; checks
        that each element passed on the way shows its focus. Already there (a card form
        moves on by itself once a field is full, as Stripe's does): no key."""
        if self.focused(selector):
            return 0
        for count in range(1, limit + 1):
            self.press("Shift+Tab" if back else "Tab")
            if not self.page.evaluate(FOCUS_SHOWN):
                self.unseen.append(
                    self.page.url
                    + " "
                    + self.page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
                )
            if self.focused(selector):
                return count
        raise AssertionError(f"{selector} never reached by {'Shift+' if back else ''}Tab")


@pytest.mark.browser
def test_a_spectator_buys_a_seat_with_the_keyboard_only(page, url, venue_a, settings, stripe_fake):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.add_init_script(POINTERS)
    _stripe(settings, stripe_fake, venue_a)
    performance = committed(venue_a, build_performance)
    keys = Keyboard(page)
    try:
        page.goto(url(venue_a, f"/shows/{performance.show.slug}/"))
        keys.tab_to(".date-list a")
        keys.press("Enter")
        page.wait_for_url(f"**/performances/{performance.pk}/")
        page.wait_for_selector("#store-map g.seat[data-selectable='1']")
        # Into the map: one Tab stop for all the seats (the first free one), then the arrows.
        keys.tab_to("#store-map g.seat")
        first = page.evaluate("document.activeElement.dataset.id")
        keys.press("ArrowRight")
        keys.press("ArrowDown")
        keys.press("ArrowUp")
        chosen = page.evaluate("document.activeElement.dataset.id")
        assert chosen != first  # the arrows moved between seats
        assert page.evaluate(FOCUS_SHOWN)
        _shot(page, "keyboard-seat-focus-1280")
        keys.press("Space")
        assert page.locator("#store-map g.seat[aria-pressed='true']").count() == 1
        assert page.locator("[data-seatmap-live]").inner_text()  # said to a screen reader
        keys.press("Enter")  # Enter on a chosen seat un-chooses it...
        assert page.locator("#store-map g.seat[aria-pressed='true']").count() == 0
        keys.press("Enter")  # ...and chooses it again
        label = page.locator("#store-map g.seat[aria-pressed='true']").get_attribute("data-label")
        # Out of the map with one Tab (the seats are one stop), back with Shift+Tab.
        keys.press("Tab")
        assert not keys.focused("#store-map g.seat")
        keys.press("Shift+Tab")
        assert page.evaluate("document.activeElement.dataset.id") == chosen
        keys.tab_to("[data-seat-submit]")
        keys.press("Enter")
        page.wait_for_url("**/checkout/")
        assert label in page.locator("#cart").inner_text()

        keys.tab_to("input[name=email]")
        keys.type("paul.martin@example.fr")
        keys.tab_to("input[name=first_name]")
        keys.type("Paul")
        keys.tab_to("input[name=last_name]")
        keys.type("Martin")
        keys.tab_to("input[name=save_card]")
        keys.press("Space")
        assert page.locator("input[name=save_card]").is_checked()
        keys.tab_to("button[value=pay]")
        _shot(page, "keyboard-checkout-focus-1280")
        keys.press("Enter")
        page.wait_for_url("**/checkout/payment/**")
        page.locator("#payment-element input[placeholder=number]").wait_for()
        for placeholder, value in (
            ("number", CARD_OK),
            ("exp_month", "12"),
            ("exp_year", "31"),
            ("cvc", "123"),
            ("postal_code", "75005"),
        ):
            keys.tab_to(f"#payment-element input[placeholder={placeholder}]")
            keys.type(value)
        keys.tab_to("#pay-button")
        keys.press("Enter")
        page.wait_for_url("**/orders/**")
        reference = page.locator(".reference").inner_text()
        # The ticket's page is reached from the confirmation by the keyboard too.
        keys.tab_to(".ticket-links a")
        keys.press("Enter")
        page.wait_for_url("**/t/**")

        print(f"\nRESULT keyboard_purchase key_presses={keys.presses}")
        assert page.evaluate("window.__pointer") == 0  # no mouse, no touch
        assert keys.unseen == []  # every focused element showed it
        order = committed(venue_a, lambda: Order.objects.get())
        assert order.status == Order.Status.PAID and order.reference == reference
        seat_ids = committed(
            venue_a, lambda: list(Ticket.objects.values_list("seat_id", flat=True))
        )
        assert seat_ids == [int(chosen)]
    finally:
        committed(venue_a, _wipe)
