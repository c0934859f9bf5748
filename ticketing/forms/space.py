"""Forms of the spectator space and of the checkout's additions (promo code, companions)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import Consent, Language

from .buyers import contact_max_length
from .fields import DateTimeLocalField, euros_to_cents


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Your email address"),
        max_length=contact_max_length("email"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class PasswordSignInForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Email"),
        max_length=contact_max_length("email"),
        widget=forms.EmailInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=gettext_lazy("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=gettext_lazy("New password"),
        max_length=128,
        strip=False,
        help_text=gettext_lazy("At least 10 characters. Optional: the emailed link always works."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=gettext_lazy("The same password again"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


CHANNEL_FIELDS = {
    "email_newsletter": Consent.Channel.EMAIL_NEWSLETTER,
    "sms": Consent.Channel.SMS,
    "web_interest": Consent.Channel.WEB_INTEREST,
}


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language of our emails"), choices=Language.choices
    )
    email_newsletter = forms.BooleanField(
        label=gettext_lazy("Receive the venue's news by email"), required=False
    )
    sms = forms.BooleanField(
        label=gettext_lazy("Receive text messages (changes to a performance, reminders)"),
        required=False,
    )
    web_interest = forms.BooleanField(
        label=gettext_lazy(
            "Note the shows I look at on this website, to suggest similar ones (never shared)"
        ),
        required=False,
    )


class CompanionForm(forms.Form):
    first_name = forms.CharField(
        label=gettext_lazy("First name"),
        max_length=contact_max_length("first_name"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    email = forms.EmailField(
        label=gettext_lazy("Email"),
        max_length=contact_max_length("email"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("first_name")) != bool(data.get("email")) and not self.errors:
            raise forms.ValidationError(_("Give both the first name and the email, or neither."))
        return data


class BaseCompanionFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            email = (form.cleaned_data.get("email") or "").strip().lower()
            if email in seen:
                raise forms.ValidationError(_("Each companion needs their own email address."))
            if email:
                seen.add(email)

    def is_valid(self) -> bool:
        return not self.is_bound or super().is_valid()  # (no companion rows posted: none)

    def companions(self) -> list[tuple[str, str]]:
        if not self.is_bound:
            return []
        return [
            (f.cleaned_data["first_name"].strip(), f.cleaned_data["email"].strip())
            for f in self.forms
            if f.cleaned_data.get("email")
        ]


def companion_formset(places: int, data=None):
    """One optional row per ticket beyond the buyer's (at most 9 rows shown)."""
    extra = max(0, min(places - 1, 9))
    formset = forms.formset_factory(
        CompanionForm, formset=BaseCompanionFormSet, extra=extra, max_num=extra, validate_max=True
    )
    if data is not None and "companion-TOTAL_FORMS" not in data:
        data = None  # a checkout posted without the companion rows (an older page, a script)
    return formset(data, prefix="companion")


# --- Back office: the spectators' after-sale rules and promo codes ----------------------------
class AfterSaleRuleForm(forms.Form):
    performance = forms.ModelChoiceField(
        label=gettext_lazy("For"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("Every performance (the venue's rule)"),
    )
    cancel_allowed = forms.BooleanField(
        label=gettext_lazy("Spectators may cancel online (refunded)"), required=False
    )
    exchange_allowed = forms.BooleanField(
        label=gettext_lazy("Spectators may exchange for another date of the show"),
        required=False,
    )
    until_hours_before = forms.IntegerField(
        label=gettext_lazy("Until how many hours before the performance"),
        min_value=0,
        max_value=24 * 60,
        initial=48,
    )
    cancel_fee = forms.DecimalField(
        label=gettext_lazy("Fee kept per cancelled ticket (€)"),
        min_value=0,
        max_value=1000,
        max_digits=6,
        decimal_places=2,
        initial=0,
    )

    def __init__(self, *args, performances=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["performance"].queryset = performances

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "performance": data["performance"],
            "cancel_allowed": data["cancel_allowed"],
            "exchange_allowed": data["exchange_allowed"],
            "until_hours_before": data["until_hours_before"],
            "cancel_fee_cents": euros_to_cents(data["cancel_fee"]),
        }


class PromoCodeForm(forms.Form):
    code = forms.RegexField(
        label=gettext_lazy("Code"),
        regex=r"^[A-Za-z0-9-]{2,40}$",
        max_length=40,
        error_messages={"invalid": gettext_lazy("Letters, digits and dashes only (2 to 40).")},
    )
    label = forms.CharField(
        label=gettext_lazy("Partner or purpose"), max_length=120, required=False
    )
    valid_until = DateTimeLocalField(label=gettext_lazy("Valid until"), required=False)
    show = forms.ModelChoiceField(
        label=gettext_lazy("Only for this show"), queryset=None, required=False
    )

    def __init__(self, *args, shows=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["show"].queryset = shows


class PromoForm(forms.Form):
    """The checkout's promo code (checked by selectors.promotions.validate_promo_code)."""

    promo_code = forms.CharField(
        label=gettext_lazy("Promo code"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
