"""A person's data: export everything the venue holds, anonymise (erase) it, and the retention
rule that proposes inactive contacts for anonymisation.

Erasure anonymises rather than deletes: orders, tickets and the sales ledger keep pointing at
the (now anonymous) contact, so the venue's figures and its accounts stay exact, while nothing
left identifies the person (names, addresses, phones, emails, notes, free text on the timeline,
IP addresses in consent proofs, relations)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import (
    Affinity,
    Consent,
    Contact,
    ContactEmail,
    ContactRelation,
    Favourite,
    GenreStats,
    SeasonStats,
    TimelineEvent,
)
from crm.selectors import PERSONAL_FIELDS
from tenants.accounts.audit import record_event
from tenants.accounts.models import User
from tenants.errors import ValidationFailed
from tenants.events.services import publish

from .models import ErasureRequest, PrivacySettings
from .registry import contributors

# Timeline `data` keys that may hold what a person typed or who they are; the rest (ids,
# counts, amounts, codes) stays so the history still adds up.
PERSONAL_DATA_KEYS = frozenset(
    {
        "email",
        "name",
        "first_name",
        "last_name",
        "phone",
        "postcode",
        "address",
        "note",
        "text",
        "comment",
        "answer",
        "ip",
        "user_agent",
        "fields_before",
        "values",
    }
)


def privacy_settings() -> PrivacySettings:
    return PrivacySettings.objects.get_or_create(singleton=True)[0]


def _row(obj, fields: list[str]) -> dict:
    values = {}
    for name in fields:
        value = getattr(obj, name)
        values[name] = value.isoformat() if isinstance(value, datetime) else value
    return values


def export_contact_data(*, contact_id: int, actor: User | None = None) -> dict:
    """Everything the venue holds on one person, as JSON-ready data (GDPR art. 15 and 20).
    Other apps add their part through crm.privacy.registry. The export is audited."""
    contact = Contact.objects.get(pk=contact_id)
    data = {
        "contact": _row(contact, PERSONAL_FIELDS),
        "other_emails": [
            _row(e, ["email", "source", "added_at"]) for e in contact.other_emails.all()
        ],
        "consents": [
            _row(
                c,
                [
                    "channel",
                    "granted",
                    "recorded_at",
                    "source",
                    "wording",
                    "ip_address",
                    "confirmed_at",
                    "actor_label",
                ],
            )
            for c in Consent.objects.filter(contact=contact).order_by("recorded_at", "id")
        ],
        "timeline": [
            _row(
                t,
                [
                    "code",
                    "occurred_at",
                    "data",
                    "show_id",
                    "performance_id",
                    "order_id",
                    "campaign_id",
                    "genre",
                ],
            )
            for t in TimelineEvent.objects.filter(contact=contact).order_by("occurred_at", "id")
        ],
        "relations": [
            {"kind": r.kind, "other": r.other.display_name, "since": r.created_at.isoformat()}
            for r in ContactRelation.objects.filter(contact=contact).select_related("other")
        ]
        + [
            {
                "kind": f"inverse:{r.kind}",
                "other": r.contact.display_name,
                "since": r.created_at.isoformat(),
            }
            for r in ContactRelation.objects.filter(other=contact).select_related("contact")
        ],
        "favourite_show_ids": list(contact.favourites.values_list("show_id", flat=True)),
        "seasons": [
            _row(s, ["season", "purchases", "tickets", "spend_cents", "attendances"])
            for s in SeasonStats.objects.filter(contact=contact).order_by("season")
        ],
        "genres": [
            _row(g, ["genre", "purchases", "attendances", "last_purchased_at", "last_attended_at"])
            for g in GenreStats.objects.filter(contact=contact).order_by("genre")
        ],
        "affinities": [
            _row(a, ["kind", "key", "weight"]) for a in Affinity.objects.filter(contact=contact)
        ],
    }
    for section, contributor in sorted(contributors().items()):
        data[section] = contributor(contact.pk)
    record_event(
        code="crm.contact.data_exported", actor=actor, obj=contact, data={"sections": len(data)}
    )
    return data


def _scrub(data: dict) -> dict:
    return {k: v for k, v in (data or {}).items() if k not in PERSONAL_DATA_KEYS}


@transaction.atomic
def anonymise_contact(*, contact_id: int, actor: User | None = None, reason: str = "") -> Contact:
    """Erase a person: blank everything that identifies them and keep the rest (counts,
    amounts, dates, ids) so sales figures and the ledger are untouched. Idempotent: an
    anonymised contact stays as it is. Publishes crm.contact.anonymised so other apps erase
    what they hold (e.g. companions' names)."""
    contact = Contact.objects.select_for_update().get(pk=contact_id)
    if contact.anonymised_at is not None:
        return contact
    now = timezone.now()
    for name in (
        "first_name",
        "last_name",
        "email",
        "email_normalized",
        "phone",
        "other_phone",
        "address_line1",
        "address_line2",
        "city",
        "notes",
    ):
        setattr(contact, name, "")
    # The département and the postcode's first digits stay useful for statistics and identify
    # nobody; the full postcode goes.
    contact.postcode = ""
    contact.tags = []
    contact.accessibility_needs = []
    contact.anonymised_at = now
    contact.email_consent = False if contact.email_consent is not None else None
    contact.sms_consent = False if contact.sms_consent is not None else None
    contact.save()
    ContactEmail.objects.filter(contact=contact).delete()
    ContactRelation.objects.filter(Q(contact=contact) | Q(other=contact)).delete()
    Favourite.objects.filter(contact=contact).delete()
    Affinity.objects.filter(contact=contact, kind=Affinity.Kind.KEYWORD).delete()
    Consent.objects.filter(contact=contact).update(ip_address=None, actor_label="")
    for event in TimelineEvent.objects.filter(contact=contact).only("id", "data"):
        scrubbed = _scrub(event.data)
        if scrubbed != event.data:
            TimelineEvent.objects.filter(pk=event.pk).update(data=scrubbed, actor_label="")
    TimelineEvent.objects.create(
        contact=contact, code="crm.contact.anonymised", data={}, actor_label="system"
    )
    ErasureRequest.objects.filter(contact=contact, status=ErasureRequest.Status.PENDING).update(
        status=ErasureRequest.Status.DONE, decided_at=now, decided_by=str(actor or "system")
    )
    record_event(
        code="crm.contact.anonymised", actor=actor, obj=contact, data={"reason": reason[:200]}
    )
    publish(
        code="crm.contact.anonymised",
        key=f"contact:{contact.pk}",
        data={"contact_id": contact.pk},
        actor=actor,
    )
    return contact


@transaction.atomic
def request_erasure(
    *, contact_id: int, origin: str, actor: User | None = None, note: str = ""
) -> tuple[ErasureRequest, bool]:
    """Open an erasure request (one pending per contact). Returns (request, created)."""
    if origin not in ErasureRequest.Origin.values:
        raise ValidationFailed(_("Unknown origin."), code="crm.erasure_origin_invalid")
    contact = Contact.objects.select_for_update().get(pk=contact_id)
    if contact.anonymised_at is not None:
        raise ValidationFailed(
            _("This contact is already anonymised."), code="crm.contact_anonymised"
        )
    pending = ErasureRequest.objects.filter(
        contact=contact, status=ErasureRequest.Status.PENDING
    ).first()
    if pending is not None:
        return pending, False
    erasure = ErasureRequest.objects.create(contact=contact, origin=origin, note=note[:1000])
    record_event(code="crm.erasure.requested", actor=actor, obj=contact, data={"origin": origin})
    return erasure, True


@transaction.atomic
def keep_contact(*, request_id: int, actor: User, note: str = "") -> ErasureRequest:
    """Decide not to anonymise (e.g. the person is active again, or a legal reason)."""
    erasure = ErasureRequest.objects.select_for_update().get(pk=request_id)
    if erasure.status != ErasureRequest.Status.PENDING:
        raise ValidationFailed(_("This request is already decided."), code="crm.erasure_decided")
    erasure.status = ErasureRequest.Status.KEPT
    erasure.decided_at = timezone.now()
    erasure.decided_by = str(actor)
    erasure.note = (erasure.note + "\n" + note).strip()[:1000]
    erasure.save(update_fields=["status", "decided_at", "decided_by", "note"])
    record_event(
        code="crm.erasure.kept", actor=actor, obj=erasure.contact, data={"request": erasure.pk}
    )
    return erasure


def last_activity_expression():
    """When the contact last did anything the venue knows of."""
    return Greatest(
        Coalesce("last_purchase_at", "first_seen_at"),
        Coalesce("last_attended_at", "first_seen_at"),
        "updated_at",
    )


def flag_inactive_contacts(*, now: datetime | None = None) -> int:
    """The retention rule: open a review request for every contact inactive for the venue's
    retention period (and not anonymised, merged or already pending). Nothing is erased
    without a staff decision. Safe to run again: one pending request per contact."""
    now = now or timezone.now()
    years = privacy_settings().retention_years
    cutoff = now - timedelta(days=365 * years)
    candidates = (
        Contact.objects.filter(anonymised_at__isnull=True, merged_into__isnull=True)
        .alias(last_activity=last_activity_expression())
        .filter(last_activity__lt=cutoff)
        .exclude(erasure_requests__status=ErasureRequest.Status.PENDING)
        .values_list("pk", flat=True)
    )
    rows = [
        ErasureRequest(contact_id=pk, origin=ErasureRequest.Origin.RETENTION) for pk in candidates
    ]
    created = ErasureRequest.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(created)
