"""Orders in the back office: find one, read everything that happened to it, and (box office
and admin) refund, cancel, take a payment or exchange tickets, each after a confirmation
step that repeats what will happen (and the amounts) before anything is written."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tenants.accounts.permissions import capability_required
from tenants.accounts.roles import user_can
from tenants.navigation import NavItem, register
from ticketing import selectors
from ticketing.errors import ParterreError
from ticketing.forms.fields import cents_to_input
from ticketing.forms.orders import (
    CancelForm,
    ExchangeForm,
    OrderFilterForm,
    PaymentForm,
    RefundForm,
)
from ticketing.models import Order, OrderEmail, Payment, Ticket
from ticketing.models.orders import Channel, InvitationReason
from ticketing.selectors import tickets as ticket_selectors
from ticketing.services import orders as services
from ticketing.services.orders import PaymentSpec
from ticketing.templatetags.ticketing_ui import money
from ticketing.views.cash import counter_session

register(
    NavItem(
        key="orders",
        label=gettext_lazy("Orders"),
        url_name="ticketing:order_list",
        capability="sales.view",
        order=20,
    )
)
PAGE_SIZE = 50
# The order's events are named by ticketing/audit_labels.py; their data is put in words here,
# where the order's tickets are at hand.
DATA_LABELS = {
    "total_cents": gettext_lazy("total"),
    "fee_cents": gettext_lazy("fees"),
    "paid_cents": gettext_lazy("paid"),
    "change_cents": gettext_lazy("change given"),
    "amount_cents": gettext_lazy("amount"),
    "difference_cents": gettext_lazy("price difference"),
    "tickets": gettext_lazy("tickets"),
    "old_tickets": gettext_lazy("tickets given back"),
    "new_tickets": gettext_lazy("new tickets"),
    "to_performance": gettext_lazy("new performance"),
    "method": gettext_lazy("method"),
    "channel": gettext_lazy("channel"),
    "reason": gettext_lazy("reason"),
    "to": gettext_lazy("to"),
    "kind": gettext_lazy("email"),
    "pay_by": gettext_lazy("pay by"),
    "invitation_reason": gettext_lazy("invitation"),
    "email": gettext_lazy("email"),
    "sms": gettext_lazy("SMS"),
}
REFUNDABLE = (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED)


def _order(pk: int) -> Order:
    return get_object_or_404(
        Order.objects.select_related("contact", "sold_by", "invited_by"), pk=pk
    )


def _event_details(event, currency: str, tickets: list[Ticket]) -> str:
    """An event's data in words: amounts as money, methods and channels named, tickets by
    their place and performances by their show."""
    names = {
        **dict(Payment.Method.choices),
        **dict(Channel.choices),
        **dict(OrderEmail.Kind.choices),
        **dict(InvitationReason.choices),
    }
    places = {t.pk: t.seat.label if t.seat_id else t.performance_zone.zone.name for t in tickets}
    shows = {
        t.performance_id: f"{t.performance.show.title} "
        f"{date_format(timezone.localtime(t.performance.starts_at), 'SHORT_DATETIME_FORMAT')}"
        for t in tickets
    }
    details = []
    # In DATA_LABELS' order (the stored data's keys come back in PostgreSQL's own order).
    rank = {key: i for i, key in enumerate(DATA_LABELS)}
    for key in sorted(event.data, key=lambda k: (rank.get(k, len(rank)), k)):
        value = event.data[key]
        if value in ("", None, []) or (key in ("fee_cents", "change_cents") and not value):
            continue
        if key.endswith("_cents"):
            value = money(value, currency)
        elif isinstance(value, list):
            value = ", ".join(str(places.get(v, f"#{v}")) for v in value)
        elif key == "to_performance":
            value = shows.get(value, f"#{value}")
        elif key == "pay_by" and parse_datetime(str(value)):
            value = date_format(timezone.localtime(parse_datetime(value)), "SHORT_DATETIME_FORMAT")
        elif isinstance(value, bool):
            value = _("yes") if value else _("no")
        label = DATA_LABELS.get(key, key)
        details.append(
            _("%(label)s: %(value)s") % {"label": label, "value": names.get(value, value)}
        )
    return " · ".join(details)


def _order_history(order: Order, tickets: list[Ticket]) -> list:
    events = selectors.order_events(order)
    for event in events:
        event.details = _event_details(event, order.currency, tickets)
    return events


def _confirm(request, order: Order, *, title: str, lines: list[str], button: str, danger=False):
    """The second step of every action: say what will happen, post the same fields again."""
    skip = ("csrfmiddlewaretoken", "confirm")
    fields = [(k, v) for k in request.POST if k not in skip for v in request.POST.getlist(k)]
    context = {"order": order, "title": title, "lines": lines, "button": button}
    return render(
        request,
        "ticketing/orders/confirm.html",
        {**context, "danger": danger, "fields": fields},
    )


def _run(request, order: Order, action, success: str):
    """Call the service; its refusal becomes a message on the order page."""
    try:
        action()
    except ParterreError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("ticketing:order_detail", pk=order.pk)


@capability_required("sales.view")
def order_list(request):
    form = OrderFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}  # invalid filters: every order
    orders = selectors.order_list(
        query=filters.get("q", ""),
        performance=filters.get("performance"),
        status=filters.get("status", ""),
        contact_id=filters.get("contact"),
    )
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "ticketing/orders/list.html", context)


@capability_required("sales.view")
def order_detail(request, pk: int, invalid: dict | None = None):
    order = _order(pk)
    tickets = selectors.order_tickets(order)
    payments = selectors.order_payments(order)
    paid = sum(p.amount_cents for p in payments if p.status == Payment.Status.SUCCEEDED)
    forms = {
        "refund_form": RefundForm(order=order, initial={"include_fees": True}),
        "payment_form": PaymentForm(initial={"amount": cents_to_input(order.total_cents - paid)}),
        "cancel_form": CancelForm(),
        **(invalid or {}),
    }
    can_act = user_can(request.user, "sales.sell")
    has_valid = any(t.status == Ticket.Status.VALID for t in tickets)
    context = {
        "order": order,
        "tickets": tickets,
        "payments": payments,
        "paid_cents": paid,
        "due_cents": order.total_cents - paid,
        "history": _order_history(order, tickets),
        "can_act": can_act,
        "can_refund": can_act and has_valid and order.status in REFUNDABLE,
        "has_valid_tickets": has_valid and order.status in ticket_selectors.ISSUED_ORDER_STATUSES,
        "emails": ticket_selectors.order_emails(order),
        **forms,
    }
    return render(request, "ticketing/orders/detail.html", context, status=400 if invalid else 200)


def _desk_session_id(request, method: str) -> int | None:
    """Money taken or given back at a desk joins its open cash session (not the online
    card's: it never goes through the drawer)."""
    if method == Payment.Method.ONLINE:
        return None
    _required, session = counter_session(request)
    return session.pk if session else None


@require_POST
@capability_required("sales.sell")
def order_refund(request, pk: int):
    order = _order(pk)
    form = RefundForm(request.POST, order=order)
    if not form.is_valid():
        return order_detail(request, pk, invalid={"refund_form": form})
    if not request.POST.get("confirm"):
        places = [form.fields["tickets"].label_from_instance(t) for t in form.chosen()]
        method = dict(form.fields["method"].choices)[form.cleaned_data["method"]]
        lines = [
            _("Tickets: %(places)s") % {"places": ", ".join(places)},
            _("To give back: %(amount)s by %(method)s")
            % {"amount": money(form.amount_cents(), order.currency), "method": method},
            _("Their places go back on sale."),
        ]
        title, button = _("Refund"), _("Refund now")
        return _confirm(request, order, title=title, lines=lines, button=button, danger=True)
    return _run(
        request,
        order,
        lambda: services.refund_order(
            order=order,
            ticket_ids=form.ticket_ids(),
            method=form.cleaned_data["method"],
            include_fees=form.cleaned_data["include_fees"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
            cash_session_id=_desk_session_id(request, form.cleaned_data["method"]),
        ),
        _("Refund recorded."),
    )


@require_POST
@capability_required("sales.sell")
def order_cancel(request, pk: int):
    order = _order(pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return order_detail(request, pk, invalid={"cancel_form": form})
    if not request.POST.get("confirm"):
        lines = [_("The order is cancelled and its places go back on sale.")]
        title = _("Cancel the order")
        return _confirm(request, order, title=title, lines=lines, button=title, danger=True)
    return _run(
        request,
        order,
        lambda: services.cancel_order(
            order=order, reason=form.cleaned_data["reason"], actor=request.user
        ),
        _("Order cancelled."),
    )


@require_POST
@capability_required("sales.sell")
def order_payment(request, pk: int):
    order = _order(pk)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        return order_detail(request, pk, invalid={"payment_form": form})
    spec = form.spec()
    if not request.POST.get("confirm"):
        method = dict(form.fields["method"].choices)[spec.method]
        amount = money(spec.amount_cents, order.currency)
        lines = [_("Payment of %(amount)s by %(method)s") % {"amount": amount, "method": method}]
        title = _("Record a payment")
        return _confirm(request, order, title=title, lines=lines, button=title)
    return _run(
        request,
        order,
        lambda: services.record_payment(
            order=order,
            payment=spec,
            actor=request.user,
            cash_session_id=_desk_session_id(request, spec.method),
        ),
        _("Payment recorded."),
    )


@capability_required("sales.sell")
def order_exchange(request, pk: int):
    """GET: tickets and the new performance. POST: places and tariff → the price difference
    to confirm → the exchange, only if the difference confirmed is still the right one."""
    order = _order(pk)
    form = _exchange_form(request, order)
    difference = form.difference_cents() if form.is_bound and form.is_valid() else None
    status = 400 if form.is_bound and form.errors else 200
    if difference is not None and request.POST.get("confirm"):
        if request.POST.get("expected_difference") != str(difference):
            form.add_error(None, _("The price difference changed: check it and confirm again."))
            status = 409
        else:
            try:
                _exchange(form, order, difference, request.user)
            except ParterreError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                difference, status = None, error.http_status
            else:
                messages.success(request, _("Tickets exchanged."))
                return redirect("ticketing:order_detail", pk=order.pk)
    context = {"order": order, "form": form, "difference": difference, "show_errors": form.is_bound}
    context["abs_difference"] = abs(difference or 0)
    return render(request, "ticketing/orders/exchange.html", context, status=status)


def _exchange_form(request, order: Order) -> ExchangeForm:
    if request.method == "POST":
        return ExchangeForm(
            request.POST, order=order, performance_id=request.POST.get("performance")
        )
    performance = request.GET.get("performance")
    initial = {"tickets": request.GET.getlist("tickets"), "performance": performance}
    return ExchangeForm(order=order, initial=initial, performance_id=performance)


def _exchange(form: ExchangeForm, order: Order, difference: int, actor) -> None:
    data = form.cleaned_data
    payment = PaymentSpec(data["payment_method"] or "cash", difference) if difference > 0 else None
    services.exchange_tickets(
        order=order,
        ticket_ids=[t.pk for t in data["tickets"]],
        to_performance=data["performance"],
        request=form.request(),
        tariffs=form.tariffs(),
        payment=payment,
        refund_method=data["credit_method"] or Payment.Method.VOUCHER,
        actor=actor,
    )


urlpatterns = [
    path("", order_list, name="order_list"),
    path("<int:pk>/", order_detail, name="order_detail"),
    path("<int:pk>/refund/", order_refund, name="order_refund"),
    path("<int:pk>/cancel/", order_cancel, name="order_cancel"),
    path("<int:pk>/payment/", order_payment, name="order_payment"),
    path("<int:pk>/exchange/", order_exchange, name="order_exchange"),
]
