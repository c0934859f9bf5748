"""Phone sales paid by a link (email and SMS) that opens the storefront's Stripe payment for that
one order, against localstripe: paid → tickets; the amount charged is the amount shown; a late
payment after the release is refunded; the link is unguessable and names one order (IDOR)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from tenants import sms
from tenants.accounts.models import AuditEvent
from tenants.events.models import Event
from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance
from tests.ticketing.test_storefront import seat_ids, statuses
from ticketing.models import OnlinePayment, Order, OrderEmail, PaymentLink, Price
from ticketing.services import orders
from ticketing.services import tickets as ticket_services
from ticketing.services.orders import links
from ticketing.specs import Buyer, HoldRequest, TariffChoice
from ticketing.tasks import release_expired_reservations_task

pytestmark = pytest.mark.django_db

PHONE_BUYER = Buyer(
    email="paul.dupont@example.fr", first_name="Paul", last_name="Dupont", phone="06 12 34 56 78"
)


@pytest.fixture
def spectator(stripe_alpha, client_for):
    client = client_for(stripe_alpha)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def show(stripe_alpha):
    with in_venue(stripe_alpha):
        return build_performance()


@pytest.fixture
def tasks_run(monkeypatch):
    """The SMS and email tasks run at once, in the schema they name."""
    monkeypatch.setattr(
        links,
        "send_task",
        lambda name, args, headers: links.send_link_sms(link_id=args[0]),
    )
    monkeypatch.setattr(
        ticket_services,
        "send_task",
        lambda name, args, headers: ticket_services.deliver_order_email(email_id=args[0]),
    )
    sms.outbox.clear()


def phone_sale(venue, show, *labels, by_sms=True, capture=None):
    ids = seat_ids(venue, show, *labels)
    with in_venue(venue):
        plein = Price.objects.filter(category__performance=show).first().tariff
        with capture(execute=True):
            order = orders.sell_by_phone(
                performance=show,
                request=HoldRequest(seat_ids=ids),
                tariffs=TariffChoice(plein.pk),
                buyer=PHONE_BUYER,
                by_email=True,
                by_sms=by_sms,
            )
        link = PaymentLink.objects.get(order=order)
    return order, link, ids


def open_link(spectator, link):
    """The link's page, then "Pay": the storefront's payment page and its client secret."""
    page = spectator.get(f"/pay/{link.token}/").content.decode()
    shown = re.search(r'name="shown_total" value="(\d+)"', page).group(1)
    response = spectator.post(f"/pay/{link.token}/", {"shown_total": shown})
    assert response.status_code == 302, response.content.decode()[:1500]
    assert response["Location"].startswith("/checkout/payment/")
    page = spectator.get(response["Location"]).content.decode()
    secret = re.search(r'data-client-secret="([^"]+)"', page).group(1)
    return response["Location"], secret, int(shown), page


def test_a_phone_sale_holds_the_seats_and_sends_the_link_by_email_and_sms(
    spectator, show, stripe_alpha, tasks_run, django_capture_on_commit_callbacks
):
    order, link, ids = phone_sale(
        stripe_alpha, show, "A1", "A2", capture=django_capture_on_commit_callbacks
    )
    assert order.channel == "phone" and order.status == Order.Status.PENDING
    assert order.pay_by <= timezone.now() + timedelta(hours=24)  # the venue's phone time
    assert statuses(stripe_alpha, show, ids) == {"sold"}
    assert len(link.token) >= 43  # 256 random bits
    url = f"/pay/{link.token}/"
    (message,) = mail.outbox
    assert message.to == ["paul.dupont@example.fr"] and order.reference in message.subject
    assert url in message.body and url in message.alternatives[0][0]
    (text,) = sms.outbox
    assert text.to == "+33612345678" and url in text.body and "50.00" in text.body
    assert text.venue == stripe_alpha.schema_name
    with in_venue(stripe_alpha):
        assert OrderEmail.objects.get(order=order).kind == "payment_link"
        link.refresh_from_db()
        assert link.sms_sent_at is not None
        # The SMS task delivered twice sends one message.
        assert links.send_link_sms(link_id=link.pk) is False
        assert AuditEvent.objects.filter(
            code="ticketing.payment_link.sent", object_id=order.pk
        ).exists()
    assert len(sms.outbox) == 1


def test_the_link_opens_the_stripe_payment_for_exactly_what_is_due(
    spectator, show, fake, stripe_alpha, tasks_run, django_capture_on_commit_callbacks
):
    order, link, ids = phone_sale(
        stripe_alpha, show, "A1", "A2", by_sms=False, capture=django_capture_on_commit_callbacks
    )
    page_url, secret, shown, page = open_link(spectator, link)
    assert shown == order.total_cents == 5000
    assert "payment-element" in page  # the storefront's own Stripe payment page
    with in_venue(stripe_alpha):
        payment = OnlinePayment.objects.get(pending_order=order)
        assert payment.order_id is None and payment.hold_id is None
    assert fake.intent(payment.intent_id)["amount"] == 5000  # charged = shown
    # While the order waits within its deadline, the abandoned-payment sweep leaves it be.
    with in_venue(stripe_alpha):
        orders.cancel_abandoned_payments()
        payment.refresh_from_db()
        assert payment.status == OnlinePayment.Status.PENDING
    fake.pay(secret)
    with django_capture_on_commit_callbacks(execute=True):
        response = spectator.get(page_url + "return/")
    assert response["Location"] == f"/orders/{order.reference}/"
    assert spectator.get(response["Location"]).status_code == 200
    with in_venue(stripe_alpha):
        order.refresh_from_db()
        assert order.status == Order.Status.PAID and order.channel == "phone"
        assert list(order.payments.values_list("method", "amount_cents")) == [("online", 5000)]
        payment.refresh_from_db()
        assert payment.order_id == order.pk and payment.outcome == "order"
        assert Event.objects.filter(
            code="ticketing.order.confirmed", key=f"order:{order.reference}"
        ).exists()
        # Paid: the deadline no longer releases anything.
        with time_machine.travel(order.pay_by + timedelta(minutes=1)):
            assert release_expired_reservations_task() == 0
    assert statuses(stripe_alpha, show, ids) == {"sold"}
    # The link now says it is paid, and cannot start another payment.
    assert "This order is paid" in spectator.get(f"/pay/{link.token}/").content.decode()
    response = spectator.post(f"/pay/{link.token}/", {"shown_total": "5000"})
    assert response.status_code == 302 and response["Location"] == f"/pay/{link.token}/"
    with in_venue(stripe_alpha):
        assert OnlinePayment.objects.filter(pending_order=order).count() == 1


def test_a_payment_after_the_release_is_refunded(
    spectator, show, fake, stripe_alpha, tasks_run, django_capture_on_commit_callbacks
):
    order, link, ids = phone_sale(
        stripe_alpha, show, "A1", by_sms=False, capture=django_capture_on_commit_callbacks
    )
    # The buyer opens the link a few minutes before the deadline, and pays just after it.
    with time_machine.travel(order.pay_by - timedelta(minutes=5), tick=False):
        page_url, secret, _shown, _page = open_link(spectator, link)
    with time_machine.travel(order.pay_by + timedelta(minutes=1), tick=False):
        with in_venue(stripe_alpha):
            assert release_expired_reservations_task() == 1
        assert statuses(stripe_alpha, show, ids) == {"available"}
        fake.pay(secret)  # the buyer pays on a page left open
        page = spectator.get(page_url + "return/").content.decode()
        assert "refunded" in page
        # The link now says the time is over, and refuses to start a payment.
        assert (
            "time to pay for these seats is over"
            in spectator.get(f"/pay/{link.token}/").content.decode()
        )
    with in_venue(stripe_alpha):
        payment = OnlinePayment.objects.get(pending_order=order)
        assert payment.outcome == "refunded" and payment.refunded_cents == payment.amount_cents
        order.refresh_from_db()
        assert order.status == Order.Status.CANCELLED and not order.payments.exists()
    [refund] = fake.refunds(payment.intent_id)
    assert refund["amount"] == payment.amount_cents


def test_a_changed_amount_is_refused_before_charging(
    spectator, show, stripe_alpha, tasks_run, django_capture_on_commit_callbacks
):
    order, link, _ids = phone_sale(
        stripe_alpha, show, "A1", by_sms=False, capture=django_capture_on_commit_callbacks
    )
    response = spectator.post(f"/pay/{link.token}/", {"shown_total": "1"}, follow=True)
    assert "The amount due changed" in response.content.decode()
    with in_venue(stripe_alpha):
        assert not OnlinePayment.objects.filter(pending_order=order).exists()


def test_links_are_unguessable_and_name_one_order(
    spectator,
    show,
    stripe_alpha,
    venue_b,
    client_for,
    tasks_run,
    django_capture_on_commit_callbacks,
):
    order, link, _ids = phone_sale(
        stripe_alpha, show, "A1", by_sms=False, capture=django_capture_on_commit_callbacks
    )
    other, other_link, _ = phone_sale(
        stripe_alpha, show, "A2", by_sms=False, capture=django_capture_on_commit_callbacks
    )
    assert spectator.get(f"/pay/{link.token[:-1]}x/").status_code == 404
    assert spectator.get(f"/pay/{order.reference}/").status_code == 404
    assert spectator.get(f"/pay/{order.pk}/").status_code == 404
    assert spectator.post("/pay/nothing/", {"shown_total": "2500"}).status_code == 404
    # Another venue does not know this venue's links.
    assert client_for(venue_b).get(f"/pay/{link.token}/").status_code == 404
    # Each link pays its own order only.
    page = spectator.get(f"/pay/{other_link.token}/").content.decode()
    assert other.reference in page and order.reference not in page
    # The payment page of a link's payment is this browser's only.
    page_url, _secret, _shown, _page = open_link(spectator, link)
    assert client_for(stripe_alpha).get(page_url).status_code == 404
