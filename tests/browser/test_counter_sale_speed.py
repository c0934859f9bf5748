"""A counter sale typed like a person, against the clock and the keystroke count: a returning
spectator (find the performance, quantity, tariff, buyer, pay cash, print) within the bar of
30 seconds and about ten keys; a new buyer typed in full, its keys reported.

Keys are counted as pressed (a letter is one key, Alt+T is one), typed at a human pace
(HUMAN_DELAY_MS between keys), the clock runs from the performance board to the printed
tickets. PARTERRE_SCREENSHOTS=<folder> keeps screenshots of each step."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from crm.services import find_or_create_contact
from tenants.accounts.models import User
from tests.browser.test_boxoffice_buyer_search import _shoot
from tests.browser.test_storefront_journey import _wipe_committed_ticketing
from tests.helpers import PASSWORD, committed
from tests.ticketing.conftest import build_performance
from ticketing.models import Order, SalesSettings
from ticketing.services import programme
from ticketing.services.programme import CategoryPlan

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

CLERK = "browser-vitesse@alpha.test"
HUMAN_DELAY_MS = 150  # ~80 words a minute
MAX_SECONDS = 30
MAX_KEYS_RETURNING = 12  # "about ten": 6 of them are letters of the show and the name


class Keyboard:
    """The counter's keyboard, counted."""

    def __init__(self, page):
        self.page = page
        self.keys: list[str] = []

    def type(self, text: str) -> None:
        self.page.keyboard.type(text, delay=HUMAN_DELAY_MS)
        self.keys += list(text)

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.page.wait_for_timeout(HUMAN_DELAY_MS)
        self.keys.append(key)


def _programme():
    """Tonight's other show first on the board, then Le Misanthrope (25 € / 15 €, + 0.50 €)."""
    performance = build_performance()
    programme.update_sales_settings(fee_cents=50, fee_percent_bp=0)
    other = programme.create_show(title="Phèdre")
    programme.schedule_performance(
        show=other,
        layout=performance.layout,
        starts_at=timezone.now() + timedelta(days=1),
        plan=[CategoryPlan(name="Cat. 1", ranks={1, 2, 3}, prices={"plein": 2000})],
    )
    find_or_create_contact(
        first_name="Hélène",
        last_name="Lefèvre",
        email="helene.lefevre@orange.fr",
        phone="06 12 34 56 78",
        postcode="49100",
        source="box_office",
    )
    User.objects.create_user(CLERK, PASSWORD, role=User.Role.BOX_OFFICE, full_name="Gaston Vif")
    return performance


def _log_in(page, url, venue):
    page.goto(url(venue, "/backoffice/box-office/"))
    page.get_by_label("E-mail", exact=True).fill(CLERK)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/box-office/")
    page.locator("#bo-filter").wait_for()


def _find_performance(keyboard, page, performance):
    keyboard.type("mis")
    keyboard.press("Enter")
    page.wait_for_url(f"**/box-office/{performance.pk}/")
    page.wait_for_function("document.activeElement?.name?.startsWith('best_')")


def _print(keyboard, page) -> None:
    """P on the receipt: the tickets' thermal PDF is loaded to be printed."""
    with page.expect_response(lambda r: "tickets.pdf?layout=thermal" in r.url) as printed:
        keyboard.press("p")
    response = printed.value
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    page.wait_for_function("document.querySelector('[data-bo-print-status]').textContent !== ''")


@pytest.fixture
def counter(page, url, venue_a):
    fees = committed(venue_a, lambda: SalesSettings.current())
    performance = committed(venue_a, _programme)
    try:
        page.set_viewport_size({"width": 1280, "height": 800})
        _log_in(page, url, venue_a)
        yield page, performance
    finally:
        committed(venue_a, _wipe_committed_ticketing)
        committed(venue_a, lambda: User.objects.filter(email=CLERK).delete())
        # The venue's fees as they were: later tests on this worker price without a fee.
        committed(
            venue_a,
            lambda: programme.update_sales_settings(
                fee_cents=fees.fee_cents, fee_percent_bp=fees.fee_percent_bp
            ),
        )


def test_a_returning_spectator_is_sold_two_reduced_seats_in_about_ten_keys(counter, venue_a):
    page, performance = counter
    keyboard = Keyboard(page)
    started = time.perf_counter()
    _find_performance(keyboard, page, performance)  # m i s Enter
    keyboard.type("2")  # two places, best available
    keyboard.press("Alt+t")  # next tariff: Tarif réduit
    assert page.locator("#bo-tariff option:checked").inner_text() == "Tarif réduit"
    # The list says what a place costs, fee included: 2 × 15,50 € is the total.
    assert "Tarif réduit 15,50\u00a0€" in page.locator("[data-bo-prices]").first.inner_text()
    page.wait_for_function("document.querySelector('[data-bo-total]').textContent.includes('31')")
    keyboard.type("lef")  # a letter in the quantity field goes to the buyer search
    page.locator("#bo-results .bo-result strong", has_text="Hélène Lefèvre").wait_for()
    keyboard.press("Enter")  # the first buyer found; the focus goes to the amount
    page.wait_for_function("document.activeElement?.dataset?.boAmount !== undefined")
    _shoot(page, "counter-speed-returning-before-sale")
    keyboard.press("Enter")  # cash, the exact amount: sold
    page.wait_for_url("**/box-office/receipt/*/")
    _print(keyboard, page)  # P
    elapsed = time.perf_counter() - started
    _shoot(page, "counter-speed-returning-receipt")
    print(
        f"\nRETURNING keys={len(keyboard.keys)} seconds={elapsed:.1f} ({' '.join(keyboard.keys)})"
    )
    order = committed(
        venue_a, lambda: Order.objects.select_related("contact").prefetch_related("tickets").get()
    )
    assert order.contact.last_name == "Lefèvre" and order.status == Order.Status.PAID
    assert order.total_cents == 2 * (1500 + 50)
    assert elapsed < MAX_SECONDS, f"{elapsed:.1f} s"
    assert len(keyboard.keys) <= MAX_KEYS_RETURNING, keyboard.keys


def test_a_new_buyer_is_typed_in_and_pays_cash_with_change(counter, venue_a):
    page, performance = counter
    keyboard = Keyboard(page)
    started = time.perf_counter()
    _find_performance(keyboard, page, performance)
    keyboard.type("1")
    hint = page.locator("[data-bo-identity]")
    assert hint.is_visible()  # anonymous so far: the screen asks for an email or a postcode
    keyboard.press("Alt+n")  # straight to the new buyer's fields
    assert page.evaluate("document.activeElement.name") == "first_name"
    keyboard.type("Léa")
    keyboard.press("Tab")
    keyboard.type("Martin")
    keyboard.press("Tab")
    keyboard.type("lea.martin@free.fr")
    assert hint.is_hidden()
    keyboard.press("Alt+1")  # cash: the amount handed over
    keyboard.type("30")
    page.locator("[data-bo-change] strong").wait_for()
    assert "4,50" in page.locator("[data-bo-change]").inner_text()  # 30 − 25,50
    _shoot(page, "counter-speed-new-before-sale")
    keyboard.press("Enter")
    page.wait_for_url("**/box-office/receipt/*/")
    assert "4,50" in page.locator(".bo-change-big").inner_text()
    _print(keyboard, page)
    elapsed = time.perf_counter() - started
    _shoot(page, "counter-speed-new-receipt")
    print(f"\nNEW keys={len(keyboard.keys)} seconds={elapsed:.1f}")
    order = committed(venue_a, lambda: Order.objects.select_related("contact").get())
    assert order.contact.email == "lea.martin@free.fr" and order.contact.first_name == "Léa"
    assert elapsed < MAX_SECONDS, f"{elapsed:.1f} s"


def test_the_shortcuts_work_from_anywhere_on_the_sale_screen(counter, venue_a):
    page, performance = counter
    keyboard = Keyboard(page)
    _find_performance(keyboard, page, performance)
    search = "document.activeElement?.id === 'bo-q'"
    keyboard.press("/")  # from the quantity field (a number: "/" is no character there)
    page.wait_for_function(search)
    keyboard.press("Alt+n")
    keyboard.type("Jean")  # in a text field "/" is a character...
    keyboard.press("/")
    assert page.evaluate("document.activeElement.value") == "Jean/"
    keyboard.press("F2")  # ...F2 and Alt+/ reach the search from there too
    page.wait_for_function(search)
    page.locator("#id_email").focus()
    keyboard.press("Alt+/")
    page.wait_for_function(search)
    # Enter in a tariff menu confirms the sale, as in any other field; paid by card, the
    # screen first shows the amount to key in on the terminal and waits for staff.
    page.locator("#id_first_name").fill("")
    page.locator("#best_" + str(_first_category(venue_a, performance))).fill("1")
    keyboard.press("Alt+2")  # card (counter terminal)
    page.locator("#bo-tariff").focus()
    keyboard.press("Enter")
    card = page.locator("[data-bo-card-confirm]")
    card.wait_for()
    assert "25,50" in card.locator("[data-bo-card-amount]").inner_text()
    keyboard.press("Escape")  # declined: nothing sold, back to the amount
    assert card.is_hidden() and "/receipt/" not in page.url
    page.locator("#bo-tariff").focus()
    keyboard.press("Enter")
    card.wait_for()
    keyboard.press("Enter")  # the terminal accepted it
    page.wait_for_url("**/box-office/receipt/*/")
    order = committed(venue_a, lambda: Order.objects.prefetch_related("payments").get())
    assert [p.method for p in order.payments.all()] == ["card_counter"]


def _first_category(venue, performance) -> int:
    return committed(venue, lambda: performance.categories.order_by("pk").first().pk)
