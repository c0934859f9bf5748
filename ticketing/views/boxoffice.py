"""Box office: the counter sells a performance in one screen (places, buyer, payment), then
prints a receipt. Keyboard first; HTMX refreshes the places and the buyer search."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from crm.search import search_contacts
from tenants.accounts.permissions import capability_required
from tenants.navigation import NavItem, register
from ticketing import selectors
from ticketing.errors import CashSessionClosed, InvalidRequest, ParterreError, SeatsUnavailable
from ticketing.forms.sale import ERROR_PLACES, SaleForm
from ticketing.forms.tickets import ResendForm
from ticketing.models import Order, Payment, Performance
from ticketing.services import orders
from ticketing.services.tickets import resend_tickets
from ticketing.views.cash import counter_session

register(
    NavItem(
        key="box_office",
        label=_("Box office"),
        url_name="ticketing:boxoffice",
        capability="sales.sell",
        order=10,
    )
)
LAST_SALE = "boxoffice_last_sale"  # session key: the order just sold (its receipt says the change)


def _performance(pk: int) -> Performance:
    return get_object_or_404(Performance.objects.select_related("show", "layout__hall"), pk=pk)


def _render_sale(request, form: SaleForm, *, status: int = 200, template="sale.html"):
    required, session = counter_session(request)
    context = {
        "performance": form.ctx.performance,
        "ctx": form.ctx,
        "form": form,
        "methods": form.ctx.methods,
        "till": {"required": required, "session": session},
    }
    return render(request, f"ticketing/boxoffice/{template}", context, status=status)


@capability_required("sales.sell")
def home(request):
    performances = selectors.box_office_board(list(selectors.upcoming_performances()[:60]))
    return render(request, "ticketing/boxoffice/home.html", {"performances": performances})


@capability_required("sales.sell")
def sale(request, pk: int):
    performance = _performance(pk)
    data = request.POST if request.method == "POST" else None
    form = SaleForm(data, ctx=selectors.sale_context(performance))
    if not form.is_valid():
        return _render_sale(request, form, status=400 if form.bound else 200)
    required, session = counter_session(request)
    if required and session is None and form.payments:
        form.add_error(None, CashSessionClosed().message)
        return _render_sale(request, form, status=CashSessionClosed.http_status)
    try:
        order = orders.sell(
            performance=performance,
            request=form.cart.request,
            tariffs=form.cart.tariffs,
            buyer=form.buyer_form.buyer(),
            payments=form.payments,
            channel="box_office",
            actor=request.user,
            prices=form.ctx.prices,
            extras=form.cart.extras,
            cash_session_id=session.pk if session else None,
        )
    except ParterreError as error:
        # Nothing was written (one transaction); show the places as they are now.
        form.ctx = selectors.sale_context(performance)
        if isinstance(error, SeatsUnavailable):
            form.seats_taken(error.seats)
        elif error.field in form.buyer_form.fields:
            form.buyer_form.add_error(error.field, error.message)
        else:
            form.add_error(
                ERROR_PLACES.get(error.field, error.field), error.message, code=error.code
            )
        return _render_sale(request, form, status=error.http_status)
    request.session[LAST_SALE] = {"order": order.pk}
    return redirect("ticketing:boxoffice_receipt", pk=order.pk)


@require_POST
@capability_required("sales.sell")
def places(request, pk: int):
    """Find best seats, add seats by label or remove one, without selling: re-renders the
    places block (the whole page without JavaScript)."""
    form = SaleForm(request.POST, ctx=selectors.sale_context(_performance(pk)))
    form.apply_action(request.POST)
    template = "_places.html" if request.htmx else "sale.html"
    return _render_sale(request, form, template=template)


@require_GET
@capability_required("sales.sell")
def buyers(request):
    query = request.GET.get("q", "")
    return render(
        request,
        "ticketing/boxoffice/_buyers.html",
        {"contacts": search_contacts(query), "query": query.strip()},
    )


@require_POST
@capability_required("sales.sell")
def email_tickets(request, pk: int):
    """Email the tickets from the receipt (to the buyer, or to the address typed)."""
    order = get_object_or_404(Order, pk=pk)
    form = ResendForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidRequest(form.errors["to"][0], field="to")
        resend_tickets(order=order, to=form.cleaned_data["to"], actor=request.user)
    except ParterreError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The tickets will be emailed in a moment."))
    return redirect("ticketing:boxoffice_receipt", pk=order.pk)


@capability_required("sales.sell")
def receipt(request, pk: int):
    order = get_object_or_404(Order.objects.select_related("contact", "sold_by"), pk=pk)
    tickets = selectors.receipt_tickets(order)
    payments = list(order.payments.all())
    cash = [p for p in payments if p.method == Payment.Method.CASH]
    change = sum(p.change_cents for p in cash)  # recorded by the sale (settle_payments)
    return render(
        request,
        "ticketing/boxoffice/receipt.html",
        {
            "order": order,
            "tickets": tickets,
            "payments": payments,
            "change_cents": change,
            "cash_tendered": sum(p.amount_cents for p in cash) + change,
            # The big "change to give" line, right after the sale only.
            "just_sold": (request.session.get(LAST_SALE) or {}).get("order") == order.pk,
            "performance": tickets[0].performance if tickets else None,
        },
    )


urlpatterns = [
    path("", home, name="boxoffice"),
    path("<int:pk>/", sale, name="boxoffice_sale"),
    path("<int:pk>/places/", places, name="boxoffice_places"),
    path("buyers/", buyers, name="boxoffice_buyers"),
    path("receipt/<int:pk>/", receipt, name="boxoffice_receipt"),
    path("receipt/<int:pk>/email/", email_tickets, name="boxoffice_email_tickets"),
]
