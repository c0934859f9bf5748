"""Reads on contacts, consents and the timeline (in the current venue's schema)."""

from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import (
    Affinity,
    Consent,
    Contact,
    ContactRelation,
    GenreStats,
    QuarterStats,
    RelationKind,
    SeasonStats,
    TimelineEvent,
)
from .search import matching_contact_ids


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


# --- Screens -------------------------------------------------------------------------------
def contact_list(
    *,
    query: str = "",
    contact_type: str = "",
    criterion: str = "",
    department: str = "",
    consent: str = "",
    tag: str = "",
) -> QuerySet[Contact]:
    """The venue's contacts for the list screen (merged ones left out), filtered; the caller
    paginates. Each filter is one indexed condition (GIN on types, criteria and tags; the
    search's trigram indexes)."""
    contacts = Contact.objects.filter(merged_into__isnull=True).only(*LIST_COLUMNS)
    if query:
        ids = matching_contact_ids(query)
        if ids is not None:
            contacts = contacts.filter(pk__in=ids)
    if contact_type:
        contacts = contacts.filter(contact_types__contains=[contact_type])
    if criterion:
        contacts = contacts.filter(criteria__contains=[criterion])
    if department:
        contacts = contacts.filter(department=department.upper())
    if consent == "yes":
        contacts = contacts.filter(email_consent=True)
    elif consent == "no":
        contacts = contacts.filter(email_consent=False)
    elif consent == "unknown":
        contacts = contacts.filter(email_consent__isnull=True)
    if tag:
        contacts = contacts.filter(tags__contains=[tag])
    return contacts.order_by("last_name", "first_name", "id")


LIST_COLUMNS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "postcode",
    "city",
    "department",
    "contact_types",
    "accessibility_needs",
    "criteria",
    "tags",
    "email_consent",
    "purchase_count",
    "attendance_count",
    "last_purchase_at",
    "last_attended_at",
    "merged_into",
    "anonymised_at",
)


def venue_tags(limit: int = 200) -> list[str]:
    """The tags in use at the venue, most used first (for the filter's suggestions)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tag FROM crm_contact, unnest(tags) AS tag "
            "WHERE merged_into_id IS NULL GROUP BY tag ORDER BY count(*) DESC, tag LIMIT %s",
            [limit],
        )
        return [row[0] for row in cursor.fetchall()]


def contact_behaviour(contact_id: int) -> dict:
    """The contact page's behaviour: per season (newest first), per genre (most seen first)
    attendances per quarter and affinities (strongest first). Four small queries on the
    contact's own rows."""
    return {
        "seasons": list(SeasonStats.objects.filter(contact_id=contact_id).order_by("-season")),
        "genres": list(
            GenreStats.objects.filter(contact_id=contact_id).order_by(
                "-attendances", "-purchases", "genre"
            )
        ),
        # The last three years of attendance, oldest first (the "décrochage" shows here).
        "quarters": list(
            reversed(
                QuarterStats.objects.filter(contact_id=contact_id, attendances__gt=0).order_by(
                    "-quarter"
                )[:12]
            )
        ),
        "affinities": list(
            Affinity.objects.filter(contact_id=contact_id, weight__gt=0).order_by("-weight", "key")[
                :20
            ]
        ),
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


# Every column of a contact that says something about the person: their data export
# (crm.privacy) writes them all.
PERSONAL_FIELDS = (
    "id",
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
    "notes",
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
    "first_attended_at",
    "last_attended_at",
    "refund_count",
    "genres_seen",
    "referred_buyers",
    "unused_credit_cents",
    "rfm_recency",
    "rfm_frequency",
    "rfm_monetary",
    "integrity_score",
)
# What "my data" shows a spectator in words: the same but the venue's own scores, ids and staff
# notes (their JSON export holds those too).
OWN_FIELDS = tuple(
    name
    for name in PERSONAL_FIELDS
    if name
    not in {
        "id",
        "notes",
        "first_attended_at",
        "unused_credit_cents",
        "rfm_recency",
        "rfm_frequency",
        "rfm_monetary",
        "integrity_score",
    }
)


def known_contact_id(email: str) -> int | None:
    """The contact whose primary address this is (not merged away, not anonymised), or None;
    never creates one (a cart's spectator, for journeys' abandoned-cart reminder)."""
    from tenants.errors import ValidationFailed

    from .charter.rules import clean_email

    try:
        _typed, normalized = clean_email(email)
    except ValidationFailed:
        return None
    if not normalized:
        return None
    return (
        Contact.objects.filter(
            email_normalized=normalized, merged_into__isnull=True, anonymised_at__isnull=True
        )
        .values_list("pk", flat=True)
        .first()
    )
