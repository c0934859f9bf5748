"""Forms of the hall and seat-map screens."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from .fields import IdListField, int_list

MAX_LAYOUT_FILE_BYTES = 5 * 1024 * 1024


class HallForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class LayoutForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=120,
        help_text=_("One arrangement of the hall, e.g. “Seated”, “Standing”, “Cabaret”."),
    )


class SectionForm(forms.Form):
    NUMBERING_CHOICES = [
        ("left_to_right", _("1, 2, 3… from left to right")),
        ("odd_even", _("Odd on one side, even on the other (from the centre)")),
    ]

    name = forms.CharField(label=_("Section name"), max_length=80, initial=_("Stalls"))
    rows = forms.IntegerField(label=_("Rows"), min_value=1, max_value=60, initial=10)
    seats_per_row = forms.IntegerField(
        label=_("Seats per row"), min_value=1, max_value=100, initial=20
    )
    first_row = forms.RegexField(
        label=_("First row letter"),
        regex=r"^[A-Za-z]{1,2}$",
        initial="A",
        max_length=2,
        error_messages={"invalid": _("One or two letters, e.g. A.")},
    )
    curve = forms.FloatField(
        label=_("Curve"),
        min_value=0,
        max_value=1,
        initial=0,
        help_text=_("0 = straight rows, 1 = a strong arc around the stage."),
        widget=forms.NumberInput(attrs={"step": "0.1"}),
    )
    origin_y = forms.FloatField(
        label=_("Distance of the first row from the stage"),
        min_value=0.5,
        max_value=500,
        required=False,
        help_text=_("In seat widths. By default a new section starts behind the existing ones."),
        widget=forms.NumberInput(attrs={"step": "0.5"}),
    )
    stagger = forms.BooleanField(label=_("Stagger every other row by half a seat"), required=False)
    numbering = forms.ChoiceField(label=_("Numbering"), choices=NUMBERING_CHOICES)
    rank_rows = forms.CharField(
        label=_("Rank per row"),
        required=False,
        help_text=_(
            "Comma-separated, one number per row from the front, e.g. 1,1,2,2,3 "
            "(1 = best). Empty: thirds of the hall get ranks 1, 2 and 3."
        ),
    )

    def clean_first_row(self) -> str:
        return self.cleaned_data["first_row"].upper()

    def clean_rank_rows(self) -> list[int] | None:
        return int_list(self.cleaned_data["rank_rows"], field_label=_("Rank per row")) or None


class ZoneForm(forms.Form):
    name = forms.CharField(label=_("Zone name"), max_length=80, initial=_("Standing"))
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=100000)


TRI_STATE = [("", _("Leave as is")), ("yes", _("Yes")), ("no", _("No"))]


class SeatAttributesForm(forms.Form):
    """Attributes applied to every selected seat; only the fields that are set change."""

    FLAGS = [
        ("wheelchair", _("Wheelchair space")),
        ("companion", _("Companion seat")),
        ("restricted_view", _("Restricted view")),
        ("hearing_loop", _("Hearing loop")),
        ("step_free", _("Step-free access")),
        ("is_blocked", _("Unavailable (out of sale)")),
    ]

    seats = IdListField(label=_("Seats"))
    wheelchair = forms.ChoiceField(label=_("Wheelchair space"), choices=TRI_STATE, required=False)
    companion = forms.ChoiceField(label=_("Companion seat"), choices=TRI_STATE, required=False)
    restricted_view = forms.ChoiceField(
        label=_("Restricted view"), choices=TRI_STATE, required=False
    )
    hearing_loop = forms.ChoiceField(label=_("Hearing loop"), choices=TRI_STATE, required=False)
    step_free = forms.ChoiceField(label=_("Step-free access"), choices=TRI_STATE, required=False)
    is_blocked = forms.ChoiceField(
        label=_("Unavailable (out of sale)"), choices=TRI_STATE, required=False
    )
    rank = forms.IntegerField(label=_("Rank"), min_value=1, max_value=99, required=False)
    label = forms.CharField(
        label=_("New label (one seat)"),
        max_length=40,
        required=False,
        help_text=_("Select exactly one seat to rename it."),
    )

    def changes(self, action: str) -> dict:
        """What to write: the label for "rename", the set attributes otherwise."""
        data = self.cleaned_data
        if action == "rename":
            return {"label": data["label"].strip()}
        changes: dict = {name: data[name] == "yes" for name, _label in self.FLAGS if data.get(name)}
        if data.get("rank"):
            changes["rank"] = data["rank"]
        return changes

    def check_action(self, action: str) -> bool:
        """Add the error that makes the action impossible; True when it may go ahead."""
        if not self.is_valid():
            return False
        if action == "rename":
            if not self.cleaned_data["label"].strip():
                self.add_error("label", _("Type the new label."))
            elif len(self.cleaned_data["seats"]) != 1:
                self.add_error("label", _("Select exactly one seat to rename it."))
        elif not self.changes(action):
            self.add_error(None, _("Choose at least one attribute to change."))
        return not self.errors


class LayoutImportForm(forms.Form):
    file = forms.FileField(
        label=_("Layout file (JSON)"),
        help_text=_("A file exported from Parterre (format parterre.layout/1)."),
    )
    name = forms.CharField(
        label=_("Name of the new layout"),
        max_length=120,
        required=False,
        help_text=_("Empty: the name written in the file."),
    )

    def clean_file(self) -> dict:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_LAYOUT_FILE_BYTES:
            raise forms.ValidationError(_("This file is too large (5 MB at most)."))
        try:
            return json.loads(upload.read().decode("utf-8"))
        except UnicodeDecodeError:
            raise forms.ValidationError(_("This file is not text (UTF-8 JSON expected).")) from None
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                _("This file is not valid JSON (line %(line)s, column %(col)s: %(msg)s).")
                % {"line": error.lineno, "col": error.colno, "msg": error.msg}
            ) from None
