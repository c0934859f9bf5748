"""Privacy screens: the venue's settings and erasure queue, a contact's data export and
anonymisation (back office), and the public "what we do with your data" page (storefront)."""

import json

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.models import Contact
from tenants.accounts.audit import record_event
from tenants.accounts.permissions import capability_required
from tenants.errors import ParterreError
from tenants.navigation import NavItem, register

from . import services
from .models import ErasureRequest, PrivacySettings

CAPABILITY = "contacts.manage"

register(
    NavItem(
        key="privacy",
        label=gettext_lazy("Personal data"),
        url_name="crm_privacy:overview",
        capability=CAPABILITY,
        order=390,
        group=gettext_lazy("Contacts"),
    )
)


class PrivacySettingsForm(forms.ModelForm):
    class Meta:
        model = PrivacySettings
        fields = ["controller_name", "privacy_email", "retention_years", "extra_purposes"]
        widgets = {"extra_purposes": forms.Textarea(attrs={"rows": 3})}

    def clean_retention_years(self):
        years = self.cleaned_data["retention_years"]
        if not 1 <= years <= 10:
            raise forms.ValidationError(_("Between 1 and 10 years."))
        return years


@capability_required(CAPABILITY)
def privacy_overview(request):
    settings_row = services.privacy_settings()
    form = PrivacySettingsForm(request.POST or None, instance=settings_row)
    if request.method == "POST" and form.is_valid():
        form.save()
        record_event(
            code="crm.privacy.updated", actor=request.user, obj=settings_row, changes=_changes(form)
        )
        messages.success(request, _("Privacy settings saved."))
        return redirect("crm_privacy:overview")
    pending = (
        ErasureRequest.objects.filter(status=ErasureRequest.Status.PENDING)
        .select_related("contact")
        .order_by("requested_at")[:200]
    )
    decided = ErasureRequest.objects.exclude(status=ErasureRequest.Status.PENDING).select_related(
        "contact"
    )[:20]
    return render(
        request,
        "crm/privacy/overview.html",
        {"form": form, "pending": pending, "decided": decided},
    )


def _changes(form) -> dict:
    return {name: [form.initial.get(name), form.cleaned_data[name]] for name in form.changed_data}


@require_POST
@capability_required(CAPABILITY)
def run_retention(request):
    flagged = services.flag_inactive_contacts()
    messages.success(
        request, _("%(n)s inactive contact(s) proposed for anonymisation.") % {"n": flagged}
    )
    return redirect("crm_privacy:overview")


@require_POST
@capability_required(CAPABILITY)
def decide_erasure(request, pk: int):
    erasure = get_object_or_404(ErasureRequest, pk=pk, status=ErasureRequest.Status.PENDING)
    try:
        if request.POST.get("decision") == "anonymise":
            services.anonymise_contact(
                contact_id=erasure.contact_id, actor=request.user, reason=erasure.origin
            )
            messages.success(request, _("The contact is anonymised."))
        else:
            services.keep_contact(
                request_id=erasure.pk, actor=request.user, note=request.POST.get("note", "")
            )
            messages.success(request, _("The contact is kept."))
    except ParterreError as error:
        messages.error(request, error.message)
    return redirect("crm_privacy:overview")


@capability_required(CAPABILITY)
def contact_data_export(request, pk: int):
    contact = get_object_or_404(Contact, pk=pk)
    data = services.export_contact_data(contact_id=contact.pk, actor=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2, default=str),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}.json"'
    return response


@capability_required(CAPABILITY)
def contact_anonymise(request, pk: int):
    contact = get_object_or_404(Contact, pk=pk, anonymised_at__isnull=True)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the box to confirm."))
        else:
            services.anonymise_contact(
                contact_id=contact.pk, actor=request.user, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The contact is anonymised."))
            return redirect("crm_privacy:overview")
    return render(request, "crm/privacy/anonymise.html", {"contact": contact})


def privacy_notice(request):
    """Public: what the venue does with its spectators' data, generated from its settings."""
    return render(
        request,
        "crm/privacy/notice.html",
        {"privacy": services.privacy_settings(), "purposes": PURPOSES},
    )


# What a venue on Parterre does with personal data, whatever its settings (the notice adds the
# venue's own purposes).
PURPOSES = [
    gettext_lazy("Selling and sending your tickets, and letting you in at the door."),
    gettext_lazy("Telling you about a change to a performance you booked."),
    gettext_lazy("Sending you our news, only if you agreed to it (you can stop at any time)."),
    gettext_lazy("Understanding our audiences as a whole (anonymous statistics)."),
]
