"""The till's forms: open a session (desk, float), count the drawer by denomination, reopen."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ticketing.models import Desk
from ticketing.selectors.cash import DENOMINATIONS, NOTES
from ticketing.templatetags.ticketing_ui import money

from .fields import euros_to_cents


class DeskForm(forms.Form):
    name = forms.CharField(label=_("New desk"), max_length=60)


class OpenSessionForm(forms.Form):
    desk = forms.ModelChoiceField(
        label=_("Desk"), queryset=Desk.objects.filter(is_active=True), empty_label=None
    )
    float_euros = forms.DecimalField(
        label=_("Float (€)"),
        min_value=0,
        max_value=10000,
        decimal_places=2,
        help_text=_("The cash put in the drawer to give change."),
    )

    def float_cents(self) -> int:
        return euros_to_cents(self.cleaned_data["float_euros"])


def denomination_field(value: int) -> str:
    return f"d{value}"


class CloseSessionForm(forms.Form):
    """One count per note and coin; the comment is required by the service when the
    count differs from what the drawer should hold."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the count differs from the expected amount."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value in DENOMINATIONS:
            self.fields[denomination_field(value)] = forms.IntegerField(
                label=money(value),
                min_value=0,
                max_value=100_000,
                required=False,
                widget=forms.NumberInput(
                    attrs={
                        "inputmode": "numeric",
                        "data-cash-denomination": value,
                        "placeholder": "0",
                    }
                ),
            )
        self.order_fields([denomination_field(v) for v in DENOMINATIONS] + ["comment"])

    def note_fields(self):
        return [self[denomination_field(v)] for v in NOTES]

    def coin_fields(self):
        return [self[denomination_field(v)] for v in DENOMINATIONS if v not in NOTES]

    def counted(self) -> dict[int, int]:
        return {
            value: self.cleaned_data.get(denomination_field(value)) or 0 for value in DENOMINATIONS
        }


class ReopenSessionForm(forms.Form):
    reason = forms.CharField(label=_("Why reopen it?"), max_length=500)
