"""Helpers of the tracking tests: a sent campaign with a registered link and one delivery."""

from __future__ import annotations

from django.utils import timezone

from campaigns.models import Campaign, Delivery, TrackedLink
from crm.models import Consent, Source
from crm.services import find_or_create_contact, set_consent


def contact(email="ada@example.org", first_name="Ada", consent=True):
    person = find_or_create_contact(email=email, first_name=first_name, source=Source.WEB)
    if consent:
        set_consent(
            contact=person, channel=Consent.Channel.EMAIL_NEWSLETTER, granted=True, source="web"
        )
    return person


def sent_campaign(name="Saison 26", *, people=None, url="https://example.org/saison", **extra):
    campaign = Campaign.objects.create(
        name=name, status=Campaign.Status.SENT, started_at=timezone.now(), **extra
    )
    link = TrackedLink.objects.create(campaign=campaign, url=url, label="Programme")
    deliveries = [
        Delivery.objects.create(
            campaign=campaign,
            contact=person,
            email=person.email,
            status=Delivery.Status.SENT,
            sent_at=timezone.now(),
        )
        for person in (people if people is not None else [contact()])
    ]
    return campaign, link, deliveries
