"""What the checkout adds to an online order: a friend's referral link, a promo code, the
companions named by the buyer; the checkout funnel; the embeddable widget."""

import re
from urllib.parse import urlparse

import pytest
from django.core import mail

from crm.models import Consent, Contact, ContactRelation
from tenants.events.models import Event
from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance
from tests.ticketing.test_space import buy
from ticketing.models import CheckoutStep, OrderAttribution, PromoCode, Ticket
from ticketing.selectors.space import checkout_funnel, referral_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def performance(venue_a):
    with in_venue(venue_a):
        yield build_performance()


@pytest.fixture
def browser_for(client_for):
    def make(venue):
        client = client_for(venue)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def referral_path(page: str) -> str:
    url = re.search(r'class="share-link" type="text" readonly value="([^"]+)"', page).group(1)
    return urlparse(url).path


def test_a_sale_through_a_friends_link_credits_the_prescriber(venue_a, browser_for, performance):
    friend_browser = browser_for(venue_a)
    ada = buy(friend_browser, venue_a, performance, "ada@example.fr")
    page = friend_browser.get(f"/orders/{ada.reference}/").content.decode()
    link = referral_path(page)
    newcomer = browser_for(venue_a)
    response = newcomer.get(link)
    assert response.status_code == 302 and response["Location"].endswith(
        f"/shows/{performance.show.slug}/"
    )
    order = buy(newcomer, venue_a, performance, "ben@example.fr")
    with in_venue(venue_a):
        attribution = OrderAttribution.objects.get(order=order)
        assert attribution.referred_by_contact_id == ada.contact_id
        assert attribution.referral_show_id == performance.show_id
        ben = Contact.objects.get(email_normalized="ben@example.fr")
        relation = ContactRelation.objects.get(contact=ben, other_id=ada.contact_id)
        assert (relation.kind, relation.source) == ("referred_by", "referral")
        assert Contact.objects.get(pk=ada.contact_id).referred_buyers == 1
        # An order without a link writes no attribution row.
        assert not OrderAttribution.objects.filter(order=ada).exists()


def test_referral_links_cannot_be_forged_nor_credit_oneself(venue_a, browser_for, performance):
    assert browser_for(venue_a).get("/space/friend/1:forged/").status_code == 404
    ada_browser = browser_for(venue_a)
    ada = buy(ada_browser, venue_a, performance, "ada@example.fr")
    token = referral_token(contact_id=ada.contact_id, show_id=performance.show_id)
    ada_browser.get(f"/space/friend/{token}/")
    again = buy(ada_browser, venue_a, performance, "ada@example.fr")
    with in_venue(venue_a):
        assert not OrderAttribution.objects.filter(order=again).exists()


def test_a_referral_token_of_one_venue_names_nobody_at_another(
    venue_a, venue_b, browser_for, performance
):
    token = referral_token(contact_id=1, show_id=performance.show_id)
    assert browser_for(venue_b).get(f"/space/friend/{token}/").status_code == 404


def test_promo_codes_are_validated_and_recorded(venue_a, browser_for, performance):
    with in_venue(venue_a):
        PromoCode.objects.create(code="RELAIS-MJC", label="MJC du quartier")
        PromoCode.objects.create(code="FINI", is_active=False)
        category = performance.categories.get(name="Cat. 1")
    client = browser_for(venue_a)
    client.post(f"/performances/{performance.pk}/hold/", {"category": category.pk, "quantity": 1})
    base = {"email": "c@example.fr", "first_name": "C", "last_name": "D", "action": "pay"}
    page = client.post("/checkout/", {**base, "promo_code": "NOPE"}).content.decode()
    assert "This promo code does not exist" in page
    page = client.post("/checkout/", {**base, "promo_code": "fini"}).content.decode()
    assert "no longer valid" in page
    response = client.post("/checkout/", {**base, "promo_code": " relais-mjc "})
    assert response.status_code == 302
    with in_venue(venue_a):
        attribution = OrderAttribution.objects.get()
        assert attribution.promo_code == "RELAIS-MJC" and attribution.referred_by_contact_id is None


def test_companions_become_contacts_hold_tickets_and_are_asked_for_consent(
    venue_a, browser_for, performance, django_capture_on_commit_callbacks
):
    companions = {
        "companion-TOTAL_FORMS": "2",
        "companion-INITIAL_FORMS": "0",
        "companion-0-first_name": "Jules",
        "companion-0-email": "jules@example.fr",
        "companion-1-first_name": "",
        "companion-1-email": "",
    }
    client = browser_for(venue_a)
    with django_capture_on_commit_callbacks(execute=True):
        order = buy(client, venue_a, performance, "ada@example.fr", quantity=3, extra=companions)
    with in_venue(venue_a):
        jules = Contact.objects.get(email_normalized="jules@example.fr")
        assert jules.first_source == "companion" and jules.first_name == "Jules"
        relation = ContactRelation.objects.get(contact=jules)
        assert (relation.other_id, relation.kind) == (order.contact_id, "came_with")
        tickets = list(Ticket.objects.filter(order=order).order_by("id"))
        assert [t.holder_contact_id for t in tickets] == [None, jules.pk, None]
        event = Event.objects.get(code="ticketing.companion.added")
        assert event.data["contact_id"] == jules.pk and event.data["ticket_id"] == tickets[1].pk
    invitation = next(m for m in mail.outbox if m.to == ["jules@example.fr"])
    path = urlparse(re.search(r"https?://\S+", invitation.body).group(0)).path
    stranger = browser_for(venue_a)
    assert "Would you like" in stranger.get(path).content.decode()
    stranger.post(path, {"answer": "yes"})
    with in_venue(venue_a):
        consent = Consent.objects.get(contact=jules)
        assert (consent.channel, consent.granted, consent.source) == (
            "email_newsletter",
            True,
            "companion",
        )
    assert browser_for(venue_a).get("/space/consent/forged/").status_code == 410


def test_companions_are_checked_before_paying(venue_a, browser_for, performance):
    with in_venue(venue_a):
        category = performance.categories.get(name="Cat. 1")
    client = browser_for(venue_a)
    client.post(f"/performances/{performance.pk}/hold/", {"category": category.pk, "quantity": 2})
    page = client.get("/checkout/").content.decode()
    assert page.count('name="companion-0-email"') == 1 and "companion-1-email" not in page
    base = {"email": "ada@example.fr", "first_name": "Ada", "last_name": "L", "action": "pay"}
    rows = {"companion-TOTAL_FORMS": "1", "companion-INITIAL_FORMS": "0"}
    page = client.post(
        "/checkout/", {**base, **rows, "companion-0-first_name": "Jules", "companion-0-email": ""}
    ).content.decode()
    assert "Give both the first name and the email" in page
    too_many = {**rows, "companion-TOTAL_FORMS": "2"}
    too_many |= {"companion-0-first_name": "A", "companion-0-email": "a@example.fr"}
    too_many |= {"companion-1-first_name": "B", "companion-1-email": "b@example.fr"}
    response = client.post("/checkout/", {**base, **too_many})
    assert response.status_code == 200
    with in_venue(venue_a):
        assert not Contact.objects.filter(email_normalized="a@example.fr").exists()


def test_the_checkout_funnel_counts_each_step_once_per_visit(venue_a, browser_for, performance):
    client = browser_for(venue_a)
    client.get(f"/shows/{performance.show.slug}/")
    client.get(f"/shows/{performance.show.slug}/")
    client.get(f"/performances/{performance.pk}/")
    buy(client, venue_a, performance, "ada@example.fr")
    browser_for(venue_a).get(f"/shows/{performance.show.slug}/")  # another visit, who leaves
    with in_venue(venue_a):
        funnel = checkout_funnel(show_id=performance.show_id)
        assert funnel == {1: 2, 2: 1, 3: 1, 4: 1, 5: 0}  # the order page was not opened yet
        steps = CheckoutStep.objects.filter(show_id=performance.show_id)
        assert len(set(steps.values_list("visit", flat=True))) == 2
    visit_cookie = client.cookies["parterre_visit"]
    assert visit_cookie["httponly"] and not visit_cookie["expires"]  # a browser-session cookie


def test_the_widget_script_and_its_framable_page(venue_a, venue_b, browser_for, performance):
    client = browser_for(venue_a)
    script = client.get(f"/widget.js?show={performance.show.slug}")
    assert script["Content-Type"].startswith("text/javascript")
    assert "/widget/shows/" in script.content.decode()
    page = client.get(f"/widget/shows/{performance.show.slug}/")
    assert page.status_code == 200
    assert "X-Frame-Options" not in page and page["Content-Security-Policy"] == "frame-ancestors *"
    html = page.content.decode()
    assert f'href="/performances/{performance.pk}/" target="_blank"' in html
    assert "Available" in html
    # Every other page stays unframable; another venue does not know the show.
    assert client.get(f"/shows/{performance.show.slug}/")["X-Frame-Options"] == "DENY"
    assert browser_for(venue_b).get(f"/widget/shows/{performance.show.slug}/").status_code == 404
