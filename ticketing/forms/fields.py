"""Fields and small parsers shared by the ticketing forms."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

DATETIME_INPUT = "%Y-%m-%dT%H:%M"


def euros_to_cents(value: Decimal | None) -> int | None:
    return None if value is None else int((value * 100).to_integral_value())


def parse_money(text: str | None) -> int | None:
    """ "12", "12,5", "12.50 €" → cents; "" → None. Raises ValueError on anything else."""
    cleaned = re.sub(r"[\s\u00a0\u202f€]", "", text or "").replace(",", ".")
    if not cleaned:
        return None
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(text)
    return int(amount * 100)


def cents_to_input(cents: int | None) -> str:
    return "" if cents is None else f"{cents // 100},{cents % 100:02d}"


def int_list(text: str, *, field_label: str) -> list[int]:
    if not text.strip():
        return []
    try:
        values = [int(part) for part in text.replace(";", ",").split(",") if part.strip()]
    except ValueError:
        raise forms.ValidationError(
            _("%(field)s: write whole numbers separated by commas, e.g. 1,1,2,2,3.")
            % {"field": field_label}
        ) from None
    if any(v < 1 or v > 99 for v in values):
        raise forms.ValidationError(_("Ranks go from 1 (best) to 99."))
    return values


class IdListField(forms.Field):
    """Several ids posted under one name (`seats=12&seats=13`), e.g. by the seat map."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Select at least one seat."),
        "invalid": _("The selection is not valid."),
    }

    def to_python(self, value):
        if not value:
            return []
        try:
            return [int(v) for v in value]
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class DateTimeLocalField(forms.DateTimeField):
    """A native date-time picker; the value is read in the venue's time zone (activated by
    the venue middleware)."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT)
        )
        kwargs.setdefault("input_formats", [DATETIME_INPUT, "%Y-%m-%d %H:%M"])
        super().__init__(**kwargs)
