"""The venue's back-office shell: dashboard and settings (profile, staff, API tokens, audit)."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenants.accounts.forms import InviteStaffForm, RoleForm, TokenForm
from tenants.accounts.models import ApiToken, User
from tenants.accounts.permissions import capability_required
from tenants.accounts.selectors import recent_events
from tenants.accounts.services import (
    change_staff_role,
    create_api_token,
    invite_staff,
    resend_invitation,
    revoke_api_token,
    set_staff_active,
)
from tenants.errors import ParterreError
from tenants.forms import VenueProfileForm
from tenants.services import update_venue_profile


@capability_required("backoffice.view")
def dashboard(request):
    return render(
        request,
        "backoffice/dashboard.html",
        {
            "staff_count": User.objects.filter(is_active=True).count(),
            "recent_events": recent_events(limit=8),
        },
    )


@capability_required("venue.manage")
def settings_profile(request):
    venue = request.tenant
    form = VenueProfileForm(request.POST or None, request.FILES or None, instance=venue)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "logo"}
        logo = request.FILES.get("logo")
        try:
            update_venue_profile(venue=venue, actor=request.user, logo=logo, **data)
        except ParterreError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("Venue profile saved."))
            return redirect("backoffice:settings_profile")
    return render(request, "backoffice/settings_profile.html", {"form": form})


@capability_required("staff.manage")
def settings_staff(request):
    form = InviteStaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, _url = invite_staff(venue=request.tenant, actor=request.user, **form.cleaned_data)
        except ParterreError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": user.email})
            return redirect("backoffice:settings_staff")
    return render(
        request,
        "backoffice/settings_staff.html",
        {
            "form": form,
            "staff": User.objects.all(),
            "role_choices": User.Role.choices,
        },
    )


@require_POST
@capability_required("staff.manage")
def staff_update(request, pk: int):
    member = get_object_or_404(User, pk=pk)
    action = request.POST.get("action")
    try:
        if action == "role":
            form = RoleForm(request.POST)
            if not form.is_valid():
                raise forms.ValidationError(_("Unknown role."))
            change_staff_role(user=member, role=form.cleaned_data["role"], actor=request.user)
            messages.success(request, _("Role updated for %(who)s.") % {"who": member})
        elif action in ("deactivate", "activate"):
            set_staff_active(user=member, active=action == "activate", actor=request.user)
            messages.success(request, _("Account updated for %(who)s.") % {"who": member})
        elif action == "resend":
            resend_invitation(venue=request.tenant, user=member, actor=request.user)
            messages.success(request, _("Invitation sent again to %(who)s.") % {"who": member})
    except (ParterreError, forms.ValidationError) as error:
        messages.error(request, getattr(error, "message", str(error)))
    return redirect("backoffice:settings_staff")


@capability_required("tokens.manage")
def settings_tokens(request):
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        _token, new_key = create_api_token(
            name=form.cleaned_data["name"], user=request.user, actor=request.user
        )
        form = TokenForm()
    return render(
        request,
        "backoffice/settings_tokens.html",
        {
            "form": form,
            "new_key": new_key,
            "tokens": ApiToken.objects.select_related("user"),
        },
    )


@require_POST
@capability_required("tokens.manage")
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk)
    revoke_api_token(token=token, actor=request.user)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("backoffice:settings_tokens")


@capability_required("audit.view")
def audit_log(request):
    return render(
        request,
        "backoffice/audit_log.html",
        {
            "events": recent_events(limit=200),
        },
    )
