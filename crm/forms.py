"""Forms of the contact screens: the list's filters, tags, the automatic criteria settings.
They parse and bound what was typed; services decide and record."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .behaviour import CRITERIA
from .models import AccessibilityNeed, BehaviourSettings, Contact, ContactType, Language

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


def _max(name: str) -> int:
    return Contact._meta.get_field(name).max_length


def _text(label, name: str, **kwargs) -> forms.CharField:
    return forms.CharField(label=label, max_length=_max(name), required=False, **kwargs)


class ContactForm(forms.Form):
    """A contact typed by staff. Bounds lengths only: the venue's data-entry charter (required
    fields, formats, normalisation) is crm.contacts' to apply, the one path every channel
    takes; its errors come back on the fields."""

    first_name = _text(
        _("First name"), "first_name", widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    last_name = _text(
        _("Last name"), "last_name", widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    email = forms.EmailField(label=_("Email"), max_length=_max("email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    other_phone = forms.CharField(label=_("Other phone"), max_length=40, required=False)
    address_line1 = _text(_("Postal address"), "address_line1")
    address_line2 = _text(_("Address (continued)"), "address_line2")
    postcode = _text(_("Postcode"), "postcode")
    city = _text(_("Town"), "city")
    country = forms.RegexField(
        label=_("Country (ISO code)"), regex=r"^[A-Za-z]{2}$", required=False, max_length=2,
        widget=forms.TextInput(attrs={"size": 3}),
    )  # fmt: skip
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    contact_types = forms.MultipleChoiceField(
        label=_("Types"), choices=ContactType.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    accessibility_needs = forms.MultipleChoiceField(
        label=_("Accessibility needs"), choices=AccessibilityNeed.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    notes = forms.CharField(
        label=_("Notes"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, required: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        # The charter's required fields are marked (label, aria) but checked by the service.
        for name in required:
            if name in self.fields:
                self.fields[name].charter_required = True
                self.fields[name].widget.attrs["aria-required"] = "true"

    @classmethod
    def for_contact(cls, contact: Contact | None, data=None, **kwargs) -> ContactForm:
        initial = {"language": Language.FR, "country": "FR"}
        if contact is not None:
            initial = {name: getattr(contact, name) for name in cls.base_fields}
        return cls(data, initial=initial, **kwargs)

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["country"] = (data.get("country") or "FR").upper()
        return data
