"""Reads on contacts, consents and the timeline (in the current venue's schema)."""

import re

from django.db.models import Q, QuerySet

from .models import Consent, Contact, TimelineEvent

SEARCH_LIMIT = 20


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


def _term_filter(term: str) -> Q:
    condition = (
        Q(first_name__icontains=term)
        | Q(last_name__icontains=term)
        | Q(email_normalized__contains=term.lower())
        | Q(postcode__istartswith=term)
    )
    digits = re.sub(r"[\s.\-()+]", "", term)
    if digits.isdigit() and len(digits) >= 4:
        # Phones are stored as E.164: "06 12 34…" and "+33 6 12 34…" both find +33612…
        national = digits[1:] if digits.startswith("0") else digits
        condition |= Q(phone__contains=national)
    return condition


def search_contacts(query: str) -> list[Contact]:
    """Contacts whose name, email, phone or postcode match every word of the query,
    case-insensitively (the box office identifies a buyer with it). At most 20."""
    query = (query or "").strip()
    if not query:
        return []
    # A whole phone number typed with spaces is one term, not several.
    compact = re.sub(r"[\s.\-()]", "", query)
    terms = [query] if re.fullmatch(r"\+?\d+", compact) else query.split()
    condition = Q()
    for term in terms:
        condition &= _term_filter(term)
    contacts = Contact.objects.filter(condition).order_by("last_name", "first_name", "id")
    return list(contacts[:SEARCH_LIMIT])
