"""The drop-off settings form: bounded like the model, so a bad value is a 400, never a 500."""

from django import forms
from django.utils.translation import gettext_lazy as _


class DropoffSettingsForm(forms.Form):
    enabled = forms.BooleanField(label=_("Detect drop-offs every week"), required=False)
    min_history_quarters = forms.IntegerField(
        label=_("History needed before the recent window (quarters)"), min_value=2, max_value=40
    )
    min_history_visits = forms.IntegerField(
        label=_("Visits needed before the recent window"), min_value=2, max_value=100
    )
    lookback_days = forms.IntegerField(label=_("Recent window (days)"), min_value=91, max_value=730)
    significance = forms.FloatField(
        label=_("Significance level"),
        min_value=0.001,
        max_value=0.2,
        help_text=_(
            "Lower: fewer, surer alerts (0.05 = one chance in twenty of a false alarm each)."
        ),
    )
    min_drop_percent = forms.IntegerField(
        label=_("Smallest drop worth an alert (%)"), min_value=10, max_value=90
    )

    @classmethod
    def for_settings(cls, settings, data=None):
        initial = {
            name: getattr(settings, name)
            for name in (
                "enabled",
                "min_history_quarters",
                "min_history_visits",
                "lookback_days",
                "significance",
                "min_drop_percent",
            )
        }
        return cls(data, initial=initial)
