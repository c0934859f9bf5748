"""Online payment pages: the storefront's payment page (Stripe's Payment Element), the page
the buyer comes back to (after 3-D Secure too), Stripe's webhook for this venue, and the
back-office page where a venue enters its Stripe keys.

The browser's word is never taken: the return page asks the provider (`retrieve`) and the
webhook checks Stripe's signature with the venue's signing secret.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from crm.models import Contact
from tenants.accounts.permissions import capability_required
from tenants.crypto import mask_secret
from tenants.errors import ParterreError
from tenants.navigation import NavItem, register
from ticketing.models import OnlinePayment, PaymentSettings, Performance
from ticketing.payments import (
    PaymentProvider,
    ProviderError,
    SavedCard,
    WebhookSignatureError,
    provider_by_name,
)
from ticketing.payments.base import PROCESSING, REQUIRES_ACTION
from ticketing.selectors.payments import payment_customer, session_payment
from ticketing.services import orders
from ticketing.services.payment_settings import update_payment_settings

logger = logging.getLogger(__name__)
PAYMENTS_KEY = "store.payments"
WALLET_COOKIE = "parterre_wallet"
WALLET_DAYS = 400


# --- The device's wallet (one-tap payment for a returning spectator) ------------------------
@dataclass
class Wallet:
    contact_id: int | None = None
    customer_id: str = ""
    card: SavedCard | None = None


def _wallet_salt() -> str:
    # A cookie of one venue means nothing at another.
    return f"parterre.wallet.{connection.schema_name}"


def _wallet_contact(request) -> int | None:
    value = request.COOKIES.get(WALLET_COOKIE)
    if not value:
        return None
    try:
        return int(
            signing.loads(value, salt=_wallet_salt(), max_age=WALLET_DAYS * 86400)["contact"]
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def wallet(request, provider: PaymentProvider | None) -> Wallet:
    """The card this device remembers for this venue (a signed cookie naming the contact
    whose provider customer holds it), if any."""
    if provider is None or provider.name != "stripe":
        return Wallet()
    contact_id = _wallet_contact(request)
    customer_id = payment_customer(contact_id, provider.name)
    if not customer_id:
        return Wallet()
    try:
        cards = provider.saved_cards(customer_id)
    except ProviderError:
        cards = []
    return Wallet(contact_id, customer_id, cards[0] if cards else None)


def known_buyer(request) -> dict | None:
    """The details of the spectator this device remembers, to fill the checkout form."""
    contact_id = _wallet_contact(request)
    contact = Contact.objects.filter(pk=contact_id).first() if contact_id else None
    if contact is None:
        return None
    return {
        "email": contact.email or "",
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "phone": getattr(contact, "phone", "") or "",
        "postcode": getattr(contact, "postcode", "") or "",
    }


def remember_payment(request, payment: OnlinePayment) -> None:
    kept = request.session.get(PAYMENTS_KEY, [])
    if str(payment.token) not in kept:
        request.session[PAYMENTS_KEY] = [*kept, str(payment.token)][-20:]


def _session_payment(request, token) -> OnlinePayment:
    payment = session_payment(token, request.session.get(PAYMENTS_KEY, []))
    if payment is None:
        raise Http404  # only the browser that started a payment sees it
    return payment


# --- After a payment --------------------------------------------------------------------------
def after_payment(request, payment: OnlinePayment):
    """Where the buyer goes once we know where their payment stands."""
    from ticketing.views.storefront import HOLD_KEY, ORDERS_KEY

    if payment.order_id:
        order = payment.order
        request.session.pop(HOLD_KEY, None)
        refs = request.session.get(ORDERS_KEY, [])
        if order.reference not in refs:
            request.session[ORDERS_KEY] = [*refs, order.reference][-20:]
        response = redirect("store:order", order.reference)
        if payment.save_card and order.contact_id:
            response.set_cookie(
                WALLET_COOKIE,
                signing.dumps({"contact": order.contact_id}, salt=_wallet_salt()),
                max_age=WALLET_DAYS * 86400,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response
    if payment.outcome in (OnlinePayment.Outcome.REFUNDED, OnlinePayment.Outcome.REFUNDED_PRICE):
        request.session.pop(HOLD_KEY, None)
        return render(request, "ticketing/storefront/payment_refunded.html", {"payment": payment})
    if payment.status == OnlinePayment.Status.CANCELED:
        messages.error(request, _("Your payment was cancelled and your places released."))
        return redirect("store:performance", payment.performance_id)
    return redirect("store:payment", payment.token)


def payment_page(request, token):
    """Card details in Stripe's Payment Element (Stripe.js, the one outside script), or
    3-D Secure for a saved card; the decline of a previous try is said plainly."""
    payment = _session_payment(request, token)
    if payment.outcome or payment.status == OnlinePayment.Status.CANCELED:
        return after_payment(request, payment)
    provider = provider_by_name(payment.provider)
    if provider is None:
        raise Http404
    try:
        state = provider.retrieve(payment.intent_id)
    except ProviderError as error:
        messages.error(request, error.message)
        return redirect("store:checkout")
    if state.succeeded:
        return after_payment(request, orders.settle_online_payment(payment=payment, state=state))
    hold = payment.hold
    # A payment link's payment has no cart: its order's deadline keeps the places.
    order = payment.pending_order
    deadline = hold.expires_at if hold else (order.pay_by if order else None)
    link = order.payment_links.first() if order else None
    context = {
        "payment": payment,
        "performance": hold.performance if hold else _performance(payment.performance_id),
        "hold": hold,
        "deadline": deadline,
        "back_url": reverse("store:pay_link", args=[link.token])
        if link
        else reverse("store:checkout"),
        "client_secret": state.client_secret,
        "publishable_key": provider.publishable_key,
        "stripe_js_url": provider.js_url,
        "next_action": state.status == REQUIRES_ACTION and bool(payment.customer_id),
        "return_url": request.build_absolute_uri(reverse("store:payment_return", args=[token])),
        "error": payment.last_error if payment.status == OnlinePayment.Status.FAILED else "",
        "expired": deadline is None or deadline <= timezone.now(),
    }
    return render(request, "ticketing/storefront/payment.html", context)


def _performance(pk: int):
    return Performance.objects.select_related("show").filter(pk=pk).first()


def payment_return(request, token):
    """Back from the payment page or 3-D Secure: what the provider says, not the browser."""
    payment = _session_payment(request, token)
    try:
        payment = orders.refresh_online_payment(payment=payment)
    except ParterreError as error:
        messages.error(request, error.message)
        return redirect("store:payment", token)
    if payment.order_id or payment.outcome or payment.status == OnlinePayment.Status.CANCELED:
        return after_payment(request, payment)
    if payment.status == OnlinePayment.Status.FAILED:
        messages.error(
            request,
            _(
                "Your payment did not go through (%(reason)s). Nothing was charged: try again "
                "or use another card."
            )
            % {"reason": payment.last_error or _("declined")},
        )
        return redirect("store:payment", token)
    provider = provider_by_name(payment.provider)
    state = provider.retrieve(payment.intent_id) if provider else None
    if state is not None and state.status == PROCESSING:
        return render(request, "ticketing/storefront/payment_waiting.html", {"payment": payment})
    return redirect("store:payment", token)


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe's events for this venue's account (its host): signature checked with the
    venue's signing secret, each event applied once."""
    provider = provider_by_name("stripe")
    if provider is None:
        raise Http404
    try:
        event = provider.parse_webhook(request.body, request.headers.get("Stripe-Signature", ""))
    except WebhookSignatureError:
        return HttpResponse(status=400)
    try:
        outcome = orders.handle_provider_event(provider=provider, event=event)
    except ProviderError:
        logger.warning("stripe event %s: provider unavailable, Stripe will retry", event.id)
        return HttpResponse(status=503)  # rolled back, event row included: Stripe retries
    return JsonResponse({"received": True, "outcome": outcome})


storefront_urlpatterns = [
    path("checkout/payment/<uuid:token>/", payment_page, name="payment"),
    path("checkout/payment/<uuid:token>/return/", payment_return, name="payment_return"),
    path("payments/stripe/webhook/", stripe_webhook, name="stripe_webhook"),
]


# --- Back office: the venue's Stripe keys -------------------------------------------------
class PaymentSettingsForm(forms.Form):
    publishable_key = forms.CharField(
        label=gettext_lazy("Publishable key"), max_length=200, required=False
    )
    secret_key = forms.CharField(
        label=gettext_lazy("Secret key"),
        max_length=300,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=gettext_lazy("Leave blank to keep the key saved."),
    )
    webhook_secret = forms.CharField(
        label=gettext_lazy("Webhook signing secret"),
        max_length=300,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=gettext_lazy("Leave blank to keep the secret saved."),
    )
    clear = forms.BooleanField(
        label=gettext_lazy("Remove the keys (online sale stops)"), required=False
    )

    def clean(self):
        data = super().clean()
        for name in ("publishable_key", "secret_key", "webhook_secret"):
            data[name] = (data.get(name) or "").strip()
        return data


@capability_required("programme.manage")
def payment_settings(request):
    current = PaymentSettings.current()
    form = PaymentSettingsForm(
        request.POST or None, initial={"publishable_key": current.stripe_publishable_key}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            update_payment_settings(
                publishable_key=data["publishable_key"],
                secret_key=data["secret_key"],
                webhook_secret=data["webhook_secret"],
                clear=data["clear"],
                actor=request.user,
            )
        except ParterreError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Online payment settings saved."))
            return redirect("ticketing:payment_settings")
    context = {
        "form": form,
        "secret_key": mask_secret(current.stripe_secret_key),
        "webhook_secret": mask_secret(current.stripe_webhook_secret),
        "webhook_url": request.build_absolute_uri(reverse("store:stripe_webhook")),
        "test_mode": current.stripe_secret_key.startswith(("sk_test_", "rk_test_")),
        "configured": bool(current.stripe_secret_key and current.stripe_publishable_key),
        "offline": settings.PARTERRE_OFFLINE_TEST_PAYMENTS,
    }
    return render(request, "ticketing/payments/settings.html", context)


backoffice_urlpatterns = [path("", payment_settings, name="payment_settings")]

register(
    NavItem(
        "payment_settings",
        gettext_lazy("Online payment"),
        "ticketing:payment_settings",
        "programme.manage",
        906,
        group=gettext_lazy("Settings"),
    )
)
