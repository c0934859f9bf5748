"""The integrity dashboard (the data steward's screen) and its drill-down lists."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tenants.accounts.permissions import capability_required
from tenants.navigation import NavItem, register

from . import selectors
from .models import IntegritySnapshot
from .services import take_integrity_snapshot

CAPABILITY = "contacts.manage"

register(
    NavItem(
        key="integrity",
        label=gettext_lazy("Data integrity"),
        url_name="crm_integrity:dashboard",
        capability=CAPABILITY,
        order=380,
        group=gettext_lazy("Contacts"),
    )
)


@capability_required(CAPABILITY)
def dashboard(request):
    history = selectors.rate_over_time()
    if not history:  # a new venue: its first figures now rather than tomorrow
        history = [take_integrity_snapshot()]
    today = history[-1]
    return render(
        request,
        "crm/integrity/dashboard.html",
        {
            "today": today,
            "figures": selectors.figures_by_criterion(today),
            "chart": selectors.chart_points(history),
            "history": history[-12:][::-1],
        },
    )


@require_POST
@capability_required(CAPABILITY)
def refresh(request):
    take_integrity_snapshot()
    messages.success(request, _("The figures are up to date."))
    return redirect("crm_integrity:dashboard")


@capability_required(CAPABILITY)
def to_fix(request, code: str):
    criterion = selectors.criterion_by_code(code)
    if criterion is None:
        raise Http404
    page = Paginator(selectors.contacts_failing(criterion), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "crm/integrity/to_fix.html",
        {"criterion": criterion, "page": page, "latest": IntegritySnapshot.objects.last()},
    )
