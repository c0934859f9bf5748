"""The drop-off page of the back office: the open alerts (who, why in words, what to do,
dismiss / done), how it works, and the venue's thresholds."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tenants.accounts.permissions import capability_required
from tenants.errors import ParterreError
from tenants.navigation import NavItem, register

from . import selectors, services
from .forms import DropoffSettingsForm
from .models import DropoffSettings
from .reasons import reason_text, suggested_action

CAPABILITY = "campaigns.manage"  # communication and admin roles

register(
    NavItem(
        key="dropoff",
        label=gettext_lazy("Drop-off alerts"),
        url_name="dropoff:page",
        capability=CAPABILITY,
        order=560,
        group=gettext_lazy("Communication"),
    )
)


@capability_required(CAPABILITY)
def dropoff_page(request):
    settings = DropoffSettings.current()
    form = DropoffSettingsForm.for_settings(settings, request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_dropoff_settings(actor=request.user, **form.cleaned_data)
            except ParterreError as error:
                form.add_error(None, error.message)
                status = error.http_status
            else:
                messages.success(request, _("Settings saved; they apply from the next run."))
                return redirect("dropoff:page")
        else:
            status = 400
    alerts = list(selectors.open_alerts())
    for alert in alerts:
        alert.reason_text = reason_text(alert)
        alert.action_text = suggested_action(alert)
        alert.return_percent = round(100 * (1 - alert.p_no_return))
    context = {
        "alerts": alerts,
        "form": form,
        "settings": settings,
        "run": selectors.last_run(),
        "min_venue_history_days": services.MIN_VENUE_HISTORY_DAYS,
    }
    return render(request, "campaigns/dropoff/page.html", context, status=status)


def _close(request, pk: int, service, done: str):
    try:
        service(alert_id=pk, actor=request.user)
    except services.DropoffAlert.DoesNotExist:
        messages.error(request, _("This alert does not exist."))
    except ParterreError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("dropoff:page")


@require_POST
@capability_required(CAPABILITY)
def alert_dismiss(request, pk: int):
    return _close(request, pk, services.dismiss_alert, _("Alert dismissed."))


@require_POST
@capability_required(CAPABILITY)
def alert_done(request, pk: int):
    return _close(request, pk, services.mark_acted, _("Marked as done."))
