"""A reservation that expires, in a real browser: the counter reserves a seat for a buyer who
pays later (Alt+R), finds it in the open reservations list, then the deadline passes (the
release task run under a moved clock) and the same seat is sold again at the counter."""

from datetime import timedelta

import pytest
import time_machine

from tenants.accounts.models import User
from tests.browser.test_boxoffice_buyer_search import _shoot
from tests.browser.test_storefront_journey import _wipe_committed_ticketing
from tests.helpers import PASSWORD, committed
from tests.ticketing.conftest import build_performance
from ticketing.models import Order, PerformanceSeat
from ticketing.tasks import release_expired_reservations_task

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

CLERK = "browser-reservations@alpha.test"


def _seat_status(performance, label):
    return PerformanceSeat.objects.get(performance=performance, seat__label=label).status


def _pick_seat(page, label: str) -> None:
    page.locator("#bo-labels").fill(label)
    page.locator("#bo-add-labels").click()
    page.locator("#selection-lines").get_by_text(label).first.wait_for()


def test_a_reservation_expires_and_its_seat_is_sold_again(page, url, venue_a):
    performance = committed(venue_a, build_performance)
    committed(
        venue_a,
        lambda: User.objects.create_user(
            CLERK, PASSWORD, role=User.Role.BOX_OFFICE, full_name="Rita Réservation"
        ),
    )
    try:
        sale_url = url(venue_a, f"/backoffice/box-office/{performance.pk}/")
        page.goto(sale_url)
        page.get_by_label("E-mail", exact=True).fill(CLERK)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Connexion").click()
        page.wait_for_url(f"**/box-office/{performance.pk}/")

        # Reserve A1 for a buyer who pays later: Alt+R from the sale screen.
        _pick_seat(page, "A1")
        page.locator("#id_last_name").fill("Martin")
        page.locator("#id_email").fill("lea.martin@example.fr")
        _shoot(page, "reservation-counter-block")
        page.keyboard.press("Alt+r")
        page.wait_for_url("**/backoffice/orders/*/")
        order = committed(venue_a, lambda: Order.objects.get())
        assert order.status == "pending" and order.pay_by is not None
        assert committed(venue_a, lambda: _seat_status(performance, "A1")) == "sold"
        assert page.locator(".badge-warning").first.is_visible()  # "reserved"
        _shoot(page, "reservation-order-page")

        # The open reservations list shows it with its deadline.
        page.goto(url(venue_a, "/backoffice/box-office/reservations/"))
        row = page.locator("tbody tr", has_text=order.reference)
        row.wait_for()
        assert "Martin" in row.inner_text()
        _shoot(page, "reservation-list")

        # The deadline passes: the per-venue task releases it (the clock moved).
        with time_machine.travel(order.pay_by + timedelta(minutes=1), tick=True):
            assert committed(venue_a, release_expired_reservations_task) == 1
        order = committed(venue_a, lambda: Order.objects.get())
        assert order.status == "cancelled"
        assert committed(venue_a, lambda: _seat_status(performance, "A1")) == "available"
        page.reload()
        assert page.locator("tbody tr", has_text=order.reference).count() == 0

        # The seat is on sale again: sold at the counter (cash, Enter).
        page.goto(sale_url)
        _pick_seat(page, "A1")
        page.locator(".bo-confirm").click()
        page.wait_for_url("**/box-office/receipt/*/")
        assert committed(venue_a, lambda: _seat_status(performance, "A1")) == "sold"
        assert committed(venue_a, lambda: Order.objects.filter(status="paid").count()) == 1
        _shoot(page, "reservation-seat-sold-again")
    finally:
        committed(venue_a, _wipe_committed_ticketing)
        committed(venue_a, lambda: User.objects.filter(email=CLERK).delete())
