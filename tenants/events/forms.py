from django import forms
from django.utils.translation import gettext_lazy as _

from . import catalogue
from .transport import MAX_URL_LENGTH


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=MAX_URL_LENGTH,
        help_text=_("An HTTPS address of your system that accepts POST requests."),
        widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "off"}),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_codes = forms.MultipleChoiceField(
        label=_("Events"),
        choices=catalogue.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event type.")},
    )
