"""The shared core: a delivery is sent once, with its tracking slots and RFC 8058 headers; the
audience leaves out who has no address, no consent or too many emails already."""

import pytest
from django.core import mail

from campaigns import addresses
from campaigns.models import Campaign, CommunicationSettings, Delivery
from campaigns.sending.audience import audience_preview, recipients, silent_contacts
from campaigns.sending.services import deliver
from tests.crm.factories import ContactFactory
from tests.helpers import in_venue

CONTENT = {
    "fr": {
        "subject": "La saison s'ouvre",
        "blocks": [
            {"type": "heading", "text": "Bonjour {{first_name}}"},
            {"type": "text", "text": "Trois spectacles à ne pas manquer."},
            {"type": "button", "label": "Réserver", "url": "https://example.org/programme"},
        ],
    }
}


@pytest.mark.django_db
def test_delivery_is_sent_once_with_tracking_and_unsubscribe_headers(venue_a):
    with in_venue(venue_a):
        contact = ContactFactory(first_name="Léa", email_consent=True)
        campaign = Campaign.objects.create(name="Ouverture", content=CONTENT)
        delivery = Delivery.objects.create(campaign=campaign, contact=contact, email=contact.email)

        assert deliver(delivery_id=delivery.pk, site="https://alpha.test") is True
        assert deliver(delivery_id=delivery.pk, site="https://alpha.test") is False

        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.SENT
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.subject == "La saison s'ouvre"
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsubscribe = "https://alpha.test" + addresses.unsubscribe_path(delivery.token)
        assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
        assert delivery.token in message.extra_headers["Message-ID"]
        html = message.alternatives[0][0]
        assert "Bonjour Léa" in html
        assert addresses.pixel_path(delivery.token) in html
        link = campaign.links.get()
        assert addresses.click_path(delivery.token, link.pk) in html
        assert "https://example.org/programme" not in html  # only through the redirect
        assert addresses.click_path(delivery.token, link.pk) in message.body


@pytest.mark.django_db
def test_click_signature_is_bound_to_token_and_link(venue_a):
    with in_venue(venue_a):
        signature = addresses.link_signature("abc", 1)
        assert addresses.signature_valid("abc", 1, signature)
        assert not addresses.signature_valid("abc", 2, signature)
        assert not addresses.signature_valid("abd", 1, signature)
        assert not addresses.signature_valid("abc", 1, "")


@pytest.mark.django_db
def test_audience_counts_who_is_left_out_and_why(venue_a):
    with in_venue(venue_a):
        CommunicationSettings.objects.create(cap_count=2, cap_days=30)
        ok = ContactFactory(email_consent=True)
        ContactFactory(email_consent=None)
        ContactFactory(email_consent=False)
        ContactFactory(email="", email_consent=True)
        tired = ContactFactory(email_consent=True)
        for n in range(2):
            earlier = Campaign.objects.create(name=f"Avant {n}", content=CONTENT)
            Delivery.objects.create(campaign=earlier, contact=tired, email=tired.email)
        campaign = Campaign.objects.create(name="Ouverture", content=CONTENT)

        preview = audience_preview(campaign=campaign)
        assert (preview.selected, preview.no_address, preview.no_consent, preview.capped) == (
            5,
            1,
            2,
            1,
        )
        assert preview.recipients == 1
        assert list(recipients(campaign)) == [ok]
        # A service notice goes to everyone with an address, consent or not, cap or not.
        notice = Campaign.objects.create(name="Annulation", content=CONTENT, marketing=False)
        assert audience_preview(campaign=notice).recipients == 4
        assert set(silent_contacts()) == {ok}


@pytest.mark.django_db
def test_a_journey_email_keeps_its_slots_and_a_newsletter_does_not(venue_a):
    from campaigns.rendering import compile_campaign

    blocks = [
        {"type": "text", "text": "Bonjour {{first_name}}, « {{performance_title}} » approche."},
        {"type": "button", "label": "Donner mon avis", "url": "{{survey_url}}"},
    ]
    with in_venue(venue_a):
        journey = Campaign.objects.create(
            name="J+3", kind=Campaign.Kind.JOURNEY, content={"fr": {"blocks": blocks}}
        )
        newsletter = Campaign.objects.create(name="Lettre", content={"fr": {"blocks": blocks}})
        kept = compile_campaign(journey, language="fr")
        inert = compile_campaign(newsletter, language="fr")

    assert "{{performance_title}}" in kept.html and 'href="{{survey_url}}"' in kept.html
    assert not kept.links  # a per-delivery address is no registered link
    assert "{{performance_title}}" not in inert.html and "{{survey_url}}" not in inert.html
    assert "Donner mon avis" not in inert.html  # a button whose address this kind lacks


@pytest.mark.django_db
def test_a_service_notice_carries_no_unsubscribe(venue_a):
    with in_venue(venue_a):
        contact = ContactFactory(first_name="Léa")
        notice = Campaign.objects.create(
            name="Annulation", kind=Campaign.Kind.NOTICE, marketing=False, content=CONTENT
        )
        delivery = Delivery.objects.create(campaign=notice, contact=contact, email=contact.email)
        deliver(delivery_id=delivery.pk, site="https://alpha.test")
    message = mail.outbox[-1]
    assert "List-Unsubscribe" not in message.extra_headers
    assert addresses.unsubscribe_path(delivery.token) not in message.alternatives[0][0]
