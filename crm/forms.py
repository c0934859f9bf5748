"""Forms of the contact screens: the list's filters, tags, the automatic criteria settings.
They parse and bound what was typed; services decide and record."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .behaviour import CRITERIA
from .models import BehaviourSettings, ContactType

CONSENT_CHOICES = [
    ("", _("Any consent")),
    ("yes", _("Newsletter: yes")),
    ("no", _("Newsletter: no")),
    ("unknown", _("Newsletter: never asked")),
]


class ContactFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Name, email, phone or postcode"),
                "autofocus": True,
            }
        ),
    )
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *ContactType.choices]
    )
    criterion = forms.ChoiceField(
        label=_("Criterion"),
        required=False,
        choices=[("", _("All criteria")), *CRITERIA.items()],
    )
    department = forms.RegexField(
        label=_("Département"),
        required=False,
        regex=r"^(\d{2,3}|2[abAB])$",
        max_length=3,
        widget=forms.TextInput(attrs={"placeholder": "75", "size": 4, "inputmode": "text"}),
    )
    consent = forms.ChoiceField(label=_("Consent"), required=False, choices=CONSENT_CHOICES)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=50)

    def filters(self) -> dict:
        """Valid filters for selectors.contact_list (an invalid field is left out)."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "query": data.get("q", ""),
            "contact_type": data.get("type", ""),
            "criterion": data.get("criterion", ""),
            "department": data.get("department", ""),
            "consent": data.get("consent", ""),
            "tag": data.get("tag", ""),
        }


class TagForm(forms.Form):
    add = forms.CharField(label=_("Add a tag"), required=False, max_length=50)
    remove = forms.CharField(required=False, max_length=50, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if not data.get("add", "").strip() and not data.get("remove", "").strip():
            raise forms.ValidationError(_("Type a tag to add."))
        return data


class BehaviourSettingsForm(forms.Form):
    season_start_month = forms.TypedChoiceField(
        label=_("The season starts in"),
        coerce=int,
        choices=[
            (1, _("January")),
            (2, _("February")),
            (3, _("March")),
            (4, _("April")),
            (5, _("May")),
            (6, _("June")),
            (7, _("July")),
            (8, _("August")),
            (9, _("September")),
            (10, _("October")),
            (11, _("November")),
            (12, _("December")),
        ],
    )
    regular_min_shows = forms.IntegerField(
        label=_("Regular: performances this season, at least"), min_value=1, max_value=100
    )
    lapsed_after_months = forms.IntegerField(
        label=_("Lapsed: months without coming nor buying, at least"), min_value=1, max_value=120
    )
    relay_min_referred = forms.IntegerField(
        label=_("Relay: buyers brought, at least"), min_value=1, max_value=1000
    )
    big_spender_min_euros = forms.IntegerField(
        label=_("Big spender: spent this season, at least (€)"), min_value=1, max_value=1_000_000
    )

    @classmethod
    def for_settings(cls, current: BehaviourSettings, data=None) -> BehaviourSettingsForm:
        initial = {
            "season_start_month": current.season_start_month,
            "regular_min_shows": current.regular_min_shows,
            "lapsed_after_months": current.lapsed_after_months,
            "relay_min_referred": current.relay_min_referred,
            "big_spender_min_euros": current.big_spender_min_cents // 100,
        }
        return cls(data, initial=initial)

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["big_spender_min_cents"] = data.pop("big_spender_min_euros") * 100
        return data
