"""The data steward's screen: the venue's data-entry charter."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenants.accounts.permissions import capability_required
from tenants.errors import ValidationFailed
from tenants.navigation import NavItem, register

from .forms import CharterForm
from .rules import current_charter
from .services import update_charter

register(
    NavItem(
        key="charter",
        label=gettext_lazy("Data-entry charter"),
        url_name="crm:charter",
        capability="contacts.charter",
        order=945,
        group=gettext_lazy("Settings"),
    )
)


@capability_required("contacts.charter")
def charter_settings(request):
    charter = current_charter()
    form = CharterForm.for_charter(charter, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            update_charter(actor=request.user, **form.cleaned_data)
        except ValidationFailed as failed:
            form.add_error(failed.field if failed.field in form.fields else None, failed.message)
        else:
            messages.success(request, _("Charter saved: it applies to every contact form now."))
            return redirect("crm:charter")
    status = 400 if request.method == "POST" else 200
    return render(request, "crm/charter/settings.html", {"form": form}, status=status)
