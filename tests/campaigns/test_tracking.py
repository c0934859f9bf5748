"""Open pixel, signed clicks, short links: counted once per hit, in the contact's timeline
once, never a redirect to an unregistered address, and a venue's tokens unknown elsewhere."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns import addresses
from campaigns.models import Delivery, LinkClick, Operation, TrackedLink
from campaigns.tracking import views
from crm.models import TimelineEvent
from tests.helpers import in_venue
from ticketing.services.orders.referrals import MARKETING_REF_COOKIE

from .tracking_helpers import sent_campaign

pytestmark = pytest.mark.django_db(transaction=False)


def test_the_pixel_counts_every_open_and_tells_the_timeline_once(venue_a, client_for):
    with in_venue(venue_a):
        campaign, _link, (delivery,) = sent_campaign()
    client = client_for(venue_a)
    for _ in range(3):
        response = client.get(addresses.pixel_path(delivery.token))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/gif"
        assert response.content == views.GIF
        assert "no-store" in response["Cache-Control"]
    with in_venue(venue_a):
        delivery.refresh_from_db()
        assert delivery.opens == 3 and delivery.opened_at is not None
        events = TimelineEvent.objects.filter(
            contact_id=delivery.contact_id, code="campaigns.email.opened"
        )
        assert [(e.campaign_id, e.data["campaign"]) for e in events] == [(campaign.pk, "Saison 26")]


def test_an_unknown_token_still_gets_the_same_gif(venue_a, client_for):
    response = client_for(venue_a).get("/m/o/nothing-like-a-token.gif")
    assert response.status_code == 200 and response.content == views.GIF


def test_the_pixel_costs_one_query_then_two_on_the_first_open(venue_a, client_for):
    with in_venue(venue_a):
        _c, _l, (delivery,) = sent_campaign()
    with in_venue(venue_a), CaptureQueriesContext(connection) as first:
        views.pixel(_request(), delivery.token)
    with in_venue(venue_a), CaptureQueriesContext(connection) as again:
        views.pixel(_request(), delivery.token)
    assert len(_work(first)) == 2
    assert len(_work(again)) == 1


def _work(queries) -> list[str]:
    """The statements of a hit, without django-tenants' SET search_path (one per request)."""
    return [q["sql"] for q in queries if not q["sql"].startswith("SET search_path")]


def _request(path="/"):
    from django.test import RequestFactory

    return RequestFactory().get(path)


def test_a_signed_click_redirects_to_the_registered_link_and_counts(venue_a, client_for):
    with in_venue(venue_a):
        _campaign, link, (delivery,) = sent_campaign()
        path = addresses.click_path(delivery.token, link.pk)
    client = client_for(venue_a)
    first = client.get(path)
    assert first.status_code == 302
    assert first["Location"] == "https://example.org/saison"
    visitor = first.cookies[MARKETING_REF_COOKIE]
    assert visitor["httponly"] and visitor["samesite"] == "Lax"
    second = client.get(path)
    assert second["Location"] == "https://example.org/saison"
    with in_venue(venue_a):
        delivery.refresh_from_db()
        link.refresh_from_db()
        assert (delivery.clicks, link.clicks) == (2, 2)
        clicks = LinkClick.objects.filter(link=link)
        assert {c.visitor for c in clicks} == {visitor.value}  # the same browser
        assert {c.contact_id for c in clicks} == {delivery.contact_id}
        assert (
            TimelineEvent.objects.filter(
                code="campaigns.email.clicked", contact_id=delivery.contact_id
            ).count()
            == 1
        )


def test_a_click_costs_two_queries(venue_a):
    with in_venue(venue_a):
        _c, link, (delivery,) = sent_campaign()
        path = addresses.click_path(delivery.token, link.pk)
        signature = path.rstrip("/").rsplit("/", 1)[1]
        with CaptureQueriesContext(connection) as queries:
            response = views.click(_request(path), delivery.token, link.pk, signature)
    assert response.status_code == 302
    assert len(_work(queries)) == 2


@pytest.mark.parametrize("tamper", ["signature", "other_link", "other_campaign", "unknown"])
def test_no_open_redirect(venue_a, client_for, tamper):
    with in_venue(venue_a):
        _c, link, (delivery,) = sent_campaign()
        _c2, other_link, _d = sent_campaign("Autre", people=[], url="https://evil.example/")
        token = delivery.token
        if tamper == "signature":
            path = addresses.click_path(token, link.pk)[:-3] + "00/"
        elif tamper == "other_link":  # a link id not in the signed address
            good = addresses.click_path(token, link.pk)
            path = good.replace(f"/{link.pk}/", f"/{other_link.pk}/")
        elif tamper == "other_campaign":  # correctly signed, but not this delivery's campaign
            path = addresses.click_path(token, other_link.pk)
        else:
            path = addresses.click_path("unknown-token-xyz", link.pk)
    response = client_for(venue_a).get(path)
    assert response.status_code == 404
    assert "Location" not in response
    assert "Ce lien ne fonctionne pas" in response.content.decode()
    with in_venue(venue_a):
        assert not LinkClick.objects.exists()
        assert Delivery.objects.get(pk=delivery.pk).clicks == 0


def test_a_token_of_venue_a_is_unknown_on_venue_b(venue_a, venue_b, client_for):
    with in_venue(venue_a):
        _c, link, (delivery,) = sent_campaign()
        click = addresses.click_path(delivery.token, link.pk)
    client_b = client_for(venue_b)
    assert client_b.get(addresses.pixel_path(delivery.token)).content == views.GIF
    assert client_b.get(click).status_code == 404  # (signed with venue A's schema)
    assert client_b.get(addresses.unsubscribe_path(delivery.token)).status_code == 404
    assert (
        client_b.post(
            addresses.unsubscribe_path(delivery.token), {"List-Unsubscribe": "One-Click"}
        ).status_code
        == 404
    )
    assert client_b.get(addresses.preferences_path(delivery.token)).status_code == 404
    with in_venue(venue_a):
        delivery.refresh_from_db()
        assert (delivery.opens, delivery.unsubscribed_at) == (0, None)


def test_a_short_link_sets_the_visitor_cookie_and_counts(venue_a, venue_b, client_for):
    with in_venue(venue_a):
        operation = Operation.objects.create(name="Affiches")
        link = TrackedLink.objects.create(
            operation=operation, url="https://example.org/affiche", slug="aff1", kind="print"
        )
    client = client_for(venue_a)
    response = client.get("/l/aff1/")
    assert response.status_code == 302 and response["Location"] == "https://example.org/affiche"
    visitor = response.cookies[MARKETING_REF_COOKIE].value
    client.get("/l/aff1/")
    assert client_for(venue_b).get("/l/aff1/").status_code == 404
    assert client.get("/l/nope/").status_code == 404
    with in_venue(venue_a):
        link.refresh_from_db()
        assert link.clicks == 2
        assert set(LinkClick.objects.values_list("visitor", "delivery")) == {(visitor, None)}
