"""The storefront page a payment link opens (a phone sale, a reservation): what the order holds
and what is left to pay, then the storefront's own payment page for it (views.payments).
The token is the only key: an unknown token is a 404, and it names one order of this venue."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from tenants.errors import ParterreError
from ticketing.models import Order
from ticketing.payments import provider_for_venue
from ticketing.services import orders
from ticketing.services.orders.links import amount_left, link_order
from ticketing.tickets.payment_emails import order_summary
from ticketing.views import payments as payment_views


@require_http_methods(["GET", "POST"])
def pay_link(request, token: str):
    order = link_order(token)
    if order is None:
        raise Http404
    provider = provider_for_venue()
    if request.method == "POST" and provider is not None:
        try:
            shown = int(request.POST.get("shown_total", ""))
        except ValueError:
            shown = -1
        try:
            payment = orders.start_link_payment(
                order=order, provider=provider, shown_total_cents=shown
            )
        except ParterreError as error:
            messages.error(request, error.message)
            return redirect("store:pay_link", token)
        payment_views.remember_payment(request, payment)
        return payment_views.after_payment(request, payment)
    open_ = order.status == Order.Status.PENDING and order.pay_by > timezone.now()
    context = {
        "order": order,
        "performances": order_summary(order),
        "amount_cents": amount_left(order),
        "open": open_,
        "paid": order.status == Order.Status.PAID,
        "online": provider is not None,
    }
    return render(request, "ticketing/storefront/pay_link.html", context)


store_urlpatterns = [path("pay/<str:token>/", pay_link, name="pay_link")]
