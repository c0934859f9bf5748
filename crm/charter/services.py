"""The data steward's writes on the venue's data-entry charter."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from tenants.accounts.audit import changed_fields, record_event
from tenants.accounts.models import User
from tenants.errors import ValidationFailed

from .models import DataCharter, NameStyle, RequiredField

MAX_INSTRUCTIONS = 500


@transaction.atomic
def update_charter(
    *,
    required_fields: list[str],
    name_style: str,
    strict_postcode: bool,
    strict_phone: bool,
    instructions: str = "",
    actor: User | None = None,
) -> DataCharter:
    """Replace the venue's charter. It binds contacts created or edited from now on (the
    base is not re-checked: the integrity dashboard says what to fix)."""
    required = []
    for code in required_fields:
        if code not in RequiredField.values:
            raise ValidationFailed(
                _("Unknown value “%(value)s”.") % {"value": code},
                code="crm.charter.field_unknown",
                field="required_fields",
            )
        if code not in required:
            required.append(code)
    if name_style not in NameStyle.values:
        raise ValidationFailed(
            _("Unknown value “%(value)s”.") % {"value": name_style},
            code="crm.charter.name_style_unknown",
            field="name_style",
        )
    instructions = (instructions or "").strip()
    if len(instructions) > MAX_INSTRUCTIONS:
        raise ValidationFailed(
            _("At most %(n)s characters.") % {"n": MAX_INSTRUCTIONS},
            code="crm.charter.instructions_too_long",
            field="instructions",
        )
    # In the order of the choices, whatever order they were ticked in (the box reads well).
    required.sort(key=RequiredField.values.index)
    charter = DataCharter.objects.select_for_update().get_or_create(singleton=True)[0]
    values = {
        "required_fields": required,
        "name_style": name_style,
        "strict_postcode": bool(strict_postcode),
        "strict_phone": bool(strict_phone),
        "instructions": instructions,
    }
    changes = changed_fields(charter, values)
    if not changes:
        return charter
    for name, value in values.items():
        setattr(charter, name, value)
    charter.updated_by_label = str(actor) if actor is not None else "system"
    # save() bumps the venue's generation: every process reads the new charter.
    charter.save(update_fields=[*changes, "updated_by_label", "updated_at"])
    record_event(code="crm.charter.updated", actor=actor, obj=charter, changes=changes)
    return charter
