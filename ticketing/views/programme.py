"""Back office: shows, performances, allocations, tariffs and sales settings."""

from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tenants.accounts.permissions import capability_required
from tenants.accounts.roles import user_can
from tenants.accounts.selectors import object_history
from tenants.errors import ParterreError
from tenants.navigation import NavItem, register
from ticketing import selectors
from ticketing.forms import (
    AllocationForm,
    CancelForm,
    ExtraForm,
    PerformanceForm,
    RescheduleForm,
    SalesSettingsForm,
    ShowEditForm,
    ShowForm,
    StatusForm,
    TariffFormSet,
)
from ticketing.models import (
    Allocation,
    Performance,
    SalesSettings,
    Show,
    Tariff,
)
from ticketing.services import inventory, programme

register(NavItem("programme", gettext_lazy("Programme"), "ticketing:show_list", "sales.view", 20))
register(
    NavItem(
        "sales_settings",
        gettext_lazy("Tariffs & fees"),
        "ticketing:sales_settings",
        "programme.manage",
        905,
        group=gettext_lazy("Settings"),
    )
)

MANAGE = "programme.manage"


def _programme_order(show: Show) -> tuple:
    """Shows still to schedule first, then by next performance; past seasons last."""
    performances = list(show.performances.all())
    if not performances:
        return (0, -show.created_at.timestamp())
    recent = timezone.now() - timedelta(hours=3)
    upcoming = [p.starts_at for p in performances if p.starts_at >= recent]
    if upcoming:
        return (1, upcoming[0].timestamp())
    return (2, -performances[-1].starts_at.timestamp())


@capability_required("sales.view")
def show_list(request):
    shows = list(selectors.shows_with_performances())
    figures = selectors.performance_figures([p.pk for s in shows for p in s.performances.all()])
    for show in shows:
        for performance in show.performances.all():
            performance.figures = figures[performance.pk]
    shows.sort(key=_programme_order)
    context = {"shows": shows, "can_manage": user_can(request.user, MANAGE)}
    return render(request, "ticketing/programme/list.html", context)


@capability_required(MANAGE)
def show_create(request):
    form = ShowForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if v is not None}
        try:
            show = programme.create_show(actor=request.user, **fields)
        except ParterreError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Show “%(title)s” created.") % {"title": show.title})
            return redirect("ticketing:performance_create", show.pk)
    return render(request, "ticketing/programme/show_form.html", {"form": form})


@capability_required(MANAGE)
def show_update(request, show_pk: int):
    show = get_object_or_404(Show, pk=show_pk)
    form = ShowEditForm.for_show(show, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            programme.update_show(show=show, actor=request.user, **form.changes())
        except ParterreError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Show “%(title)s” saved.") % {"title": show.title})
            return redirect("ticketing:show_list")
    return render(request, "ticketing/programme/show_form.html", {"form": form, "show": show})


@capability_required(MANAGE)
def performance_create(request, show_pk: int):
    show = get_object_or_404(Show, pk=show_pk)
    form = PerformanceForm(request.POST or None, tariffs=programme.ensure_default_tariffs())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            performance = programme.schedule_performance(
                show=show,
                layout=data["layout"],
                starts_at=data["starts_at"],
                plan=data["plan"],
                status=data["status"],
                sale_opens_at=data["sale_opens_at"],
                sale_closes_at=data["sale_closes_at"],
                doors_open_at=data["doors_open_at"],
                access_info=data["access_info"],
                actor=request.user,
            )
        except ParterreError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Performance scheduled."))
            return redirect("ticketing:performance_detail", performance.pk)
    context = {
        "show": show,
        "form": form,
        "zone_names": selectors.zone_names(),
    }
    return render(request, "ticketing/programme/performance_form.html", context)


@capability_required("sales.view")
def performance_detail(request, pk: int):
    performance = get_object_or_404(
        Performance.objects.select_related("show", "layout__hall"), pk=pk
    )
    context = {
        "performance": performance,
        "categories": selectors.category_availability(performance),
        "seats": selectors.seat_map(performance, for_staff=True),
        "counts": selectors.sold_counts(performance),
        "identified": selectors.identified_buyers(performance),
        "allocations": selectors.allocations_with_counts(performance),
        "history": object_history("ticketing.performance", performance.pk),
        "can_manage": user_can(request.user, MANAGE),
        "can_sell": user_can(request.user, "sales.sell"),
        "status_form": StatusForm(initial={"status": performance.status}),
        "cancel_form": CancelForm(),
        "reschedule_form": RescheduleForm(
            initial={"starts_at": timezone.localtime(performance.starts_at)}
        ),
        "allocation_form": AllocationForm(),
        "extras": [
            (extra, ExtraForm.for_extra(extra))
            for extra in performance.extras.order_by("order", "id")
        ],
        "extra_form": ExtraForm(prefix="new"),
    }
    return render(request, "ticketing/programme/performance_detail.html", context)


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label} : {error}" if label else error)


def _performance_action(request, pk: int, form_class, action) -> object:
    """Parse a small form posted from the performance page, call one service, come back."""
    performance = get_object_or_404(Performance, pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            done = action(performance, form.cleaned_data)
        except ParterreError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, done)
    return redirect("ticketing:performance_detail", pk)


@require_POST
@capability_required(MANAGE)
def performance_status(request, pk: int):
    def action(performance, data):
        programme.set_performance_status(
            performance=performance, status=data["status"], actor=request.user
        )
        return _("Status changed.")

    return _performance_action(request, pk, StatusForm, action)


@require_POST
@capability_required(MANAGE)
def performance_cancel(request, pk: int):
    def action(performance, data):
        programme.cancel_performance(
            performance=performance, reason=data["reason"], actor=request.user
        )
        return _("Performance cancelled. Ticket holders will be told.")

    return _performance_action(request, pk, CancelForm, action)


@require_POST
@capability_required(MANAGE)
def performance_reschedule(request, pk: int):
    def action(performance, data):
        programme.reschedule_performance(
            performance=performance,
            starts_at=data["starts_at"],
            reason=data["reason"],
            actor=request.user,
        )
        return _("Performance moved. Ticket holders will be told.")

    return _performance_action(request, pk, RescheduleForm, action)


@require_POST
@capability_required("sales.sell")
def allocation_create(request, pk: int):
    def action(performance, data):
        inventory.allocate_seats(
            performance=performance,
            kind=data["kind"],
            name=data["name"],
            seat_ids=data["seats"],
            actor=request.user,
        )
        return _("%(n)s seat(s) set aside.") % {"n": len(data["seats"])}

    return _performance_action(request, pk, AllocationForm, action)


@require_POST
@capability_required("sales.sell")
def allocation_release(request, pk: int, allocation_pk: int):
    allocation = get_object_or_404(
        Allocation, pk=allocation_pk, performance_id=pk, released_at__isnull=True
    )
    freed = inventory.release_allocation(allocation=allocation, actor=request.user)
    messages.success(request, _("%(n)s seat(s) back on public sale.") % {"n": freed})
    return redirect("ticketing:performance_detail", pk)


# --- Tariffs and sales settings -------------------------------------------------------------
# No service writes these yet: the two functions below are written as services (keyword-only,
# atomic, audited) to move as they are to ticketing/services/programme.py.
@capability_required(MANAGE)
def sales_settings(request):
    programme.ensure_default_tariffs()
    current = SalesSettings.current()
    which = request.POST.get("form") if request.method == "POST" else None
    settings_form = SalesSettingsForm(
        request.POST if which == "settings" else None,
        initial={
            "fee": Decimal(current.fee_cents) / 100,
            "fee_percent": Decimal(current.fee_percent_bp) / 100,
            "hold_minutes": current.hold_minutes,
            "single_price_mode": current.single_price_mode,
            "fee_bearer": current.fee_bearer,
            **{
                f"fee_bearer_{channel}": bearer
                for channel, bearer in (current.fee_bearer_by_channel or {}).items()
            },
        },
    )
    tariffs = TariffFormSet(
        request.POST if which == "tariffs" else None,
        initial=[
            {
                "id": t.pk,
                "name": t.name,
                "kind": t.kind,
                "tax_rate": Decimal(t.tax_rate_bp) / 100,
                "public": t.public,
                "is_active": t.is_active,
                "fee_bearer": t.fee_bearer,
            }
            for t in Tariff.objects.all()
        ],
    )
    if which == "settings" and settings_form.is_valid():
        programme.update_sales_settings(actor=request.user, **settings_form.values())
        messages.success(request, _("Sales settings saved."))
        return redirect("ticketing:sales_settings")
    if which == "tariffs" and tariffs.is_valid():
        rows = [f.values() | {"id": f.cleaned_data["id"]} for f in tariffs if f.cleaned_data]
        programme.save_tariffs(rows=rows, actor=request.user)
        messages.success(request, _("Tariffs saved."))
        return redirect("ticketing:sales_settings")
    context = {"settings_form": settings_form, "tariffs": tariffs}
    return render(request, "ticketing/programme/sales_settings.html", context)


urlpatterns = [
    path("", show_list, name="show_list"),
    path("shows/new/", show_create, name="show_create"),
    path("shows/<int:show_pk>/edit/", show_update, name="show_update"),
    path("shows/<int:show_pk>/schedule/", performance_create, name="performance_create"),
    path("performances/<int:pk>/", performance_detail, name="performance_detail"),
    path("performances/<int:pk>/status/", performance_status, name="performance_status"),
    path("performances/<int:pk>/cancel/", performance_cancel, name="performance_cancel"),
    path(
        "performances/<int:pk>/reschedule/",
        performance_reschedule,
        name="performance_reschedule",
    ),
    path("performances/<int:pk>/allocations/", allocation_create, name="allocation_create"),
    path(
        "performances/<int:pk>/allocations/<int:allocation_pk>/release/",
        allocation_release,
        name="allocation_release",
    ),
    path("settings/", sales_settings, name="sales_settings"),
]
