"""The journey form: the delay as days before/after the trigger's anchor, the conditions as
a saved segment, the action and its parameters (bounded by the model's limits)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import Segment
from tenants.accounts.models import User
from ticketing.models import Performance

from ..models import Campaign
from .models import Action, Journey, Trigger

MAX_DAYS = 365


class JourneyForm(forms.ModelForm):
    days = forms.IntegerField(label=_("Delay (days)"), min_value=0, max_value=MAX_DAYS, initial=0)
    direction = forms.ChoiceField(
        label=_("Before or after"),
        choices=[("after", _("after the trigger")), ("before", _("before the trigger"))],
        initial="after",
        help_text=_(
            "Before a performance: its start. After attendance: the check-in. Abandoned cart: "
            "the cart's expiry. Favourite show: the sale's opening. Unused credit: the last "
            "purchase plus the threshold."
        ),
    )

    class Meta:
        model = Journey
        fields = [
            "name",
            "description",
            "trigger",
            "segment",
            "action",
            "campaign",
            "first_timer_campaign",
            "sms_text",
            "tag",
            "task_title",
            "task_assignee",
            "performance",
            "threshold",
        ]
        widgets = {"sms_text": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "sms_text": _("Slots: {{first_name}}, {{performance_title}}, {{performance_date}}."),
            "threshold": _("Few seats left: at most this many free places. Unused credit: days."),
            "first_timer_campaign": _("Sent instead of the email to a first-timer."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["name", "description", "trigger", "days", "direction"])
        journey_emails = Campaign.objects.filter(kind=Campaign.Kind.JOURNEY).order_by("name")
        self.fields["campaign"].queryset = journey_emails
        self.fields["first_timer_campaign"].queryset = journey_emails
        self.fields["segment"].queryset = Segment.objects.order_by("name")
        self.fields["segment"].empty_label = _("Everyone the trigger brings")
        self.fields["task_assignee"].queryset = User.objects.filter(is_active=True).order_by(
            "full_name"
        )
        self.fields["performance"].queryset = (
            Performance.objects.select_related("show")
            .filter(starts_at__gt=timezone.now())
            .order_by("starts_at")
        )
        self.fields["performance"].label_from_instance = lambda p: (
            f"{p.show.title} — {timezone.localtime(p.starts_at):%d/%m/%Y %H:%M}"
        )
        if self.instance.pk:
            minutes = self.instance.offset_minutes
            self.initial["days"] = abs(round(minutes / 1440))
            self.initial["direction"] = "before" if minutes < 0 else "after"

    def clean(self):
        data = super().clean()
        action = data.get("action")
        needed = {
            Action.EMAIL: ("campaign", _("Choose the email to send.")),
            Action.SMS: ("sms_text", _("Write the text message.")),
            Action.ADD_TAG: ("tag", _("Name the tag to add.")),
            Action.CREATE_TASK: ("task_title", _("Name the task.")),
        }
        if action in needed and not data.get(needed[action][0]):
            self.add_error(needed[action][0], needed[action][1])
        before_ok = {Trigger.BEFORE_PERFORMANCE, Trigger.FAVOURITE_SALE_OPEN}
        if data.get("direction") == "before" and data.get("trigger") not in before_ok:
            self.add_error("direction", _("This trigger can only be followed, not preceded."))
        return data

    def save(self, commit=True):
        journey = super().save(commit=False)
        sign = -1 if self.cleaned_data["direction"] == "before" else 1
        journey.offset_minutes = sign * self.cleaned_data["days"] * 1440
        return journey
