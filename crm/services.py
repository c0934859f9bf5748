"""Writes on contacts, consents and the timeline (in the current venue's schema).

Ticketing calls `find_or_create_contact` to identify a buyer and `record_purchase`,
`record_attendance`, `record_refund` to report what happened. Each `record_*` is idempotent:
its timeline event carries a `dedupe_key` under a unique constraint, and the behaviour columns
only move in the same transaction as a newly inserted event.
"""

import re
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Case, CharField, F, Func, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest, Least, Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.accounts.models import User
from tenants.errors import ValidationFailed
from tenants.events.services import after_publish, build_event, publish

from . import statements
from .geo import department_of
from .models import (
    Consent,
    Contact,
    ContactEmail,
    ContactRelation,
    Favourite,
    Language,
    RelationKind,
    Source,
    TimelineEvent,
)

try:  # E.164 through libphonenumber when the dependency is installed.
    import phonenumbers
except ImportError:  # pragma: no cover - depends on the environment
    phonenumbers = None

DEFAULT_PHONE_REGION = "FR"
# Fields `find_or_create_contact` may fill on an existing contact when they are blank there.
FILLABLE_FIELDS = ("first_name", "last_name", "phone", "postcode")
# The contact's column holding the current value of a channel's consent.
CONSENT_COLUMNS = {
    Consent.Channel.EMAIL_NEWSLETTER: "email_consent",
    Consent.Channel.SMS: "sms_consent",
}


def _actor_label(actor: User | None) -> str:
    return str(actor) if actor is not None else "system"


def normalize_email(email: str | None) -> str:
    """The matching key of an address: surrounding spaces removed, lowercased."""
    return (email or "").strip().lower()


def normalize_phone(phone: str | None, *, region: str = DEFAULT_PHONE_REGION) -> str:
    """A phone number as E.164 (`+33612345678`), or "" when none was given."""
    raw = (phone or "").strip()
    if not raw:
        return ""
    invalid = ValidationFailed(
        _("“%(phone)s” is not a valid phone number.") % {"phone": raw},
        code="crm.phone_invalid",
        field="phone",
    )
    if phonenumbers is not None:
        try:
            parsed = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            raise invalid from None
        # "Possible" (right length for the country), not "valid": the metadata lags behind
        # new number ranges, and the counter must never refuse a number someone gives.
        if not phonenumbers.is_possible_number(parsed):
            raise invalid
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return _normalize_phone_simply(raw, invalid)


def _normalize_phone_simply(raw: str, invalid: ValidationFailed) -> str:
    """Fallback without libphonenumber: international numbers as typed, French national ones
    (0X XX XX XX XX) converted; length checked, numbering plan not."""
    compact = re.sub(r"[\s.\-/()]", "", raw.replace("(0)", ""))
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if re.fullmatch(r"0[1-9]\d{8}", compact):
        compact = "+33" + compact[1:]
    if compact.startswith("+330"):  # "+33 0X…" typed with the trunk zero
        compact = "+33" + compact[4:]
    if not re.fullmatch(r"\+[1-9]\d{7,14}", compact):
        raise invalid
    if compact.startswith("+33") and len(compact) != 12:
        raise invalid
    return compact


def _clean_email(email: str | None) -> tuple[str, str]:
    typed = (email or "").strip()
    if not typed:
        return "", ""
    try:
        validate_email(typed)
    except ValidationError:
        raise ValidationFailed(
            _("“%(email)s” is not a valid email address.") % {"email": typed},
            code="crm.email_invalid",
            field="email",
        ) from None
    return typed, normalize_email(typed)


def _check_choice(value: str, choices, *, field: str) -> None:
    if value not in choices.values:
        raise ValidationFailed(
            _("Unknown value “%(value)s”.") % {"value": value},
            code=f"crm.{field}_invalid",
            field=field,
        )


def find_or_create_contact(
    *,
    email: str | None = None,
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    postcode: str = "",
    language: str = Language.FR,
    source: str,
    consents: dict[str, bool] | None = None,
    actor: User | None = None,
) -> Contact:
    """The venue's contact for this email, created if needed.

    An existing contact only gets its blank fields filled (what the venue already knows is never
    overwritten by what a buyer types). The email is looked up among primary and other
    addresses. Without an email (a counter buyer), an active contact with the same phone
    (E.164, main or other) and a compatible name, or the same first name, last name and
    postcode (accents and case aside), is that person; else a new contact is created (typos
    and the rest are the duplicate queue's job, crm.dedup). Concurrent calls with the same
    email end with one contact: the unique constraint decides and the loser re-reads the
    winner's row. `consents` holds only the choices the person actually expressed, by channel.
    """
    typed_email, email_normalized = _clean_email(email)
    _check_choice(source, Source, field="source")
    _check_choice(language, Language, field="language")
    for channel in consents or {}:
        _check_choice(channel, Consent.Channel, field="channel")
    values = {
        "first_name": (first_name or "").strip(),
        "last_name": (last_name or "").strip(),
        "phone": normalize_phone(phone),
        "postcode": (postcode or "").strip().upper(),
    }
    # Everything is checked: what follows only writes. Within a caller's transaction (an
    # order) it takes no savepoint of its own, two round trips fewer per order with a buyer.
    with transaction.atomic(savepoint=False):
        return _find_or_create(
            typed_email, email_normalized, values, language, source, consents, actor
        )


def _find_or_create(
    typed_email: str,
    email_normalized: str,
    values: dict,
    language: str,
    source: str,
    consents: dict[str, bool] | None,
    actor: User | None,
) -> Contact:
    contact = _match_email(email_normalized) if email_normalized else _match_without_email(values)
    if contact is None:
        contact = Contact(
            email=typed_email,
            email_normalized=email_normalized,
            language=language,
            first_source=source,
            department=department_of(values["postcode"]),
            **values,
        )
        created = TimelineEvent(
            code="crm.contact.created", data={"source": source}, actor_label=_actor_label(actor)
        )
        # Its key and data get the new contact's id in the statement that writes them.
        event = build_event(
            code="crm.contact.created", key="contact:", data={"source": source}, actor=actor
        )
        # A concurrent call with the same email may insert first: then this one waits for it,
        # inserts nothing, and reads the winner's row (no savepoint needed for the race).
        if not statements.create_contact(contact, created, event):
            contact = Contact.objects.select_for_update().get(email_normalized=email_normalized)
        else:
            after_publish()
            _apply_consents(contact=contact, consents=consents, source=source, actor=actor)
            return contact

    filled = [name for name in FILLABLE_FIELDS if values[name] and not getattr(contact, name)]
    for name in filled:
        setattr(contact, name, values[name])
    if filled:
        written = list(filled)
        if "postcode" in filled:
            contact.department = department_of(contact.postcode, contact.country)
            written.append("department")
        contact.save(update_fields=[*written, "updated_at"])
        TimelineEvent.objects.create(
            contact=contact,
            code="crm.contact.completed",
            data={"source": source, "fields": filled},
            actor_label=_actor_label(actor),
        )
        publish(
            code="crm.contact.updated",
            key=f"contact:{contact.pk}",
            data={"contact_id": contact.pk, "source": source, "fields": filled},
            actor=actor,
        )
    _apply_consents(contact=contact, consents=consents, source=source, actor=actor)
    return contact


def _folded(expression):
    """Lowercase without accents, as indexed by crm_contact_name_postcode."""
    return Lower(Func(expression, function="crm_unaccent", output_field=CharField()))


def _match_email(email_normalized: str) -> Contact | None:
    """The contact holding this address as its primary or as an other email, locked; one
    query (two index probes in sub-selects, then the primary key)."""
    primary = Contact.objects.filter(email_normalized=email_normalized).values("pk")[:1]
    other = ContactEmail.objects.filter(email_normalized=email_normalized).values("contact_id")
    return (
        Contact.objects.select_for_update()
        .filter(pk=Coalesce(Subquery(primary), Subquery(other[:1])))
        .first()
    )


def _match_without_email(values: dict) -> Contact | None:
    """A counter buyer without email: the active contact with this phone (main or other) whose
    names do not contradict the buyer's (a household shares a landline, not a first name), or
    with the same first name, last name and postcode. One query, served by the partial indexes
    crm_contact_phone, crm_contact_other_phone and crm_contact_name_postcode."""
    phone, first, last, postcode = (
        values["phone"],
        values["first_name"],
        values["last_name"],
        values["postcode"],
    )
    by_name = bool(first and last and postcode)
    if not phone and not by_name:
        return None
    found = Q()
    if phone:
        same_phone = Q(phone=phone) | Q(other_phone=phone)
        for name, typed in (("first_name", first), ("last_name", last)):
            if typed:
                same_phone &= Q(**{name: ""}) | Q(**{f"{name}_folded": _folded(Value(typed))})
        found |= same_phone
    if by_name:
        found |= Q(
            postcode=postcode,
            last_name_folded=_folded(Value(last)),
            first_name_folded=_folded(Value(first)),
        )
    return (
        Contact.objects.select_for_update(of=("self",))
        .alias(first_name_folded=_folded(F("first_name")), last_name_folded=_folded(F("last_name")))
        .filter(found, merged_into__isnull=True, anonymised_at__isnull=True)
        .order_by(Case(When(phone=phone or None, then=0), default=1), "pk")
        .first()
    )


def _apply_consents(
    *, contact: Contact, consents: dict[str, bool] | None, source: str, actor: User | None
) -> None:
    for channel, granted in (consents or {}).items():
        set_consent(contact=contact, channel=channel, granted=granted, source=source, actor=actor)


@transaction.atomic
def set_consent(
    *,
    contact: Contact,
    channel: str,
    granted: bool,
    source: str,
    recorded_at: datetime | None = None,
    actor: User | None = None,
    wording: str = "",
    ip_address: str | None = None,
    confirmed_at: datetime | None = None,
) -> Consent | None:
    """Append the contact's choice for a channel. Returns the new row, or None when the choice
    is the current one already (the row that proves it stays the latest)."""
    _check_choice(channel, Consent.Channel, field="channel")
    _check_choice(source, Source, field="source")
    # Lock the contact: two concurrent changes on a channel are applied one after the other.
    Contact.objects.select_for_update().filter(pk=contact.pk).values_list("pk").get()
    current = Consent.objects.filter(contact=contact, channel=channel).first()
    if current is not None and current.granted == bool(granted):
        return None
    consent = Consent.objects.create(
        contact=contact,
        channel=channel,
        granted=bool(granted),
        source=source,
        recorded_at=recorded_at or timezone.now(),
        actor_label=_actor_label(actor),
        wording=wording,
        ip_address=ip_address or None,
        confirmed_at=confirmed_at,
    )
    current_column = CONSENT_COLUMNS.get(channel)
    if current_column:
        Contact.objects.filter(pk=contact.pk).update(**{current_column: bool(granted)})
        setattr(contact, current_column, bool(granted))
    TimelineEvent.objects.create(
        contact=contact,
        code="crm.consent.granted" if granted else "crm.consent.withdrawn",
        occurred_at=consent.recorded_at,
        data={"channel": channel, "source": source},
        actor_label=consent.actor_label,
    )
    return consent


def _check_report(*, occurred_at: datetime, counts: dict[str, int]) -> None:
    if timezone.is_naive(occurred_at):
        raise ValidationFailed(_("The time of the event must be timezone-aware."))
    for name, value in counts.items():
        if value < 0:
            raise ValidationFailed(
                _("%(name)s cannot be negative.") % {"name": name}, code="crm.negative", field=name
            )


def _check_references(**references: str) -> None:
    for name, value in references.items():
        if not (value or "").strip():
            raise ValidationFailed(
                _("A reference is required."), code="crm.reference_missing", field=name
            )


def _report_once(*, contact_id: int, counts: dict, **event) -> bool:
    """Record a ticketing fact on the contact's timeline once (by its dedupe key) and update
    the contact's counts with it; False if it was already recorded.

    Takes no savepoint of its own inside a caller's transaction (an order: two round trips
    fewer), so it must never fail after writing: a contact that does not exist (the foreign
    key is only checked at commit) gets its just-written event removed, and the error is
    raised once the block is left cleanly."""
    with transaction.atomic(savepoint=False):
        row = TimelineEvent(contact_id=contact_id, **event)
        inserted, known = statements.report_once(row, counts)
        if not known:
            TimelineEvent.objects.filter(pk=row.pk).delete()
    if not known:
        raise ValidationFailed(
            _("This contact does not exist (any more)."), code="crm.contact_unknown"
        )
    return inserted


def record_purchase(
    *,
    contact_id: int,
    order_reference: str,
    tickets: int,
    amount_cents: int,
    occurred_at: datetime,
    performance_label: str = "",
    channel: str = "",
    actor: User | None = None,
) -> bool:
    """Count a purchase once per order. Returns False if this order was already recorded."""
    _check_report(occurred_at=occurred_at, counts={"tickets": tickets, "amount": amount_cents})
    _check_references(order_reference=order_reference)
    # One UPDATE, computed by PostgreSQL (LEAST/GREATEST ignore NULLs there), so concurrent
    # purchases of one contact never overwrite each other's counts.
    return _report_once(
        contact_id=contact_id,
        code="ticketing.purchase",
        dedupe_key=order_reference,
        occurred_at=occurred_at,
        actor_label=_actor_label(actor),
        data={
            "order": order_reference,
            "tickets": tickets,
            "amount_cents": amount_cents,
            "performance": performance_label,
            "channel": channel,
        },
        counts={
            "purchase_count": F("purchase_count") + 1,
            "tickets_bought": F("tickets_bought") + tickets,
            "amount_spent_cents": F("amount_spent_cents") + amount_cents,
            "first_purchase_at": Least(F("first_purchase_at"), occurred_at),
            "last_purchase_at": Greatest(F("last_purchase_at"), occurred_at),
        },
    )


def record_attendance(
    *,
    contact_id: int,
    ticket_reference: str,
    performance_label: str,
    occurred_at: datetime,
    actor: User | None = None,
) -> bool:
    """Count an attendance once per ticket. Returns False if this ticket was already counted."""
    _check_report(occurred_at=occurred_at, counts={})
    _check_references(ticket_reference=ticket_reference)
    return _report_once(
        contact_id=contact_id,
        code="ticketing.attendance",
        dedupe_key=ticket_reference,
        occurred_at=occurred_at,
        actor_label=_actor_label(actor),
        data={"ticket": ticket_reference, "performance": performance_label},
        counts={
            "attendance_count": F("attendance_count") + 1,
            "last_attended_at": Greatest(F("last_attended_at"), occurred_at),
        },
    )


def record_refund(
    *,
    contact_id: int,
    order_reference: str,
    refund_reference: str,
    tickets: int,
    amount_cents: int,
    occurred_at: datetime,
    actor: User | None = None,
) -> bool:
    """Count a refund once per (order, refund). Returns False if it was already counted.

    Totals are floored at zero rather than refused: the money has been returned in ticketing
    whatever crm knew (e.g. an order placed before crm recorded purchases)."""
    _check_report(occurred_at=occurred_at, counts={"tickets": tickets, "amount": amount_cents})
    _check_references(order_reference=order_reference, refund_reference=refund_reference)
    return _report_once(
        contact_id=contact_id,
        code="ticketing.refund",
        dedupe_key=f"{order_reference}:{refund_reference}",
        occurred_at=occurred_at,
        actor_label=_actor_label(actor),
        data={
            "order": order_reference,
            "refund": refund_reference,
            "tickets": tickets,
            "amount_cents": amount_cents,
        },
        counts={
            "refund_count": F("refund_count") + 1,
            "tickets_bought": Greatest(F("tickets_bought") - tickets, 0),
            "amount_spent_cents": Greatest(F("amount_spent_cents") - amount_cents, 0),
        },
    )


@transaction.atomic
def relate_contacts(
    *,
    contact_id: int,
    other_id: int,
    kind: str,
    source: str,
    data: dict | None = None,
    actor: User | None = None,
) -> bool:
    """Record that `contact` relates to `other` (read "contact came with other", "contact was
    referred by other"). Idempotent: False when the relation was known already. A symmetric
    relation already recorded the other way round counts as known."""
    _check_choice(kind, RelationKind, field="kind")
    _check_choice(source, Source, field="source")
    if contact_id == other_id:
        raise ValidationFailed(
            _("A contact cannot be related to itself."), code="crm.relation_self", field="other"
        )
    if (
        kind in SYMMETRIC_RELATIONS
        and ContactRelation.objects.filter(
            contact_id=other_id, other_id=contact_id, kind=kind
        ).exists()
    ):
        return False
    _relation, created = ContactRelation.objects.get_or_create(
        contact_id=contact_id,
        other_id=other_id,
        kind=kind,
        defaults={"source": source, "data": data or {}},
    )
    if created:
        TimelineEvent.objects.create(
            contact_id=contact_id,
            code="crm.relation.added",
            data={"kind": kind, "other": other_id, "source": source, **(data or {})},
            actor_label=_actor_label(actor),
        )
        if kind == RelationKind.REFERRED_BY:
            Contact.objects.filter(pk=other_id).update(referred_buyers=F("referred_buyers") + 1)
    return created


# Relations that read the same both ways ("came with", "friend of", "household").
SYMMETRIC_RELATIONS = frozenset(
    {RelationKind.CAME_WITH, RelationKind.FRIEND, RelationKind.HOUSEHOLD}
)


@transaction.atomic
def set_favourite(*, contact_id: int, show_id: int, favourite: bool) -> bool:
    """Put or take off a heart on a show. Returns True when something changed."""
    if favourite:
        changed = Favourite.objects.get_or_create(contact_id=contact_id, show_id=show_id)[1]
    else:
        changed = bool(Favourite.objects.filter(contact_id=contact_id, show_id=show_id).delete()[0])
    if changed:
        TimelineEvent.objects.create(
            contact_id=contact_id,
            code="crm.favourite.added" if favourite else "crm.favourite.removed",
            show_id=show_id,
            data={"show": show_id},
        )
    return changed
