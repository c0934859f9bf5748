import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Venue


class CreateVenueForm(forms.Form):
    name = forms.CharField(label=_("Venue name"), max_length=200)
    slug = forms.CharField(
        label=_("Address"),
        max_length=40,
        help_text=_(
            "Lowercase letters, digits and hyphens; the venue will be served on <slug>.%(domain)s."
        ),
    )
    admin_email = forms.EmailField(label=_("First admin's email"))
    admin_name = forms.CharField(label=_("First admin's name"), max_length=150, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    kind = forms.ChoiceField(
        label=_("Kind of venue"),
        choices=Venue.Kind.choices,
        initial=Venue.Kind.OTHER,
        required=False,
        help_text=_("Venues compare their figures with the anonymised median of their kind."),
    )

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or Venue.Kind.OTHER

    def __init__(self, *args, base_domain: str = "localhost", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].help_text = self.fields["slug"].help_text % {"domain": base_domain}


class VenueProfileForm(forms.ModelForm):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        choices=[(z, z) for z in sorted(zoneinfo.available_timezones()) if "/" in z],
    )

    class Meta:
        model = Venue
        fields = [
            "name",
            "street",
            "postcode",
            "city",
            "contact_email",
            "contact_phone",
            "website",
            "logo",
            "accent_color",
            "timezone",
            "locale",
        ]
        widgets = {
            "accent_color": forms.TextInput(attrs={"type": "color"}),
            "locale": forms.Select(choices=[("fr", _("French")), ("en", _("English"))]),
        }


class VenueKindForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of venue"),
        choices=Venue.Kind.choices,
        widget=forms.Select(attrs={"onchange": "this.form.submit()"}),
    )
