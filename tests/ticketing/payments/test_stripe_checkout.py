"""The storefront paid with Stripe (localstripe behind the real `stripe` library): the payment
page, the return page that asks Stripe, declines, 3-D Secure, late payments, a changed price,
saved cards, and the webhooks (signed, once, in any order)."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from tenants.accounts.models import AuditEvent
from tenants.events.models import Event
from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance
from tests.ticketing.test_storefront import BUYER, seat_ids, statuses
from ticketing.models import (
    Hold,
    OnlinePayment,
    Order,
    Payment,
    PaymentCustomer,
    Price,
    ProviderEvent,
)
from ticketing.services import inventory, orders
from ticketing.specs import HoldRequest, TariffChoice

from .conftest import CARD_3DS, CARD_DECLINED, SECRETS, deliver, event, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def spectator(stripe_alpha, client_for):
    client = client_for(stripe_alpha)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def show(stripe_alpha):
    with in_venue(stripe_alpha):
        return build_performance()


def start(spectator, venue, performance, *labels, **extra):
    """Seats held, then "Continue to payment": the payment row and the page's client secret."""
    ids = seat_ids(venue, performance, *labels)
    spectator.post(f"/performances/{performance.pk}/hold/", {"seats": ids})
    page = spectator.get("/checkout/").content.decode()
    shown = re.search(r'name="shown_total" value="(\d+)"', page).group(1)
    response = spectator.post(
        "/checkout/", {**BUYER, "action": "pay", "shown_total": shown, **extra}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"].startswith("/checkout/payment/")
    page = spectator.get(response["Location"]).content.decode()
    secret = re.search(r'data-client-secret="([^"]+)"', page).group(1)
    with in_venue(venue):
        payment = OnlinePayment.objects.get(token=response["Location"].split("/")[3])
    return payment, secret, response["Location"], ids


def test_a_card_payment_from_cart_to_confirmation(spectator, show, fake, stripe_alpha):
    payment, secret, page_url, ids = start(spectator, stripe_alpha, show, "A1", "A2")
    page = spectator.get(page_url).content.decode()
    assert f'src="{fake.base}/js.stripe.com/v3/"' in page  # the one outside script
    assert 'data-publishable-key="pk_test_alpha"' in page
    assert payment.amount_cents == 5000 and payment.currency == "EUR"
    assert fake.intent(payment.intent_id)["amount"] == 5000  # exactly the amount quoted
    with in_venue(stripe_alpha):
        assert not Order.objects.exists()  # no order before the money
        hold = Hold.objects.get(pk=payment.hold_id)
        assert hold.expires_at > timezone.now() + timedelta(minutes=14)  # kept while paying
    assert statuses(stripe_alpha, show, ids) == {"held"}

    # The browser's word is not enough: before paying, the return page changes nothing.
    assert spectator.get(page_url + "return/").status_code == 302
    with in_venue(stripe_alpha):
        assert not Order.objects.exists()

    assert fake.pay(secret)["status"] == "succeeded"
    response = spectator.get(page_url + "return/")
    with in_venue(stripe_alpha):
        order = Order.objects.get()
        assert response["Location"] == f"/orders/{order.reference}/"
        assert order.status == Order.Status.PAID and order.total_cents == 5000
        [paid] = order.payments.all()
        assert (paid.method, paid.amount_cents) == (Payment.Method.ONLINE, 5000)
        assert paid.provider_reference == payment.intent_id
        payment.refresh_from_db()
        assert payment.order == order and payment.outcome == "order"
        confirmed = Event.objects.get(code="ticketing.order.confirmed")
        assert confirmed.data["order_id"] == order.pk  # the confirmation email hangs off it
    assert statuses(stripe_alpha, show, ids) == {"sold"}
    assert order.reference in spectator.get(response["Location"]).content.decode()

    # Stripe's webhook for the same success, then the same event again: nothing more.
    intent = fake.intent(payment.intent_id)
    body = event("evt_ok_1", "payment_intent.succeeded", intent)
    assert deliver(spectator, stripe_alpha, body).json()["outcome"] == "settled"
    assert deliver(spectator, stripe_alpha, body).json()["outcome"] == "duplicate"
    with in_venue(stripe_alpha):
        assert Order.objects.count() == 1
        assert Event.objects.filter(code="ticketing.order.confirmed").count() == 1


def test_three_d_secure_pays_once_authenticated(spectator, show, fake, stripe_alpha):
    _payment, secret, page_url, _ids = start(spectator, stripe_alpha, show, "A1")
    assert fake.pay(secret, CARD_3DS)["status"] == "requires_action"
    spectator.get(page_url + "return/")
    with in_venue(stripe_alpha):
        assert not Order.objects.exists()
    fake.authenticate(secret, success=True)
    response = spectator.get(page_url + "return/")
    assert response["Location"].startswith("/orders/")


def test_a_declined_card_says_so_and_may_be_retried(spectator, show, fake, stripe_alpha):
    payment, secret, page_url, ids = start(spectator, stripe_alpha, show, "A1")
    answer = fake.pay(secret, CARD_DECLINED)
    assert answer["error"]["message"]
    response = spectator.get(page_url + "return/", follow=True)
    page = response.content.decode()
    assert "Your payment did not go through" in page and "Nothing was charged" in page
    with in_venue(stripe_alpha):
        payment.refresh_from_db()
        assert payment.status == OnlinePayment.Status.FAILED and not Order.objects.exists()
    assert statuses(stripe_alpha, show, ids) == {"held"}  # the places wait for the retry
    assert fake.pay(secret)["status"] == "succeeded"
    assert spectator.get(page_url + "return/")["Location"].startswith("/orders/")


def test_an_abandoned_payment_puts_the_places_back_on_sale(spectator, show, fake, stripe_alpha):
    payment, secret, page_url, ids = start(spectator, stripe_alpha, show, "A1", "A2")
    fake.pay(secret, CARD_DECLINED)
    later = timezone.now() + timedelta(minutes=16)
    with time_machine.travel(later, tick=False), in_venue(stripe_alpha):
        assert inventory.release_expired_holds() == 1
        assert orders.cancel_abandoned_payments() == 1
        payment.refresh_from_db()
        assert payment.status == OnlinePayment.Status.CANCELED
        assert not Order.objects.exists()  # no half-paid order, ever
    assert statuses(stripe_alpha, show, ids) == {"available"}
    assert fake.intent(payment.intent_id)["status"] == "canceled"  # cannot be paid any more
    # The buyer, still on the payment page, is told and sent back to choose again.
    response = spectator.get(page_url, follow=True)
    assert "Your payment was cancelled and your places released." in response.content.decode()
    assert response.redirect_chain[-1][0] == f"/performances/{show.pk}/"


def test_a_late_payment_is_honoured_when_the_places_are_still_free(
    spectator, show, fake, stripe_alpha
):
    _payment, secret, page_url, ids = start(spectator, stripe_alpha, show, "A1")
    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        with in_venue(stripe_alpha):
            inventory.release_expired_holds()
        assert statuses(stripe_alpha, show, ids) == {"available"}
        fake.pay(secret)
        response = spectator.get(page_url + "return/")
    assert response["Location"].startswith("/orders/")
    with in_venue(stripe_alpha):
        assert Order.objects.get().status == Order.Status.PAID
        assert AuditEvent.objects.filter(code="ticketing.payment.late_honoured").exists()
    assert statuses(stripe_alpha, show, ids) == {"sold"}


def test_a_late_payment_for_places_taken_since_is_refunded_and_said(
    spectator, show, fake, stripe_alpha
):
    payment, secret, page_url, ids = start(spectator, stripe_alpha, show, "A1")
    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        with in_venue(stripe_alpha):
            inventory.release_expired_holds()
            plein = Price.objects.filter(category__performance=show).first().tariff
            orders.sell(  # someone else buys the seat at the counter
                performance=show,
                request=HoldRequest(seat_ids=ids),
                tariffs=TariffChoice(plein.pk),
                pay_total_with="cash",
            )
        fake.pay(secret)
        # The webhook comes first this time; the buyer's return finds it settled.
        body = event("evt_late_1", "payment_intent.succeeded", fake.intent(payment.intent_id))
        assert deliver(spectator, stripe_alpha, body).json()["outcome"] == "settled"
        page = spectator.get(page_url + "return/").content.decode()
    assert "Your places were no longer available" in page and "refunded" in page
    [refund] = fake.refunds(payment.intent_id)
    assert refund["amount"] == payment.amount_cents
    with in_venue(stripe_alpha):
        payment.refresh_from_db()
        assert payment.outcome == "refunded" and payment.refunded_cents == payment.amount_cents
        assert Order.objects.count() == 1  # the counter's, only
        told = Event.objects.get(code="ticketing.payment.refunded_unfulfilled")
        assert told.data["email"] == BUYER["email"]


def test_a_price_changed_since_it_was_shown_is_refused(spectator, show, stripe_alpha):
    a1 = seat_ids(stripe_alpha, show, "A1")
    spectator.post(f"/performances/{show.pk}/hold/", {"seats": a1})
    page = spectator.get("/checkout/").content.decode()
    shown = re.search(r'name="shown_total" value="(\d+)"', page).group(1)
    with in_venue(stripe_alpha):
        Price.objects.filter(category__performance=show).update(amount_cents=2900)
    response = spectator.post("/checkout/", {**BUYER, "action": "pay", "shown_total": shown})
    page = response.content.decode()
    assert response.status_code == 200
    assert "The price changed since it was shown to you" in page and "29.00" in page
    assert "Nothing was charged" in page
    with in_venue(stripe_alpha):
        assert not OnlinePayment.objects.exists()


def test_webhooks_out_of_order_change_nothing_after_success(spectator, show, fake, stripe_alpha):
    payment, secret, _page_url, _ids = start(spectator, stripe_alpha, show, "A1")
    fake.pay(secret, CARD_DECLINED)
    declined = fake.intent(payment.intent_id)
    fake.pay(secret)
    paid = fake.intent(payment.intent_id)
    assert deliver(spectator, stripe_alpha, event("evt_2", "payment_intent.succeeded", paid))
    # The older "declined" and a "canceled" arrive after the success.
    deliver(spectator, stripe_alpha, event("evt_1", "payment_intent.payment_failed", declined))
    canceled = {**paid, "status": "canceled"}
    deliver(spectator, stripe_alpha, event("evt_3", "payment_intent.canceled", canceled))
    with in_venue(stripe_alpha):
        payment.refresh_from_db()
        assert payment.status == OnlinePayment.Status.SUCCEEDED and payment.outcome == "order"
        assert Order.objects.get().status == Order.Status.PAID
        assert ProviderEvent.objects.count() == 3


def test_a_failed_then_canceled_payment_frees_the_cart(spectator, show, fake, stripe_alpha):
    payment, secret, _page_url, ids = start(spectator, stripe_alpha, show, "A1")
    fake.pay(secret, CARD_DECLINED)
    body = event("evt_f", "payment_intent.payment_failed", fake.intent(payment.intent_id))
    deliver(spectator, stripe_alpha, body)
    with in_venue(stripe_alpha):
        payment.refresh_from_db()
        assert payment.status == OnlinePayment.Status.FAILED and payment.last_error
    canceled = {**fake.intent(payment.intent_id), "status": "canceled"}
    deliver(spectator, stripe_alpha, event("evt_c", "payment_intent.canceled", canceled))
    assert statuses(stripe_alpha, show, ids) == {"available"}


def test_a_badly_signed_webhook_is_refused(spectator, stripe_alpha, venue_b):
    body = event("evt_x", "payment_intent.succeeded", {"id": "pi_nope"})
    assert deliver(spectator, stripe_alpha, body, secret="whsec_wrong").status_code == 400
    response = spectator.post(
        "/payments/stripe/webhook/", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    # A genuine signature replayed ten minutes later is refused too (Stripe's tolerance: 5).
    stale = sign(body, SECRETS["alpha"][2], timestamp=int(time.time()) - 600)
    response = spectator.post(
        "/payments/stripe/webhook/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stale,
    )
    assert response.status_code == 400
    with in_venue(stripe_alpha):
        assert not ProviderEvent.objects.exists()


def test_a_dispute_is_recorded_on_the_order(spectator, show, fake, stripe_alpha):
    payment, secret, page_url, _ids = start(spectator, stripe_alpha, show, "A1")
    fake.pay(secret)
    spectator.get(page_url + "return/")
    dispute = {
        "id": "dp_1",
        "payment_intent": payment.intent_id,
        "amount": 2500,
        "reason": "fraudulent",
    }
    for _ in range(2):
        deliver(spectator, stripe_alpha, event("evt_d", "charge.dispute.created", dispute))
    with in_venue(stripe_alpha):
        payment.refresh_from_db()
        assert payment.disputed
        assert AuditEvent.objects.filter(code="ticketing.order.disputed").count() == 1
        assert Event.objects.get(code="ticketing.order.disputed").data["reason"] == "fraudulent"


def test_a_returning_spectator_pays_in_one_tap_with_the_saved_card(
    spectator, show, fake, stripe_alpha
):
    payment, secret, page_url, _ids = start(spectator, stripe_alpha, show, "A1", save_card="on")
    fake.pay(secret)
    response = spectator.get(page_url + "return/")
    assert "parterre_wallet" in response.cookies
    with in_venue(stripe_alpha):
        customer = PaymentCustomer.objects.get()
        assert customer.customer_id == payment.customer_id

    b1 = seat_ids(stripe_alpha, show, "B1")
    spectator.post(f"/performances/{show.pk}/hold/", {"seats": b1})
    page = spectator.get("/checkout/").content.decode()
    assert "Visa •••• 4242" in page or "•••• 4242" in page
    assert f'value="{BUYER["email"]}"' in page  # nothing to type again
    form = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page))
    fields = {k: form.get(k, "") for k in ("email", "first_name", "last_name", "shown_total")}
    response = spectator.post("/checkout/", {**fields, "action": "pay_saved"})
    assert response["Location"].startswith("/orders/"), response.content.decode()[:1500]
    with in_venue(stripe_alpha):
        assert Order.objects.filter(status="paid").count() == 2
        second = OnlinePayment.objects.order_by("-pk").first()
    assert (
        fake.intent(second.intent_id)["payment_method"]
        == fake.intent(payment.intent_id)["payment_method"]
    )


def test_the_offline_provider_still_pays_at_once_without_stripe_keys(
    venue_a, client_for, performance
):
    client = client_for(venue_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    a1 = seat_ids(venue_a, performance, "A1")
    client.post(f"/performances/{performance.pk}/hold/", {"seats": a1})
    assert "Pay (test payment)" in client.get("/checkout/").content.decode()
    response = client.post("/checkout/", {**BUYER, "action": "pay"})
    assert response["Location"].startswith("/orders/")
    with in_venue(venue_a):
        payment = OnlinePayment.objects.get()
        assert payment.provider == "offline_test" and payment.outcome == "order"
    assert connection.schema_name == "public"


def test_a_price_changed_during_the_payment_is_refunded_not_charged_differently(
    spectator, show, fake, stripe_alpha
):
    payment, secret, page_url, ids = start(spectator, stripe_alpha, show, "A1")
    with in_venue(stripe_alpha):
        Price.objects.filter(category__performance=show).update(amount_cents=2900)
    fake.pay(secret)
    page = spectator.get(page_url + "return/").content.decode()
    assert "The price changed during your payment" in page
    assert [r["amount"] for r in fake.refunds(payment.intent_id)] == [2500]
    with in_venue(stripe_alpha):
        payment.refresh_from_db()
        assert payment.outcome == "refunded_price" and not Order.objects.exists()
    assert statuses(stripe_alpha, show, ids) == {"available"}  # back on sale at once


def test_paying_twice_from_the_same_cart_reuses_the_payment(spectator, show, stripe_alpha):
    payment, _secret, _page_url, _ids = start(spectator, stripe_alpha, show, "A1")
    page = spectator.get("/checkout/").content.decode()
    shown = re.search(r'name="shown_total" value="(\d+)"', page).group(1)
    response = spectator.post("/checkout/", {**BUYER, "action": "pay", "shown_total": shown})
    assert response["Location"] == f"/checkout/payment/{payment.token}/"
    with in_venue(stripe_alpha):
        assert OnlinePayment.objects.count() == 1


def test_the_cart_is_kept_for_the_payment_once_not_for_ever(spectator, show, stripe_alpha):
    payment, _secret, _page_url, _ids = start(spectator, stripe_alpha, show, "A1")
    with in_venue(stripe_alpha):
        hold = Hold.objects.get(pk=payment.hold_id)
        first = hold.expires_at
    # Ten minutes later the buyer starts again with another tariff (a new payment).
    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False):
        page = spectator.get("/checkout/").content.decode()
        reduced = re.search(r'<option value="(\d+)"[^>]*>Tarif réduit|<option value="(\d+)"', page)
        with in_venue(stripe_alpha):
            reduit = Price.objects.filter(category__performance=show, tariff__code="reduit")[0]
        field = re.search(r'name="(tariff_seat_\d+)"', page).group(1)
        assert reduced
        response = spectator.post(
            "/checkout/",
            {**BUYER, "action": "pay", field: reduit.tariff_id, "shown_total": "1500"},
        )
        assert response.status_code == 302
    with in_venue(stripe_alpha):
        hold.refresh_from_db()
        assert OnlinePayment.objects.count() == 2
        # At most the cart's own time plus one payment's: 10 + 15 minutes from its creation.
        assert hold.expires_at <= hold.created_at + timedelta(minutes=25, seconds=1)
        assert hold.expires_at >= first


def test_a_saved_card_that_asks_for_3d_secure_finishes_in_the_browser(
    spectator, show, fake, stripe_alpha
):
    _payment, secret, page_url, _ids = start(spectator, stripe_alpha, show, "A1", save_card="on")
    fake.pay(secret, CARD_3DS)
    fake.authenticate(secret)
    spectator.get(page_url + "return/")
    b1 = seat_ids(stripe_alpha, show, "B1")
    spectator.post(f"/performances/{show.pk}/hold/", {"seats": b1})
    page = spectator.get("/checkout/").content.decode()
    form = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page))
    fields = {k: form.get(k, "") for k in ("email", "first_name", "last_name", "shown_total")}
    response = spectator.post("/checkout/", {**fields, "action": "pay_saved"})
    assert response["Location"].startswith("/checkout/payment/")  # the bank asks again
    page = spectator.get(response["Location"]).content.decode()
    assert 'data-next-action="1"' in page
    second_secret = re.search(r'data-client-secret="([^"]+)"', page).group(1)
    fake.authenticate(second_secret)
    assert spectator.get(response["Location"] + "return/")["Location"].startswith("/orders/")
    with in_venue(stripe_alpha):
        assert Order.objects.filter(status="paid").count() == 2
