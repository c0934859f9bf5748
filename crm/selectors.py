"""Reads on contacts, consents and the timeline (in the current venue's schema)."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Consent, Contact, ContactRelation, RelationKind, TimelineEvent


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


def contact_relations(contact_id: int) -> list[tuple[str, Contact]]:
    """Both ways: [(label, other contact)], e.g. ("referred by", Ada) on the referred contact
    and ("referred", Ben) on the prescriber's page."""
    outgoing = ContactRelation.objects.filter(contact_id=contact_id).select_related("other")
    incoming = ContactRelation.objects.filter(other_id=contact_id).select_related("contact")
    relations = [(RelationKind(r.kind).label, r.other) for r in outgoing]
    relations += [(INVERSE_LABELS[r.kind], r.contact) for r in incoming]
    return relations


# How a relation reads from its other end.
INVERSE_LABELS = {
    RelationKind.CAME_WITH: RelationKind.CAME_WITH.label,
    RelationKind.FRIEND: RelationKind.FRIEND.label,
    RelationKind.HOUSEHOLD: RelationKind.HOUSEHOLD.label,
    RelationKind.REFERRED_BY: _("referred"),
}


def tracks_interest(contact_id: int) -> bool:
    """Whether the contact said yes to having the shows they look at noted (their latest
    answer on the web_interest channel); one indexed query."""
    latest = (
        Consent.objects.filter(contact_id=contact_id, channel=Consent.Channel.WEB_INTEREST)
        .order_by("-recorded_at", "-id")
        .values_list("granted", flat=True)
        .first()
    )
    return bool(latest)


# The contact's own columns a spectator sees in "my data" (everything but internal markers).
OWN_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "other_phone",
    "address_line1",
    "address_line2",
    "postcode",
    "city",
    "country",
    "department",
    "language",
    "contact_types",
    "accessibility_needs",
    "tags",
    "criteria",
    "first_source",
    "first_seen_at",
    "email_consent",
    "sms_consent",
    "created_at",
    "updated_at",
    "first_purchase_at",
    "last_purchase_at",
    "purchase_count",
    "tickets_bought",
    "amount_spent_cents",
    "attendance_count",
    "last_attended_at",
    "refund_count",
    "genres_seen",
    "referred_buyers",
)
