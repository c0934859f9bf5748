"""The cooperative console, on the base host: venues, their health, onboarding."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenants.accounts.permissions import cooperative_admin_required
from tenants.accounts.selectors import recent_events
from tenants.errors import ParterreError
from tenants.forms import CreateVenueForm
from tenants.models import Venue
from tenants.selectors import list_venues, venue_health, venue_url
from tenants.services import create_venue, reactivate_venue, suspend_venue


@cooperative_admin_required
def venue_list(request):
    venues = list(list_venues())
    health = venue_health(venues)
    rows = [{"venue": v, "health": health.get(v.pk), "url": venue_url(v)} for v in venues]
    return render(
        request,
        "console/venue_list.html",
        {
            "rows": rows,
            "active_count": sum(1 for v in venues if v.is_active),
            "events": recent_events(limit=10),
        },
    )


@cooperative_admin_required
def venue_create(request):
    form = CreateVenueForm(request.POST or None, base_domain=settings.PARTERRE_BASE_DOMAIN)
    if request.method == "POST" and form.is_valid():
        try:
            created = create_venue(actor=request.user, **form.cleaned_data)
        except ParterreError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("%(venue)s is ready (%(seconds).1f s). An invitation was sent to %(email)s.")
                % {
                    "venue": created.venue.name,
                    "seconds": created.seconds,
                    "email": created.admin.email,
                },
            )
            return redirect("console:venue_list")
    return render(request, "console/venue_create.html", {"form": form})


@require_POST
@cooperative_admin_required
def venue_set_status(request, pk: int):
    venue = get_object_or_404(Venue.objects.exclude(schema_name="public"), pk=pk)
    if request.POST.get("action") == "suspend":
        suspend_venue(venue=venue, actor=request.user)
        messages.warning(request, _("%(venue)s is suspended.") % {"venue": venue.name})
    else:
        reactivate_venue(venue=venue, actor=request.user)
        messages.success(request, _("%(venue)s is active again.") % {"venue": venue.name})
    return redirect("console:venue_list")
