"""A friend's referral, a promo code and companions go with a Stripe payment and are recorded
with the order when Stripe's signed webhook writes it (not before: nothing for an unpaid
cart)."""

import pytest

from crm.models import Contact, ContactRelation
from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance
from ticketing.models import OnlinePayment, Order, OrderAttribution, PromoCode, Ticket
from ticketing.selectors.space import referral_token

from .conftest import deliver, event
from .test_stripe_checkout import start

pytestmark = pytest.mark.django_db


@pytest.fixture
def spectator(stripe_alpha, client_for):
    client = client_for(stripe_alpha)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_the_checkouts_additions_are_recorded_when_the_webhook_writes_the_order(
    spectator, fake, stripe_alpha, django_capture_on_commit_callbacks
):
    with in_venue(stripe_alpha):
        performance = build_performance()
        ada = Contact.objects.create(email="ada@example.fr", email_normalized="ada@example.fr")
        PromoCode.objects.create(code="RELAIS")
        token = referral_token(contact_id=ada.pk, show_id=performance.show_id)
    spectator.get(f"/space/friend/{token}/")
    companions = {
        "companion-TOTAL_FORMS": "1",
        "companion-INITIAL_FORMS": "0",
        "companion-0-first_name": "Jules",
        "companion-0-email": "jules@example.fr",
        "promo_code": "relais",
    }
    payment, secret, _url, _ids = start(
        spectator, stripe_alpha, performance, "A1", "A2", **companions
    )
    with in_venue(stripe_alpha):
        assert not Order.objects.exists() and not OrderAttribution.objects.exists()
        assert OnlinePayment.objects.get(pk=payment.pk).additions["promo_code"] == "relais"
    fake.pay(secret)
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(
            spectator,
            stripe_alpha,
            event("evt_ok", "payment_intent.succeeded", fake.intent(payment.intent_id)),
        )
    assert response.status_code == 200
    with in_venue(stripe_alpha):
        order = Order.objects.get()
        attribution = OrderAttribution.objects.get(order=order)
        assert (attribution.referred_by_contact_id, attribution.promo_code) == (ada.pk, "RELAIS")
        jules = Contact.objects.get(email_normalized="jules@example.fr")
        holders = list(
            Ticket.objects.filter(order=order)
            .order_by("id")
            .values_list("holder_contact_id", flat=True)
        )
        assert holders == [None, jules.pk]
        kinds = set(ContactRelation.objects.values_list("kind", flat=True))
        assert kinds == {"referred_by", "came_with"}
