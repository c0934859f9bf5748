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


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def contact_data(contact: Contact) -> dict:
    """Everything the venue's contact base holds on this person, as plain JSON values: the
    record, other addresses, consents with their history, relations, favourites, affinities,
    the timeline and erasure requests. A fixed number of queries."""
    return {
        "contact": {name: _plain(getattr(contact, name)) for name in OWN_FIELDS},
        "other_emails": list(contact.other_emails.values_list("email", flat=True)),
        "consents": [
            {
                "channel": c.channel,
                "granted": c.granted,
                "recorded_at": c.recorded_at.isoformat(),
                "source": c.source,
            }
            for c in contact.consents.order_by("-recorded_at", "-id")
        ],
        "relations": [
            {"relation": str(label), "with": other.display_name}
            for label, other in contact_relations(contact.pk)
        ],
        "favourite_show_ids": list(contact.favourites.values_list("show_id", flat=True)),
        "affinities": list(contact.affinities.values("kind", "key", "weight")),
        "timeline": [
            {
                "code": e.code,
                "occurred_at": e.occurred_at.isoformat(),
                "show_id": e.show_id,
                "data": e.data,
            }
            for e in contact_timeline(contact.pk)
        ],
        "erasure_requests": [
            {"status": r.status, "requested_at": r.requested_at.isoformat()}
            for r in contact.erasure_requests.all()
        ],
    }
