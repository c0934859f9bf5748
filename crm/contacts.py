"""A contact's own fields written from the back office, the API and imports, with the
venue's normalisation applied on the way in: names capitalised, phones in E.164, emails
checked, postcode → département. (The counter's and the web's quick identification stays
`crm.services.find_or_create_contact`.)"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tenants.accounts.audit import record_event
from tenants.accounts.models import User
from tenants.errors import Conflict, ValidationFailed
from tenants.events.models import Event
from tenants.events.services import after_publish, build_event, publish

from . import statements
from .charter import rules as charter_rules
from .charter.models import DataCharter
from .charter.rules import capitalise_name, normalise_postcode  # noqa: F401 (their old home)
from .models import AccessibilityNeed, Contact, ContactType, Language, Source, TimelineEvent

# The fields a contact's writers may set, as plain values (names as in Contact).
TEXT_FIELDS = (
    "first_name",
    "last_name",
    "address_line1",
    "address_line2",
    "postcode",
    "city",
    "country",
    "notes",
)
LIST_FIELDS = ("contact_types", "accessibility_needs", "tags")
WRITABLE_FIELDS = (*TEXT_FIELDS, "email", "phone", "other_phone", "language", *LIST_FIELDS)


def _choices(values, choices, field: str) -> list[str]:
    out = []
    for value in values or []:
        if value not in choices.values:
            raise ValidationFailed(
                _("Unknown value “%(value)s”.") % {"value": value},
                code=f"crm.{field}_invalid",
                field=field,
            )
        if value not in out:
            out.append(value)
    return out


def normalise_values(values: dict, *, charter: DataCharter | None = None) -> dict:
    """The writable values given, checked and normalised by the venue's data-entry charter
    (crm.charter.rules; raises ValidationFailed with the field). Lengths are the caller's to
    bound (serializers, the import's row checks). Required fields are checked apart, on the
    contact's final values (`check_charter`)."""
    clean: dict = {}
    for name in TEXT_FIELDS:
        if name in values:
            text = str(values[name] or "")
            clean[name] = text.strip() if name == "notes" else " ".join(text.split())
    if "country" in clean:
        clean["country"] = (clean["country"] or "FR").upper()[:2]
    for name in ("phone", "other_phone"):
        if name in values:
            clean[name] = values[name] or ""
    clean = charter_rules.normalise_identity(clean, charter=charter)
    if "email" in values:
        clean["email"], clean["email_normalized"] = charter_rules.clean_email(values["email"])
    if "language" in values:
        clean["language"] = values["language"] or Language.FR
        _choices([clean["language"]], Language, "language")
    if "contact_types" in values:
        clean["contact_types"] = _choices(values["contact_types"], ContactType, "contact_types")
    if "accessibility_needs" in values:
        clean["accessibility_needs"] = _choices(
            values["accessibility_needs"], AccessibilityNeed, "accessibility_needs"
        )
    if "tags" in values:
        clean["tags"] = list(dict.fromkeys(t.strip() for t in values["tags"] or [] if t.strip()))
    return clean


def _actor_label(actor: User | None) -> str:
    return str(actor) if actor is not None else "system"


def new_contact(*, values: dict, source: str) -> Contact:
    """An unsaved contact with normalised `values` (its département derived)."""
    values = dict(values)
    contact = Contact(
        email_normalized=values.pop("email_normalized", ""),
        first_source=source,
        **{name: value for name, value in values.items() if name in WRITABLE_FIELDS},
    )
    contact.department = charter_rules.department_for(contact.postcode, contact.country)
    return contact


def insert_contact(*, values: dict, source: str, actor: User | None = None) -> Contact | None:
    """INSERT a contact with normalised `values` (its "created" timeline event and outbox
    event in the same statement); None when its email was taken meanwhile (nothing written).
    Must run inside a transaction."""
    contact = new_contact(values=values, source=source)
    created = TimelineEvent(
        code="crm.contact.created", data={"source": source}, actor_label=_actor_label(actor)
    )
    event = build_event(
        code="crm.contact.created", key="contact:", data={"source": source}, actor=actor
    )
    if not statements.create_contact(contact, created, event):
        return None
    after_publish()
    return contact


def insert_contacts(*, contacts: list[Contact], source: str, actor: User | None = None) -> bool:
    """INSERT many new contacts (an import's batch) with their "created" timeline events and
    outbox events, a few statements in all. False, and nothing written, when one's email was
    taken meanwhile (the caller then inserts them one by one). Inside a transaction."""
    try:
        with transaction.atomic():
            Contact.objects.bulk_create(contacts, batch_size=500)
    except IntegrityError:
        for contact in contacts:
            contact.pk = None
            contact._state.adding = True
        return False
    label = _actor_label(actor)
    TimelineEvent.objects.bulk_create(
        [
            TimelineEvent(
                contact=c, code="crm.contact.created", data={"source": source}, actor_label=label
            )
            for c in contacts
        ],
        batch_size=500,
    )
    Event.objects.bulk_create(
        [
            build_event(
                code="crm.contact.created",
                key=f"contact:{c.pk}",
                data={"source": source, "contact_id": c.pk},
                actor=actor,
            )
            for c in contacts
        ],
        batch_size=500,
    )
    after_publish()
    return True


def apply_values(
    *, contact: Contact, values: dict, replace: bool, source: str, actor: User | None = None
) -> tuple[list[str], list[str]]:
    """Write `values` (normalised) on an existing contact: blank fields are filled; with
    `replace`, differing values are replaced too. Returns (filled, replaced) field names.
    Lists (types, needs, tags) are merged, never shortened. Publishes crm.contact.updated."""
    filled, replaced = [], []
    for name, value in values.items():
        if name not in WRITABLE_FIELDS or name == "email" or value in ("", None, []):
            continue
        current = getattr(contact, name)
        if name in LIST_FIELDS:
            merged = list(dict.fromkeys([*current, *value]))
            if merged != current:
                setattr(contact, name, merged)
                (filled if not current else replaced).append(name)
        elif not current:
            setattr(contact, name, value)
            filled.append(name)
        elif replace and current != value:
            setattr(contact, name, value)
            replaced.append(name)
    email = values.get("email")
    # A blank email is filled only if no other contact holds it (the unique constraint).
    if (
        email
        and not contact.email_normalized
        and not Contact.objects.filter(email_normalized=values["email_normalized"]).exists()
    ):
        contact.email, contact.email_normalized = email, values["email_normalized"]
        filled.append("email")
    changed = filled + replaced
    if not changed:
        return filled, replaced
    written = list(changed)
    if {"postcode", "country"} & set(changed):
        contact.department = charter_rules.department_for(contact.postcode, contact.country)
        written.append("department")
    if "email" in written:
        written.append("email_normalized")
    contact.save(update_fields=[*written, "updated_at"])
    publish(
        code="crm.contact.updated",
        key=f"contact:{contact.pk}",
        data={"contact_id": contact.pk, "source": source, "fields": changed},
        actor=actor,
    )
    return filled, replaced


@transaction.atomic
def create_contact(*, values: dict, source: str = Source.BACKOFFICE, actor: User | None = None):
    """A new contact from a staff member (back office, API). An email already in the base is
    a Conflict naming the contact that holds it."""
    clean = normalise_values(values)
    if not any(clean.get(name) for name in ("email", "phone", "last_name", "first_name")):
        raise ValidationFailed(
            _("Give at least a name, an email or a phone number."), code="crm.no_identity"
        )
    charter_rules.check_required(clean)
    contact = insert_contact(values=clean, source=source, actor=actor)
    if contact is None:
        raise Conflict(
            _("Another contact already has this email address."),
            code="crm.contact.email_taken",
            field="email",
        )
    record_event(code="crm.contact.created", actor=actor, obj=contact, data={"source": source})
    return contact


@transaction.atomic
def update_contact(*, contact: Contact, values: dict, actor: User | None = None) -> Contact:
    """Replace the given fields of a contact (an API PATCH/PUT, a back-office form)."""
    clean = normalise_values(values)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    email_normalized = clean.pop("email_normalized", None)
    changes = {}
    for name, value in clean.items():
        if getattr(contact, name) != value:
            changes[name] = (getattr(contact, name), value)
            setattr(contact, name, value)
    if not changes:
        return contact
    # The contact as it would be: a required field cannot be left blank by an edit.
    charter_rules.check_required({name: getattr(contact, name) for name in WRITABLE_FIELDS})
    written = list(changes)
    if "email" in changes:
        if (
            email_normalized
            and Contact.objects.filter(email_normalized=email_normalized)
            .exclude(pk=contact.pk)
            .exists()
        ):
            raise Conflict(
                _("Another contact already has this email address."),
                code="crm.contact.email_taken",
                field="email",
            )
        contact.email_normalized = email_normalized or ""
        written.append("email_normalized")
    if {"postcode", "country"} & set(changes):
        contact.department = charter_rules.department_for(contact.postcode, contact.country)
        written.append("department")
    contact.save(update_fields=[*written, "updated_at"])
    TimelineEvent.objects.create(
        contact=contact,
        code="crm.contact.edited",
        data={"fields": sorted(changes)},
        actor_label=_actor_label(actor),
    )
    record_event(code="crm.contact.updated", actor=actor, obj=contact, changes=changes)
    publish(
        code="crm.contact.updated",
        key=f"contact:{contact.pk}",
        data={"contact_id": contact.pk, "source": Source.BACKOFFICE, "fields": sorted(changes)},
        actor=actor,
    )
    return contact


@transaction.atomic
def delete_contact(*, contact: Contact, actor: User | None = None) -> None:
    """Delete a contact entered by mistake. One with a history (purchases, attendances,
    consents) is kept: anonymising it is the way to erase a person."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.purchase_count or contact.attendance_count or contact.consents.exists():
        raise Conflict(
            _("This contact has a history: anonymise it instead of deleting it."),
            code="crm.contact.has_history",
        )
    record_event(code="crm.contact.deleted", actor=actor, obj=contact)
    contact.delete()
