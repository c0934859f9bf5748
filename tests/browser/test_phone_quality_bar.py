"""The phone quality bar of online sale, measured in Chromium at 390×844 with Stripe (the local
fake, localstripe): a new spectator goes from the show page to the confirmation in at most
6 screens; a returning one with a saved card pays with one tap. The test counts what the
person does — screens seen, characters typed and keys pressed, taps — and prints it with the
time taken (`pytest -s` shows the line; the README quotes it).

A "screen" is a page the person sees: each document the browser shows in the main frame
(redirects in between are not seen and not counted). Everything is done the way a thumb and
an on-screen keyboard do it: a tap to focus a field, then its characters.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from tests.browser.test_stripe_payment import _stripe_keys, _wipe
from tests.helpers import committed
from tests.ticketing.conftest import build_performance
from tests.ticketing.payments.conftest import CARD_OK
from tests.ticketing.payments.conftest import stripe_fake as stripe_fake  # (the fixture)
from ticketing.models import Order

MAX_SCREENS = 6
# A rough human time (Card, Moran & Newell's keystroke-level model): 0.28 s a keystroke
# (an average typist; slower on glass, so it is an optimistic floor), 1.1 s to point a
# finger at something, 1.35 s to read and decide on each screen. Printed, never asserted.
KLM_KEY_S, KLM_TAP_S, KLM_SCREEN_S = 0.28, 1.1, 1.35


@dataclass
class Person:
    """A phone user whose every action is counted."""

    page: object
    screens: list[str] = field(default_factory=list)
    keystrokes: int = 0
    taps: int = 0

    def __post_init__(self):
        self.page.on("framenavigated", self._seen)

    def _seen(self, frame) -> None:
        if frame == self.page.main_frame:
            self.screens.append(urlsplit(frame.url).path)

    def tap(self, locator) -> None:
        locator.tap()
        self.taps += 1

    def type_into(self, locator, text: str) -> None:
        """A tap on the field, then its characters on the on-screen keyboard."""
        self.tap(locator)
        self.page.keyboard.type(text)
        self.keystrokes += len(text)

    def counts(self) -> tuple[int, int, int]:
        return len(self.screens), self.keystrokes, self.taps

    def human_seconds(self) -> float:
        screens, keys, taps = self.counts()
        return keys * KLM_KEY_S + taps * KLM_TAP_S + screens * KLM_SCREEN_S


def _stripe(settings, stripe_fake, venue) -> None:
    settings.PARTERRE_STRIPE_API_BASE = stripe_fake
    settings.PARTERRE_STRIPE_JS_URL = f"{stripe_fake}/js.stripe.com/v3/"
    committed(venue, _stripe_keys)


def _choose_a_seat(person: Person) -> None:
    """On the performance page: a free seat on the map, then "continue"."""
    page = person.page
    page.wait_for_selector("#store-map g.seat[data-selectable='1']")
    person.tap(page.locator("#store-map g.seat[data-selectable='1']").first)
    person.tap(page.locator("[data-seat-submit]"))
    page.wait_for_url("**/checkout/")


@pytest.mark.browser
def test_a_new_then_a_returning_spectator_buy_on_a_phone_within_the_bar(
    phone, url, venue_a, settings, stripe_fake
):
    _stripe(settings, stripe_fake, venue_a)
    performance = committed(venue_a, build_performance)
    slug = performance.show.slug
    try:
        # --- A new spectator: from the show page to the confirmation --------------------
        person = Person(phone)
        started = time.monotonic()
        phone.goto(url(venue_a, f"/shows/{slug}/"))
        person.tap(phone.locator(".date-list a").first)
        phone.wait_for_url(f"**/performances/{performance.pk}/")
        _choose_a_seat(person)
        person.type_into(phone.locator("input[name=email]"), "lea.dupont@example.fr")
        person.type_into(phone.locator("input[name=first_name]"), "Léa")
        person.type_into(phone.locator("input[name=last_name]"), "Dupont")
        person.tap(phone.locator("input[name=save_card]"))  # one tap next time
        person.tap(phone.locator("button[value=pay]"))
        phone.wait_for_url("**/checkout/payment/**")
        card = phone.locator("#payment-element")
        card.locator("input[placeholder=number]").wait_for()
        for placeholder, value in (
            ("number", CARD_OK),
            ("exp_month", "12"),
            ("exp_year", "31"),
            ("cvc", "123"),
            ("postal_code", "75005"),
        ):
            person.type_into(card.locator(f"input[placeholder={placeholder}]"), value)
        person.tap(phone.locator("#pay-button"))
        phone.wait_for_url("**/orders/**")
        phone.locator(".reference").wait_for()
        seconds = time.monotonic() - started
        screens, keystrokes, taps = person.counts()
        print(
            f"\nRESULT phone_new_spectator screens={screens} keystrokes={keystrokes} "
            f"taps={taps} seconds={seconds:.1f} human_estimate_s={person.human_seconds():.0f} "
            f"path={' > '.join(person.screens)}"
        )
        assert screens <= MAX_SCREENS, person.screens
        # (The bar: about two minutes for a person; everything typed is what cannot be
        # guessed — an address, a name, a card.)
        assert person.human_seconds() <= 120
        order = committed(venue_a, lambda: Order.objects.get())
        assert order.status == Order.Status.PAID
        assert order.reference in phone.locator(".reference").inner_text()

        # --- The same spectator comes back: the saved card pays in one tap -------------
        again = Person(phone)
        started = time.monotonic()
        phone.goto(url(venue_a, f"/shows/{slug}/"))
        again.tap(phone.locator(".date-list a").first)
        phone.wait_for_url(f"**/performances/{performance.pk}/")
        _choose_a_seat(again)
        assert phone.locator("input[name=email]").input_value() == "lea.dupont@example.fr"
        before = again.counts()
        one_tap = phone.locator("button[data-pay-saved]")
        assert "4242" in one_tap.inner_text()
        again.tap(one_tap)
        phone.wait_for_url("**/orders/**")
        phone.locator(".reference").wait_for()
        seconds = time.monotonic() - started
        screens, keystrokes, taps = again.counts()
        paying_taps = taps - before[2]
        print(
            f"RESULT phone_returning_spectator screens={screens} keystrokes={keystrokes} "
            f"taps={taps} taps_to_pay={paying_taps} seconds={seconds:.1f} "
            f"path={' > '.join(again.screens)}"
        )
        assert paying_taps == 1 and keystrokes == 0
        assert screens <= MAX_SCREENS - 1  # no card screen at all
        paid = committed(venue_a, lambda: Order.objects.filter(status="paid").count())
        assert paid == 2
    finally:
        committed(venue_a, _wipe)
