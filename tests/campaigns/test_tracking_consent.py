"""Unsubscribe (RFC 8058 one-click and the page) and the preference centre: honoured at once,
each change a consent record saying where it came from."""

import pytest

from campaigns import addresses
from campaigns.models import Delivery
from crm.models import Consent, Contact, TimelineEvent
from tests.helpers import in_venue

from .tracking_helpers import sent_campaign

pytestmark = pytest.mark.django_db(transaction=False)


def test_one_click_post_unsubscribes_at_once_without_csrf_and_twice_is_harmless(
    venue_a, client_for
):
    with in_venue(venue_a):
        campaign, _link, (delivery,) = sent_campaign()
    client = client_for(venue_a)
    client.handler.enforce_csrf_checks = True
    path = addresses.unsubscribe_path(delivery.token)
    for _ in range(2):
        response = client.post(
            path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 200
    with in_venue(venue_a):
        person = Contact.objects.get(pk=delivery.contact_id)
        assert person.email_consent is False
        withdrawn = Consent.objects.filter(contact=person, granted=False)
        assert withdrawn.count() == 1
        row = withdrawn.get()
        assert row.channel == Consent.Channel.EMAIL_NEWSLETTER
        assert "Saison 26" in row.actor_label
        assert Delivery.objects.get(pk=delivery.pk).unsubscribed_at is not None
        assert (
            TimelineEvent.objects.filter(
                contact=person, code="campaigns.email.unsubscribed", campaign_id=campaign.pk
            ).count()
            == 1
        )


def test_the_page_asks_before_unsubscribing(venue_a, client_for):
    with in_venue(venue_a):
        _c, _l, (delivery,) = sent_campaign()
    client = client_for(venue_a)
    path = addresses.unsubscribe_path(delivery.token)
    page = client.get(path)
    assert page.status_code == 200
    text = page.content.decode()
    assert '<form method="post"' in text and addresses.preferences_path(delivery.token) in text
    with in_venue(venue_a):  # a GET (a link scanner) changes nothing
        assert Contact.objects.get(pk=delivery.contact_id).email_consent is True
    done = client.post(path)
    assert done.status_code == 200 and '<form method="post"' not in done.content.decode()
    with in_venue(venue_a):
        assert Contact.objects.get(pk=delivery.contact_id).email_consent is False


def test_the_preference_centre_records_each_change(venue_a, client_for):
    with in_venue(venue_a):
        _c, _l, (delivery,) = sent_campaign()
    client = client_for(venue_a)
    path = addresses.preferences_path(delivery.token)
    assert client.get(path).status_code == 200
    response = client.post(path, {"sms": "on", "language": "en"})
    assert response.status_code == 200
    with in_venue(venue_a):
        person = Contact.objects.get(pk=delivery.contact_id)
        assert (person.email_consent, person.sms_consent, person.language) == (False, True, "en")
        latest = {
            c.channel: c for c in Consent.objects.filter(contact=person).order_by("recorded_at")
        }
        assert latest["sms"].granted and not latest["email_newsletter"].granted
        assert "Saison 26" in latest["sms"].actor_label
    # The same choices again: nothing new is recorded.
    client.post(path, {"sms": "on", "language": "en"})
    with in_venue(venue_a):
        assert Consent.objects.filter(contact_id=delivery.contact_id).count() == 3
    assert client.post(path, {"language": "xx"}).status_code == 400
