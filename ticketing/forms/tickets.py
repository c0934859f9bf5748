from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ticketing.models import Show, TicketPromotion


class ResendForm(forms.Form):
    to = forms.EmailField(
        label=_("Send to"),
        required=False,
        max_length=254,
        help_text=_("Empty: the buyer's address."),
    )


class PromotionForm(forms.Form):
    show = forms.ModelChoiceField(label=_("Show to promote"), queryset=Show.objects.none())
    message = forms.CharField(
        label=_("Message printed on tickets"),
        max_length=TicketPromotion._meta.get_field("message").max_length,
        help_text=_("e.g. 20 % off with this ticket, on the phone or at the box office."),
    )
    code = forms.CharField(
        label=_("Promo code"),
        required=False,
        max_length=TicketPromotion._meta.get_field("code").max_length,
    )
    expires_at = forms.DateTimeField(
        label=_("Valid until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("After this date no ticket shows the promotion any more."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["show"].queryset = Show.objects.filter(
            performances__starts_at__gt=timezone.now()
        ).distinct()
