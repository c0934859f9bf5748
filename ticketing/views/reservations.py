"""The counter's reservations (pay later), invitations (free) and phone sales (pay by a link),
posted from the sale screen's own form (its buttons' `formaction`), and the list of open
reservations with their deadlines. The rules live in services.orders.reservations / links."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from crm.search import search_contacts
from tenants.accounts.permissions import capability_required
from tenants.accounts.roles import user_can
from tenants.navigation import NavItem, register
from ticketing import selectors
from ticketing.errors import ParterreError, SeatsUnavailable
from ticketing.forms.deferred import (
    DeferredSaleForm,
    DeferredTermsForm,
    ReservationSettingsForm,
)
from ticketing.forms.sale import COUNTER_METHOD_CHOICES, ERROR_PLACES
from ticketing.models import Order, Performance
from ticketing.selectors.prices import sales_settings
from ticketing.selectors.reservations import open_reservations
from ticketing.services import orders, programme

register(
    NavItem(
        key="reservations",
        label=gettext_lazy("Reservations"),
        url_name="ticketing:reservation_list",
        capability="sales.sell",
        order=11,
    )
)


# Who may change the venue's reservation times: who manages its sales settings.
SETTINGS_CAPABILITY = "programme.manage"


def _performance(pk: int) -> Performance:
    return get_object_or_404(Performance.objects.select_related("show", "layout__hall"), pk=pk)


def _render(request, form, terms, *, status: int = 400):
    context = {
        "performance": form.ctx.performance,
        "ctx": form.ctx,
        "form": form,
        "methods": COUNTER_METHOD_CHOICES,
        "deferred": terms,
    }
    return render(request, "ticketing/boxoffice/sale.html", context, status=status)


def _counter(request, pk: int, action: str):
    """Read the screen's form, then reserve / invite / sell by phone."""
    performance = _performance(pk)
    form = DeferredSaleForm(request.POST, ctx=selectors.sale_context(performance))
    terms = DeferredTermsForm(request.POST)
    valid = form.is_valid() & terms.is_valid()
    if valid and action == "invite":
        valid = terms.require_reason()
    if not valid:
        return _render(request, form, terms)
    data = terms.cleaned_data
    common = {
        "performance": performance,
        "request": form.cart.request,
        "tariffs": form.cart.tariffs,
        "actor": request.user,
        "prices": form.ctx.prices,
    }
    buyer = form.buyer_form.buyer()
    try:
        if action == "reserve":
            order = orders.reserve(
                buyer=buyer, pay_by=data["pay_by"], extras=form.cart.extras, **common
            )
            messages.success(request, _("Seats reserved until %(when)s.") % _when(order))
        elif action == "invite":
            order = orders.invite(
                guest=buyer,
                reason=data["invitation_reason"],
                invited_by_id=data["invited_by"],
                **common,
            )
            messages.success(request, _("Invitation issued."))
        else:
            order = orders.sell_by_phone(
                buyer=buyer,
                pay_by=data["pay_by"],
                by_email=data["link_email"],
                by_sms=data["link_sms"],
                extras=form.cart.extras,
                **common,
            )
            messages.success(
                request, _("Payment link sent; seats held until %(when)s.") % _when(order)
            )
    except ParterreError as error:
        form.ctx = selectors.sale_context(performance)
        if isinstance(error, SeatsUnavailable):
            form.seats_taken(error.seats)
        elif error.field in form.buyer_form.fields:
            form.buyer_form.add_error(error.field, error.message)
        elif error.field in terms.fields or error.field in ("payments", "buyer"):
            terms.add_error(None, error.message)
        else:
            form.add_error(
                ERROR_PLACES.get(error.field, error.field), error.message, code=error.code
            )
        return _render(request, form, terms, status=error.http_status)
    return redirect("ticketing:order_detail", pk=order.pk)


def _when(order: Order) -> dict:
    return {"when": date_format(timezone.localtime(order.pay_by), "SHORT_DATETIME_FORMAT")}


@require_POST
@capability_required("sales.sell")
def counter_reserve(request, pk: int):
    return _counter(request, pk, "reserve")


@require_POST
@capability_required("sales.sell")
def counter_invite(request, pk: int):
    return _counter(request, pk, "invite")


@require_POST
@capability_required("sales.sell")
def counter_phone(request, pk: int):
    return _counter(request, pk, "phone")


@require_GET
@capability_required("sales.sell")
def inviters(request):
    """Who invites: a contact found as the buyer is (radio buttons named `invited_by`)."""
    query = request.GET.get("inviter_q", "")
    return render(
        request,
        "ticketing/reservations/_inviters.html",
        {"contacts": search_contacts(query) if query.strip() else [], "query": query.strip()},
    )


@require_GET
@capability_required("sales.sell")
def reservation_list(request):
    query = request.GET.get("q", "")[:100]
    rows = open_reservations(query=query)
    context = {"rows": rows, "query": query, "overdue": sum(r.overdue for r in rows)}
    if user_can(request.user, SETTINGS_CAPABILITY):
        current = sales_settings()
        context["settings_form"] = ReservationSettingsForm(
            initial={name: getattr(current, name) for name in ReservationSettingsForm.FIELDS}
        )
    return render(request, "ticketing/reservations/list.html", context)


@require_POST
@capability_required(SETTINGS_CAPABILITY)
def reservation_settings(request):
    form = ReservationSettingsForm(request.POST)
    if form.is_valid():
        programme.update_sales_settings(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Reservation times saved."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("ticketing:reservation_list")


@require_POST
@capability_required("sales.sell")
def send_link(request, pk: int):
    order = get_object_or_404(Order, pk=pk)
    try:
        orders.send_payment_link(
            order=order,
            actor=request.user,
            by_email=bool(request.POST.get("link_email")),
            by_sms=bool(request.POST.get("link_sms")),
        )
        messages.success(request, _("Payment link sent."))
    except ParterreError as error:
        messages.error(request, error.message)
    return redirect("ticketing:order_detail", pk=order.pk)


urlpatterns = [
    path("<int:pk>/reserve/", counter_reserve, name="boxoffice_reserve"),
    path("<int:pk>/invite/", counter_invite, name="boxoffice_invite"),
    path("<int:pk>/phone/", counter_phone, name="boxoffice_phone"),
    path("inviters/", inviters, name="boxoffice_inviters"),
    path("reservations/", reservation_list, name="reservation_list"),
    path("reservations/<int:pk>/link/", send_link, name="reservation_send_link"),
    path("reservations/settings/", reservation_settings, name="reservation_settings"),
]
