"""Writes on saved segments: create, update, delete, each with its audit entry."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from tenants.accounts.audit import changed_fields, record_event
from tenants.accounts.models import User
from tenants.errors import ValidationFailed

from ..models import Segment
from .definition import VERSION, validate_definition

NAME_MAX = Segment._meta.get_field("name").max_length
DESCRIPTION_MAX = Segment._meta.get_field("description").max_length


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            _("A segment needs a name."), code="segments.name_missing", field="name"
        )
    if len(name) > NAME_MAX:
        raise ValidationFailed(
            _("At most %(n)s characters.") % {"n": NAME_MAX},
            code="segments.name_too_long",
            field="name",
        )
    return name


def _clean_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise ValidationFailed(
            _("At most %(n)s characters.") % {"n": DESCRIPTION_MAX},
            code="segments.description_too_long",
            field="description",
        )
    return description


@transaction.atomic
def create_segment(
    *, name: str, definition: dict, description: str = "", actor: User | None = None
) -> Segment:
    segment = Segment.objects.create(
        name=_clean_name(name),
        description=_clean_description(description),
        definition=validate_definition(definition),
        version=VERSION,
        created_by=actor,
    )
    record_event(
        code="crm.segment.created",
        actor=actor,
        obj=segment,
        data={"name": segment.name, "definition": segment.definition},
    )
    return segment


@transaction.atomic
def update_segment(
    *,
    segment: Segment,
    name: str | None = None,
    definition: dict | None = None,
    description: str | None = None,
    actor: User | None = None,
) -> Segment:
    """Change what is given (None: unchanged)."""
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    values: dict = {}
    if name is not None:
        values["name"] = _clean_name(name)
    if description is not None:
        values["description"] = _clean_description(description)
    if definition is not None:
        values["definition"] = validate_definition(definition)
        values["version"] = VERSION
    changes = changed_fields(segment, values)
    if not changes:
        return segment
    for field, (_old, new) in changes.items():
        setattr(segment, field, new)
    segment.save(update_fields=[*changes, "updated_at"])
    record_event(
        code="crm.segment.updated",
        actor=actor,
        obj=segment,
        changes=changes,
        data={"name": segment.name},
    )
    return segment


@transaction.atomic
def delete_segment(*, segment: Segment, actor: User | None = None) -> None:
    record_event(
        code="crm.segment.deleted",
        actor=actor,
        obj=segment,
        data={"name": segment.name, "definition": segment.definition},
    )
    segment.delete()
