"""The venue's counter settings: which payment methods the box office takes."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenants.accounts.permissions import capability_required
from tenants.navigation import NavItem, register
from ticketing.errors import ParterreError
from ticketing.models import PaymentSettings
from ticketing.models.payments import COUNTER_METHODS
from ticketing.services.payment_settings import update_counter_methods


class CounterMethodsForm(forms.Form):
    methods = forms.MultipleChoiceField(
        label=gettext_lazy("Payment methods taken at the counter"),
        choices=[(m.value, m.label) for m in COUNTER_METHODS],
        widget=forms.CheckboxSelectMultiple,
        # The service says the same (at least one stays on); the form says it in place.
        error_messages={
            "required": gettext_lazy("Keep at least one payment method for the counter.")
        },
        help_text=gettext_lazy(
            "The sale screen offers only these, with their shortcuts Alt+1, Alt+2… in this order."
        ),
    )


@capability_required("programme.manage")
def counter_settings(request):
    current = PaymentSettings.current()
    data = request.POST if request.method == "POST" else None
    form = CounterMethodsForm(data, initial={"methods": current.counter_methods})
    if request.method == "POST" and form.is_valid():
        try:
            update_counter_methods(methods=form.cleaned_data["methods"], actor=request.user)
        except ParterreError as error:
            form.add_error("methods", error.message)
        else:
            messages.success(request, _("Counter payment methods saved."))
            return redirect("ticketing:counter_settings")
    status = 400 if form.errors else 200
    return render(request, "ticketing/boxoffice/settings.html", {"form": form}, status=status)


urlpatterns = [path("", counter_settings, name="counter_settings")]

register(
    NavItem(
        "counter_settings",
        gettext_lazy("Counter"),
        "ticketing:counter_settings",
        "programme.manage",
        907,
        group=gettext_lazy("Settings"),
    )
)
