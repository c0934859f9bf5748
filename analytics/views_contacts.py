"""The contact base's statistics page (back office): reads analytics.contacts."""

from django.shortcuts import render
from django.urls import path

from tenants.accounts.permissions import capability_required

from . import contacts
from .views import _charts, _export


@capability_required("contacts.view")
def contact_base(request):
    base = contacts.contact_base()
    wanted = request.GET.get("export", "")
    if wanted:
        return _export(base, wanted, request.GET.get("format", "csv"))
    return render(request, "analytics/contacts.html", {"board": base, "charts": _charts(base)})


urlpatterns = [path("contacts/", contact_base, name="contacts")]
