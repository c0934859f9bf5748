"""Attribution: an order is credited to the latest click of its buyer (by contact or by the
visitor cookie of a QR code) within the venue's window, or to the operation of a promo code;
decided once per order, from the `ticketing.order.confirmed` event."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns import addresses
from campaigns.models import CommunicationSettings, LinkClick, Operation, TrackedLink
from campaigns.tracking.attribution import attribute_order
from campaigns.tracking.models import Attribution
from tenants.events.models import Event
from tenants.events.services.dispatch import dispatch_pending
from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance
from ticketing.models import Hold, Order
from ticketing.services.orders.referrals import MARKETING_REF_COOKIE

from .tracking_helpers import sent_campaign

pytestmark = pytest.mark.django_db(transaction=False)

BUYER = {
    "email": "marie.curie@example.fr",
    "first_name": "Marie",
    "last_name": "Curie",
    "phone": "",
    "postcode": "75005",
}


def _buy(client, performance) -> Order:
    category = performance.categories.get(name="Cat. 1")
    assert (
        client.post(
            f"/performances/{performance.pk}/hold/", {"category": category.pk, "quantity": 2}
        ).status_code
        == 302
    )
    response = client.post("/checkout/", {**BUYER, "action": "pay"})
    assert response.status_code == 302
    return Order.objects.get(hold=Hold.objects.latest("pk"))


def test_a_qr_code_visitor_who_buys_credits_the_operation(venue_a, client_for):
    with in_venue(venue_a):
        performance = build_performance()
        operation = Operation.objects.create(name="Affiches", cost_cents=10000)
        link = TrackedLink.objects.create(
            operation=operation, url="https://example.org/", slug="qr1", kind="print"
        )
    client = client_for(venue_a)
    visit = client.get("/l/qr1/")
    visitor = visit.cookies[MARKETING_REF_COOKIE].value
    with in_venue(venue_a):
        order = _buy(client, performance)
        assert order.marketing_ref == visitor
        event = Event.objects.get(code="ticketing.order.confirmed", data__order_id=order.pk)
        assert event.data["marketing_ref"] == visitor and event.data["promo_codes"] == []
        dispatch_pending()
        row = Attribution.objects.get(order_id=order.pk)
        assert (row.channel, row.operation_id, row.link_id) == ("link", operation.pk, link.pk)
        assert row.amount_cents == order.total_cents and row.campaign_id is None


def test_an_email_click_then_a_purchase_credits_the_campaign(venue_a, client_for):
    with in_venue(venue_a):
        performance = build_performance()
        operation = Operation.objects.create(name="Lancement")
        person_campaign = sent_campaign(operation=operation)
        campaign, link, (delivery,) = person_campaign
        path = addresses.click_path(delivery.token, link.pk)
    client = client_for(venue_a)
    client.get(path)
    with in_venue(venue_a):
        order = _buy(client, performance)
        dispatch_pending()
        row = Attribution.objects.get(order_id=order.pk)
        assert (row.channel, row.campaign_id, row.delivery_id, row.operation_id) == (
            "email",
            campaign.pk,
            delivery.pk,
            operation.pk,
        )


def _click(link, *, contact_id=None, visitor="", at):
    return LinkClick.objects.create(
        link=link, contact_id=contact_id, visitor=visitor, occurred_at=at
    )


@pytest.mark.parametrize(("days_before", "credited"), [(7, True), (7.00001, False), (0, True)])
def test_the_window_edges(venue_a, days_before, credited):
    with in_venue(venue_a):
        CommunicationSettings.objects.create(attribution_days=7)
        _c, link, (delivery,) = sent_campaign()
        now = timezone.now()
        _click(link, contact_id=delivery.contact_id, at=now - timedelta(days=days_before))
        row = attribute_order(
            order_id=1, contact_id=delivery.contact_id, amount_cents=5000, ordered_at=now
        )
        assert (row is not None) == credited


def test_a_click_after_the_order_does_not_count_and_the_latest_click_wins(venue_a):
    with in_venue(venue_a):
        _a, first_link, (delivery,) = sent_campaign("Premier")
        _b, second_link, _d = sent_campaign("Second", people=[])
        now = timezone.now()
        _click(first_link, contact_id=delivery.contact_id, at=now - timedelta(days=2))
        _click(second_link, contact_id=delivery.contact_id, at=now - timedelta(days=1))
        _click(first_link, contact_id=delivery.contact_id, at=now + timedelta(minutes=1))
        row = attribute_order(
            order_id=2, contact_id=delivery.contact_id, amount_cents=100, ordered_at=now
        )
        assert row.link_id == second_link.pk


def test_an_operations_promo_code_wins_and_an_order_is_credited_once(venue_a):
    with in_venue(venue_a):
        operation = Operation.objects.create(name="Partenaire", promo_codes=["AMIS26"])
        _c, link, (delivery,) = sent_campaign()
        now = timezone.now()
        _click(link, contact_id=delivery.contact_id, at=now - timedelta(hours=1))
        kwargs = dict(
            order_id=3,
            contact_id=delivery.contact_id,
            amount_cents=4200,
            ordered_at=now,
            promo_codes=["amis26"],
        )
        row = attribute_order(**kwargs)
        again = attribute_order(**kwargs)
        assert (row.channel, row.operation_id, row.promo_code) == (
            "promo_code",
            operation.pk,
            "AMIS26",
        )
        assert again.pk == row.pk and Attribution.objects.count() == 1


def test_nothing_brought_it(venue_a):
    with in_venue(venue_a):
        assert (
            attribute_order(order_id=4, contact_id=None, amount_cents=1, ordered_at=timezone.now())
            is None
        )
        assert not Attribution.objects.exists()
