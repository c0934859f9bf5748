"""Reads on contacts, consents and the timeline (in the current venue's schema)."""

from django.db.models import QuerySet

from .models import Consent, Contact, TimelineEvent


def contact_timeline(contact_id: int) -> QuerySet[TimelineEvent]:
    """Most recent first; the caller slices or paginates."""
    return TimelineEvent.objects.filter(contact_id=contact_id).order_by("-occurred_at", "-id")


def current_consents(contact: Contact) -> dict[str, Consent]:
    """The latest consent row per channel (channels never asked are absent)."""
    latest = (
        Consent.objects.filter(contact=contact)
        .order_by("channel", "-recorded_at", "-id")
        .distinct("channel")
    )
    return {consent.channel: consent for consent in latest}


def has_consent(contact: Contact, channel: str) -> bool:
    consent = current_consents(contact).get(channel)
    return bool(consent and consent.granted)
