"""Who is this person? `find_or_create_contact` identifies a buyer, a sign-up or an imported
row (by email, else by name with phone or postcode); every view of a contact page is audited."""

from django.db import transaction
from django.db.models import Case, CharField, F, Func, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Lower

from tenants.accounts.models import User
from tenants.events.services import after_publish, build_event, publish

from .. import statements
from ..charter import rules as charter_rules
from ..charter.rules import clean_email as _clean_email
from ..charter.rules import normalize_email, normalize_phone  # noqa: F401 (their old home)
from ..models import (
    Consent,
    Contact,
    ContactEmail,
    Language,
    Source,
    TimelineEvent,
)
from .common import FILLABLE_FIELDS, STAFF_SOURCES, _actor_label, _check_choice
from .consents import _apply_consents


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
    # The venue's charter normalises what was typed; its required fields and strict formats
    # bind staff (the counter, imports) when a new contact is created, not a spectator online.
    staff = source in STAFF_SOURCES
    values = charter_rules.normalise_identity(
        {
            "first_name": first_name or "",
            "last_name": last_name or "",
            "phone": phone or "",
            "postcode": postcode or "",
        },
        staff=staff,
    )
    # Everything is checked: what follows only writes. Within a caller's transaction (an
    # order) it takes no savepoint of its own, two round trips fewer per order with a buyer.
    with transaction.atomic(savepoint=False):
        return _find_or_create(
            typed_email, email_normalized, values, language, source, consents, actor, staff
        )


def _find_or_create(
    typed_email: str,
    email_normalized: str,
    values: dict,
    language: str,
    source: str,
    consents: dict[str, bool] | None,
    actor: User | None,
    staff: bool,
) -> Contact:
    contact = _match_email(email_normalized) if email_normalized else _match_without_email(values)
    if contact is None:
        if staff:  # nothing written yet: the caller's transaction stays clean
            charter_rules.check_required({**values, "email": email_normalized})
        contact = Contact(
            email=typed_email,
            email_normalized=email_normalized,
            language=language,
            first_source=source,
            department=charter_rules.department_for(values["postcode"]),
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
            contact.department = charter_rules.department_for(contact.postcode, contact.country)
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
    # Each arm of the OR repeats its index's predicate (`phone <> ''`…) so that PostgreSQL
    # combines the three partial indexes (BitmapOr) instead of scanning the table.
    found = Q()
    if phone:
        names = Q()
        for name, typed in (("first_name", first), ("last_name", last)):
            if typed:
                names &= Q(**{name: ""}) | Q(**{f"{name}_folded": _folded(Value(typed))})
        found |= Q(phone=phone) & ~Q(phone="") & names
        found |= Q(other_phone=phone) & ~Q(other_phone="") & names
    if by_name:
        found |= Q(
            ~Q(postcode=""),
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


def note_contact_viewed(*, contact: Contact, actor: User | None) -> None:
    """Every view of a contact page is in the audit trail (who looked at whom, when): one
    INSERT of a small row per view, no lock, no read. Not debounced: a spectator asking who
    consulted their record gets every consultation."""
    from tenants.accounts.audit import record_event

    record_event(code="crm.contact.viewed", actor=actor, obj=contact)
