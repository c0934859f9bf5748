"""The door page for phones (scan, answer in colour and sound, work offline, sync) and the
back-office list of double entries. The scanning itself goes through the API
(ticketing.api.door) from static/js/door.js, with the page's session."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from tenants.accounts.permissions import capability_required
from tenants.navigation import NavItem, register
from ticketing.models import Performance
from ticketing.selectors import door as door_selectors
from ticketing.services.door import DOOR_MAX

register(
    NavItem(
        key="door",
        label=gettext_lazy("Door"),
        url_name="ticketing:door_home",
        capability="door.scan",
        order=22,
    )
)

# What the service worker keeps for offline use besides the page itself.
OFFLINE_ASSETS = (
    "css/parterre.css",
    "js/door.js",
    "vendor/jsQR.js",
    "vendor/noble-ed25519.js",
    "vendor/htmx.min.js",
)


def _strings() -> dict:
    """The door's words, translated here (the page's script has no catalogue of its own)."""
    return {
        "valid": _("Valid"),
        "already_scanned": _("Already scanned"),
        "wrong_performance": _("Wrong performance"),
        "revoked": _("Not valid"),
        "unknown": _("Unknown ticket"),
        "first_time": _("First time here: give them a warm welcome!"),
        "at_door": _("at %(time)s, door %(door)s"),
        "for_performance": _("Ticket for %(show)s, %(date)s"),
        "reason_cancelled": _("Cancelled"),
        "reason_refunded": _("Refunded"),
        "reason_exchanged": _("Exchanged"),
        "reason_not_paid": _("Not paid"),
        "reason_bad_signature": _("Forged or damaged code"),
        "reason_wrong_key": _("Not a ticket of this venue"),
        "reason_malformed": _("Unreadable code"),
        "reason_not_found": _("No ticket with this code"),
        "reason_unknown_version": _("Unreadable code"),
        "online": _("Online"),
        "offline": _("Offline: scans are kept on this phone"),
        "to_sync": _("Scans to send: %(n)s"),
        "synced": _("Scans sent"),
        "conflict": _("Double entry: this ticket was let in earlier at door %(door)s"),
        "camera_on": _("Scan with the camera"),
        "camera_off": _("Stop the camera"),
        "camera_error": _("The camera cannot be opened: type the code or use a scanner."),
        "bundle_ready": _("%(n)s tickets ready for offline scanning"),
        "bundle_missing": _("No ticket list on this phone yet: stay online to download it."),
    }


@capability_required("door.scan")
def door_home(request):
    """Choose the performance and the door's name."""
    performances = door_selectors.door_performances()
    if request.GET.get("performance"):
        door = request.GET.get("door", "").strip()[:DOOR_MAX]
        try:
            pk = int(request.GET["performance"])
        except ValueError:
            pk = 0
        if door and any(p.pk == pk for p in performances):
            query = urlencode({"door": door})
            return redirect(f"{reverse('ticketing:door_scan', args=[pk])}?{query}")
    return render(
        request,
        "ticketing/door/home.html",
        {"performances": performances, "door_max": DOOR_MAX},
    )


@never_cache
@capability_required("door.scan")
def door_scan(request, pk: int):
    """The scanning screen of one performance at one door."""
    performance = get_object_or_404(
        Performance.objects.select_related("show", "layout__hall"), pk=pk
    )
    door = request.GET.get("door", "").strip()[:DOOR_MAX]
    if not door:
        return redirect("ticketing:door_home")
    config = {
        "performance": performance.pk,
        "door": door,
        "scanUrl": reverse("api:check_in", args=[pk]),
        "syncUrl": reverse("api:check_in_sync", args=[pk]),
        "countsUrl": reverse("api:door_counts", args=[pk]),
        "bundleUrl": reverse("api:door_bundle", args=[pk]),
        "swUrl": reverse("ticketing:door_sw"),
        "scope": reverse("ticketing:door_home"),
        "noble": static("vendor/noble-ed25519.js"),
        "timezone": timezone.get_current_timezone_name(),
        "strings": _strings(),
    }
    return render(
        request,
        "ticketing/door/scan.html",
        {"performance": performance, "door": door, "config": config},
    )


@capability_required("door.scan")
def door_conflicts(request, pk: int | None = None):
    """Double entries found when offline scans were synced (a fragment for the door page)."""
    performance = get_object_or_404(Performance, pk=pk) if pk else None
    rows = door_selectors.conflicts(performance)
    if pk:
        return render(request, "ticketing/door/_conflicts.html", {"conflicts": rows})
    return render(request, "ticketing/door/conflicts.html", {"conflicts": rows})


def door_service_worker(request):
    """The service worker, served under the door's path so that its scope covers the page."""
    source = finders.find("js/door-sw.js")
    if source is None:  # pragma: no cover - a broken deployment
        raise Http404
    assets = [static(a) for a in OFFLINE_ASSETS]
    body = Path(source).read_text().replace("__ASSETS__", repr(assets).replace("'", '"'))
    response = HttpResponse(body, content_type="text/javascript")
    response["Service-Worker-Allowed"] = reverse("ticketing:door_home")
    response["Cache-Control"] = "no-cache"
    return response


urlpatterns = [
    path("", door_home, name="door_home"),
    path("sw.js", door_service_worker, name="door_sw"),
    path("conflicts/", door_conflicts, name="door_conflicts"),
    path("<int:pk>/", door_scan, name="door_scan"),
    path("<int:pk>/conflicts/", door_conflicts, name="door_performance_conflicts"),
]
