"""Refunds of orders paid online go back to the card through Stripe (back office and API);
each venue's keys are its own, stored encrypted, shown masked; webhooks stay in their venue."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from tenants.accounts.models import AuditEvent, User
from tenants.accounts.services import create_api_token
from tests.helpers import host_for, in_venue
from tests.ticketing.conftest import build_performance
from tests.ticketing.test_storefront import BUYER
from ticketing.models import OnlinePayment, Order, PaymentSettings
from ticketing.payments import provider_for_venue
from ticketing.services import inventory, orders
from ticketing.specs import Buyer, HoldRequest, TariffChoice

from .conftest import SECRETS, deliver, event, use_stripe

pytestmark = pytest.mark.django_db


def paid_online(venue, fake, seats: int = 2) -> tuple[Order, OnlinePayment]:
    """An order paid with Stripe, through the services a storefront calls."""
    with in_venue(venue):
        performance = build_performance()
        hold = inventory.create_hold(
            performance=performance, request=HoldRequest(best_available=seats)
        )
        plein = performance.categories.first().prices.get(tariff__code="plein").tariff
        provider = provider_for_venue()
        payment = orders.start_online_payment(
            hold_token=hold.token,
            tariffs=TariffChoice(plein.pk),
            buyer=Buyer(**BUYER),
            shown_total_cents=2500 * seats,
            provider=provider,
        )
        fake.pay(provider.retrieve(payment.intent_id).client_secret)
        payment = orders.refresh_online_payment(payment=payment)
        return payment.order, payment


def test_a_partial_refund_goes_back_to_the_card(stripe_alpha, fake):
    order, payment = paid_online(stripe_alpha, fake)
    with in_venue(stripe_alpha):
        first = order.tickets.first()
        orders.refund_order(order=order, ticket_ids=[first.pk], method="online")
        order.refresh_from_db()
        assert order.status == Order.Status.PARTIALLY_REFUNDED
        refund_row = order.payments.get(amount_cents__lt=0)
        assert refund_row.amount_cents == -2500 and refund_row.provider_reference.startswith("re_")
        payment.refresh_from_db()
        assert payment.refunded_cents == 2500
    [refund] = fake.refunds(payment.intent_id)
    assert refund["amount"] == 2500 and refund["id"] == refund_row.provider_reference

    # Stripe then tells us about that refund: known already, nothing recorded twice.
    charge = {"id": "ch_1", "payment_intent": payment.intent_id, "amount_refunded": 2500}
    web = Client()
    assert (
        deliver(web, stripe_alpha, event("evt_r1", "charge.refunded", charge)).json()["outcome"]
        == "known"
    )
    # A refund made in Stripe's dashboard is recorded for staff to act on.
    fake.refund(payment.intent_id, 1000)
    charge = {**charge, "amount_refunded": 3500}
    body = event("evt_r2", "charge.refunded", charge)
    assert deliver(web, stripe_alpha, body).json()["outcome"] == "recorded"
    with in_venue(stripe_alpha):
        assert AuditEvent.objects.filter(code="ticketing.payment.refunded_at_provider").exists()


def test_the_api_refunds_an_online_order_to_the_card(stripe_alpha, fake, make_staff, client_for):
    order, payment = paid_online(stripe_alpha, fake, seats=1)
    user = make_staff(stripe_alpha, User.Role.BOX_OFFICE)
    with in_venue(stripe_alpha):
        _token, key = create_api_token(name="t", user=user, actor=user)
    api = client_for(stripe_alpha)
    response = api.post(
        f"/api/v1/orders/{order.reference}/refund/",
        {"method": "online"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "refunded"
    assert sum(r["amount"] for r in fake.refunds(payment.intent_id)) == 2500
    # More than what was paid online cannot go back to the card.
    with in_venue(stripe_alpha):
        other = orders.sell(
            performance=order.tickets.first().performance,
            request=HoldRequest(best_available=1),
            tariffs=TariffChoice(order.tickets.first().tariff_id),
            pay_total_with="cash",
        )
    response = api.post(
        f"/api/v1/orders/{other.reference}/refund/",
        {"method": "online"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 400 and "not paid online" in response.content.decode()


def test_the_back_office_refund_offers_the_card(stripe_alpha, fake, make_staff, client_for):
    order, payment = paid_online(stripe_alpha, fake, seats=1)
    staff = client_for(stripe_alpha, make_staff(stripe_alpha, User.Role.BOX_OFFICE))
    staff.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = staff.get(f"/backoffice/orders/{order.pk}/").content.decode()
    assert 'value="online"' in page
    response = staff.post(
        f"/backoffice/orders/{order.pk}/refund/",
        {"method": "online", "include_fees": "on", "confirm": "1"},
    )
    assert response.status_code == 302
    assert [r["amount"] for r in fake.refunds(payment.intent_id)] == [2500]


def test_keys_are_stored_encrypted_and_shown_masked(
    stripe_settings, venue_a, make_staff, client_for
):
    use_stripe(venue_a)
    publishable, secret, webhook = SECRETS["alpha"]
    with in_venue(venue_a), connection.cursor() as cursor:
        cursor.execute(
            "SELECT stripe_secret_key, stripe_webhook_secret FROM ticketing_paymentsettings"
        )
        stored = cursor.fetchone()
        assert secret not in stored[0] and webhook not in stored[1]
        assert PaymentSettings.current().stripe_secret_key == secret  # decrypted in Python
    admin = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    admin.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = admin.get("/backoffice/payments/").content.decode()
    assert "sk_test_…4242" in page and "whsec_…1111" in page
    assert secret not in page and webhook not in page
    assert f"http://{host_for(venue_a)}/payments/stripe/webhook/" in page
    # Saving without typing the secrets again keeps them.
    admin.post("/backoffice/payments/", {"publishable_key": publishable})
    with in_venue(venue_a):
        row = PaymentSettings.current()
        assert row.stripe_secret_key == secret and row.stripe_webhook_secret == webhook
        audit = AuditEvent.objects.filter(code="ticketing.payment_settings.updated")
        assert secret not in str(list(audit.values_list("changes", "data")))
    # A live key with a test key is refused.
    page = admin.post(
        "/backoffice/payments/", {"publishable_key": "pk_live_x", "secret_key": "sk_test_y"}
    ).content.decode()
    assert "Both keys must be test keys, or both live keys." in page
    # The box office does not see this page.
    box = client_for(venue_a, make_staff(venue_a, User.Role.BOX_OFFICE))
    assert box.get("/backoffice/payments/").status_code == 403


def test_each_venue_pays_with_its_own_keys_and_webhooks_stay_home(
    stripe_settings, venue_a, venue_b, fake
):
    use_stripe(venue_a)
    use_stripe(venue_b)
    with in_venue(venue_a):
        assert provider_for_venue().publishable_key == "pk_test_alpha"
    with in_venue(venue_b):
        assert provider_for_venue().publishable_key == "pk_test_beta"
    _order, payment = paid_online(venue_a, fake, seats=1)
    web = Client()
    intent = fake.intent(payment.intent_id)
    body = event("evt_iso", "payment_intent.succeeded", intent)
    # Signed with alpha's secret, sent to beta: refused. Signed with beta's: unknown there.
    assert deliver(web, venue_b, body, secret=SECRETS["alpha"][2]).status_code == 400
    assert deliver(web, venue_b, body).json()["outcome"] == "unknown"
    with in_venue(venue_b):
        assert not OnlinePayment.objects.exists()
    # A payment page of one venue means nothing on another.
    assert (
        Client(HTTP_HOST=host_for(venue_b)).get(f"/checkout/payment/{payment.token}/").status_code
        == 404
    )


def test_a_venue_without_keys_and_without_the_test_payment_sells_nothing(
    settings, venue_a, client_for
):
    settings.PARTERRE_OFFLINE_TEST_PAYMENTS = False
    settings.PARTERRE_STRIPE_SECRET_KEY = ""
    with in_venue(venue_a):
        performance = build_performance()
        assert provider_for_venue() is None
    client = client_for(venue_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(f"/performances/{performance.pk}/").content.decode()
    assert "Tickets are not sold online yet" in page


def _wipe() -> None:
    from tenants.events.models import Event
    from tests.browser.test_storefront_journey import _wipe_committed_ticketing
    from ticketing.models import PaymentCustomer, ProviderEvent

    for model in (OnlinePayment, ProviderEvent, PaymentSettings, PaymentCustomer):
        model.objects.all().delete()
    Event.objects.filter(code__startswith="ticketing.").delete()
    AuditEvent.objects.filter(code__startswith="ticketing.").delete()
    _wipe_committed_ticketing()


def test_the_webhook_and_the_buyers_return_at_once_write_one_order(stripe_settings, venue_a, fake):
    """Two real connections settle the same payment at the same moment: the payment's row
    lock lets one write the order; the other finds it settled."""
    from tests.helpers import committed, run_together
    from ticketing.payments import WebhookEvent

    def setup():
        performance = build_performance()
        hold = inventory.create_hold(performance=performance, request=HoldRequest(best_available=1))
        plein = performance.categories.first().prices.get(tariff__code="plein").tariff
        provider = provider_for_venue()
        payment = orders.start_online_payment(
            hold_token=hold.token,
            tariffs=TariffChoice(plein.pk),
            buyer=Buyer(**BUYER),
            shown_total_cents=2500,
            provider=provider,
        )
        return payment.pk, payment.intent_id, provider.retrieve(payment.intent_id).client_secret

    try:
        committed(venue_a, lambda: use_stripe(venue_a))
        pk, intent_id, secret = committed(venue_a, setup)
        fake.pay(secret)
        paid = fake.intent(intent_id)

        def settle(i: int):
            payment = OnlinePayment.objects.get(pk=pk)
            if i % 2:
                return orders.refresh_online_payment(payment=payment).order_id
            provider = provider_for_venue()
            # The same event delivered twice at once, as Stripe may.
            event = WebhookEvent("evt_race", "payment_intent.succeeded", paid)
            outcomes.append(orders.handle_provider_event(provider=provider, event=event))
            return OnlinePayment.objects.get(pk=pk).order_id

        outcomes: list[str] = []
        results = run_together(venue_a, settle, threads=4)
        assert len(set(results)) == 1 and results[0] is not None
        assert sorted(outcomes) == ["duplicate", "settled"]
        assert committed(venue_a, lambda: Order.objects.count()) == 1
    finally:
        committed(venue_a, _wipe)


def test_instance_wide_stripe_keys_serve_a_demo_only_in_test_mode(settings, venue_a):
    settings.PARTERRE_OFFLINE_TEST_PAYMENTS = True
    settings.PARTERRE_STRIPE_PUBLISHABLE_KEY = "pk_test_demo"
    settings.PARTERRE_STRIPE_SECRET_KEY = "sk_test_demo"
    with in_venue(venue_a):
        assert provider_for_venue().name == "stripe"
        settings.PARTERRE_STRIPE_SECRET_KEY = "sk_live_everyone"  # never one account for all
        assert provider_for_venue().name == "offline_test"
        settings.PARTERRE_STRIPE_SECRET_KEY = ""
        assert provider_for_venue().name == "offline_test"
