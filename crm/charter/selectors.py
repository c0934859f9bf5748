"""The charter in words, for the box every contact form shows and for the API."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .models import DataCharter, NameStyle, RequiredField
from .rules import current_charter

NAME_EXAMPLES = {
    NameStyle.CAPITALISE: "Jean-Pierre de la Fontaine",
    NameStyle.UPPER_LAST: "Jean-Pierre DE LA FONTAINE",
}


def charter_summary(charter: DataCharter | None = None) -> dict:
    """What the charter asks of staff and what Parterre does by itself, as short phrases."""
    charter = charter or current_charter()
    labels = dict(RequiredField.choices)
    applied = []
    example = NAME_EXAMPLES.get(charter.name_style)
    if example:
        applied.append(_("names written “%(example)s”") % {"example": example})
    applied += [
        _("phones in international format (+33…)"),
        _("postcode → département"),
    ]
    formats = [_("valid email")]
    if charter.strict_postcode:
        formats.append(_("French postcode with five digits"))
    if charter.strict_phone:
        formats.append(_("phone number that exists"))
    return {
        "required": [
            str(labels[code]).lower() for code in charter.required_fields if code in labels
        ],
        "required_codes": list(charter.required_fields),
        "applied": applied,
        "formats": formats,
        "instructions": charter.instructions,
    }


def charter_data(charter: DataCharter | None = None) -> dict:
    """The charter as the API returns it (codes, not words)."""
    charter = charter or current_charter()
    return {
        "required_fields": list(charter.required_fields),
        "name_style": charter.name_style,
        "strict_postcode": charter.strict_postcode,
        "strict_phone": charter.strict_phone,
        "instructions": charter.instructions,
        "always_applied": ["email_checked", "phone_e164", "postcode_department"],
    }
