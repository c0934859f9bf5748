"""Who buys: the counter's buyer (anyone, or a contact picked from the CRM) and the online
buyer. Their fields carry the contact's limits, read from the model so they cannot drift:
PostgreSQL never has to refuse what a form accepted."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import Contact
from ticketing import selectors
from ticketing.specs import Buyer

# A phone number is typed with spaces, dots or brackets and stored as E.164 (at most 16
# characters, within the model's limit).
PHONE_TYPED_MAX_LENGTH = 32


def contact_max_length(name: str) -> int:
    return Contact._meta.get_field(name).max_length


def _text(label, name: str, **kwargs) -> forms.CharField:
    return forms.CharField(label=label, max_length=contact_max_length(name), **kwargs)


class CounterBuyerForm(forms.Form):
    """The counter's buyer: nothing typed (anonymous), a contact picked, or a new one."""

    contact = forms.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput
    )
    first_name = _text(gettext_lazy("First name"), "first_name", required=False)
    last_name = _text(gettext_lazy("Last name"), "last_name", required=False)
    email = forms.EmailField(
        label=gettext_lazy("Email"), max_length=contact_max_length("email"), required=False
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone"), max_length=PHONE_TYPED_MAX_LENGTH, required=False
    )
    postcode = _text(gettext_lazy("Postcode"), "postcode", required=False)
    newsletter = forms.BooleanField(label=gettext_lazy("Wants the newsletter"), required=False)

    def clean_contact(self) -> Contact | None:
        pk = self.cleaned_data.get("contact")
        if not pk:
            return None
        contact = selectors.buyer_contact(pk)
        if contact is None:
            raise forms.ValidationError(_("This contact no longer exists: search again."))
        return contact

    def buyer(self) -> Buyer | None:
        """None for an anonymous counter buyer (nothing typed)."""
        data = self.cleaned_data
        contact = data.get("contact")
        if contact is not None:
            return Buyer(contact_id=contact.pk)
        typed = [data.get(k) for k in ("first_name", "last_name", "email", "phone", "postcode")]
        if not any(typed):
            return None
        return Buyer(
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            phone=data["phone"],
            postcode=data["postcode"],
            newsletter=True if data["newsletter"] else None,
        )


class OnlineBuyerForm(forms.Form):
    """The storefront's buyer: an email for the tickets and a name."""

    email = forms.EmailField(
        label=gettext_lazy("Email"),
        max_length=contact_max_length("email"),
        help_text=gettext_lazy("Your tickets are sent to this address."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    first_name = _text(
        gettext_lazy("First name"),
        "first_name",
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = _text(
        gettext_lazy("Last name"),
        "last_name",
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=PHONE_TYPED_MAX_LENGTH,
        required=False,
        help_text=gettext_lazy("Only used if the performance changes."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    postcode = _text(
        gettext_lazy("Postcode"),
        "postcode",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    newsletter = forms.BooleanField(
        label=gettext_lazy("I would like to receive the venue's newsletter"), required=False
    )

    def buyer(self, language: str) -> Buyer:
        return Buyer(language=language, **self.cleaned_data)


class OnlineCheckoutForm(OnlineBuyerForm):
    """The buyer, and whether their card is kept (by the provider) for next time."""

    save_card = forms.BooleanField(
        label=gettext_lazy("Remember my card on this device to pay in one tap next time"),
        help_text=gettext_lazy("Your card is kept by Stripe, our payment provider, never by us."),
        required=False,
    )

    def buyer(self, language: str) -> Buyer:
        data = {k: v for k, v in self.cleaned_data.items() if k != "save_card"}
        return Buyer(language=language, **data)
