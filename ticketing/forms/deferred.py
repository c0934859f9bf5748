"""The counter's other ways to hand out places, from the same screen as the sale: reserve (pay
later), invite (free), sell by phone (pay by a link). The places and the buyer are read as
for a sale (`SaleForm`); the payment lines are not (nothing is paid now); the terms of each
way are a small form of their own (`DeferredTermsForm`)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import Contact
from ticketing.models import InvitationReason

from .sale import SaleForm


class DeferredSaleForm(SaleForm):
    """Places, tariffs and buyer of the counter's form, without payment."""

    def _read_payments(self) -> None:
        pass

    def _settle(self) -> None:
        pass


class DeferredTermsForm(forms.Form):
    pay_by = forms.DateTimeField(
        label=gettext_lazy("Pay by"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        help_text=gettext_lazy("Empty: the venue's usual time."),
    )
    invitation_reason = forms.ChoiceField(
        label=gettext_lazy("Reason"), choices=InvitationReason.choices, required=False
    )
    invited_by = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    link_email = forms.BooleanField(label=gettext_lazy("by email"), required=False)
    link_sms = forms.BooleanField(label=gettext_lazy("by SMS"), required=False)

    def clean_pay_by(self):
        value = self.cleaned_data.get("pay_by")
        if value is not None and value <= timezone.now():
            raise forms.ValidationError(_("Choose a deadline in the future."))
        return value

    def clean_invited_by(self):
        pk = self.cleaned_data.get("invited_by")
        if pk and not Contact.objects.filter(pk=pk).exists():
            raise forms.ValidationError(_("This contact no longer exists: search again."))
        return pk

    def require_reason(self) -> bool:
        if not self.cleaned_data.get("invitation_reason"):
            self.add_error("invitation_reason", _("Choose why these tickets are offered."))
            return False
        return True


class ReservationSettingsForm(forms.Form):
    """The venue's reservation and phone-sale times (SalesSettings)."""

    reservation_hours = forms.IntegerField(
        label=gettext_lazy("Time to pay a reservation (hours)"), min_value=1, max_value=24 * 30
    )
    reservation_cutoff_hours = forms.IntegerField(
        label=gettext_lazy("Paid at the latest (hours before the performance)"),
        min_value=0,
        max_value=24 * 14,
    )
    reservation_reminder_hours = forms.IntegerField(
        label=gettext_lazy("Reminder (hours before the deadline)"), min_value=1, max_value=24 * 14
    )
    phone_payment_hours = forms.IntegerField(
        label=gettext_lazy("Time to pay a phone sale by its link (hours)"),
        min_value=1,
        max_value=24 * 14,
    )

    FIELDS = (
        "reservation_hours",
        "reservation_cutoff_hours",
        "reservation_reminder_hours",
        "phone_payment_hours",
    )
