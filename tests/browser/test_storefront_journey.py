"""A spectator's purchase on a phone, in a real browser."""

import pytest

from tests.helpers import committed
from tests.ticketing.conftest import build_performance
from ticketing import selectors
from ticketing.models import Hold, Order, PerformanceSeat, Tariff


def _wipe_committed_ticketing() -> None:
    from crm.models import Contact
    from tenants.accounts.models import AuditEvent
    from ticketing.models import (
        CheckoutStep,
        Hall,
        OnlinePayment,
        Performance,
        PerformanceZone,
        PriceCategory,
        SalesSettings,
        Show,
        TicketSigningKey,
    )

    OnlinePayment.objects.all().delete()
    Order.objects.all().delete()
    Hold.objects.all().delete()
    PerformanceSeat.objects.all().delete()
    PerformanceZone.objects.all().delete()
    PriceCategory.objects.all().delete()
    Performance.objects.all().delete()
    Show.objects.all().delete()
    Hall.objects.all().delete()
    Tariff.objects.all().delete()
    Contact.objects.all().delete()
    # Made on the first ticket issued: a venue without tickets has none (test_ticket_signing).
    TicketSigningKey.objects.all().delete()
    # Made on their first read, or by the storefront's pages: a seeded venue has none.
    SalesSettings.objects.all().delete()
    CheckoutStep.objects.all().delete()
    AuditEvent.objects.filter(code__startswith="ticketing.").delete()
    AuditEvent.objects.filter(code__startswith="crm.").delete()  # (about the contacts gone)


@pytest.mark.browser
def test_a_spectator_picks_seats_on_a_phone_and_pays(phone, url, venue_a):
    performance = committed(venue_a, build_performance)
    try:
        phone.goto(url(venue_a, f"/performances/{performance.pk}/"))
        seats = phone.locator("#store-map g.seat[data-selectable='1']")
        seats.nth(0).tap()  # a finger on the first free seat...
        seats.nth(0).focus()  # ...then the keyboard to the next free one
        for _ in range(10):
            phone.keyboard.press("ArrowRight")
            if phone.evaluate("document.activeElement.dataset.selectable") == "1":
                break
        phone.keyboard.press("Space")
        assert phone.locator("#store-map g.seat[aria-pressed='true']").count() == 2
        assert phone.locator("[data-seatmap-inputs] input[name='seats']").count() == 2
        assert "2" in phone.locator("[data-seatmap-live]").inner_text()
        phone.locator("[data-seat-submit]").click()  # in the bar kept at the bottom
        phone.wait_for_url("**/checkout/")
        assert phone.locator("[data-countdown]").inner_text()  # the countdown runs
        phone.locator("input[name=email]").fill("lea.dupont@example.fr")
        phone.locator("input[name=first_name]").fill("Léa")
        phone.locator("input[name=last_name]").fill("Dupont")
        phone.locator("button[value=pay]").click()
        phone.wait_for_url("**/orders/**")
        order = committed(venue_a, lambda: Order.objects.select_related().get())
        assert order.status == Order.Status.PAID
        assert order.reference in phone.locator(".reference").inner_text()
        sold = committed(
            venue_a,
            lambda: PerformanceSeat.objects.filter(
                performance_id=performance.pk, status="sold"
            ).count(),
        )
        assert sold == 2
        # The order's history names the spectator (no staff member, no token) as its buyer.
        kinds = committed(
            venue_a,
            lambda: {e.code: e.actor_kind for e in selectors.order_events(order)},
        )
        assert kinds["ticketing.order.created"] == "spectator"
    finally:
        committed(venue_a, _wipe_committed_ticketing)
