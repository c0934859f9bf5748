"""The storefront's cart, checkout and confirmation: a performance's places held (the cart, a
Hold remembered by its token in the session), the buyer's details, promo code and companions,
payment, then the order's page. The pages before the cart are in storefront.py."""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenants.errors import ParterreError
from ticketing import selectors
from ticketing.carts import CartError, parse_cart
from ticketing.errors import HoldExpired, HoldNotActive
from ticketing.forms.buyers import OnlineCheckoutForm
from ticketing.forms.space import PromoForm, companion_formset
from ticketing.forms.storefront import checkout_tariffs, hold_input
from ticketing.models import (
    Hold,
    Order,
)
from ticketing.payments import provider_for_venue
from ticketing.selectors import space as space_selectors
from ticketing.selectors.promotions import validate_promo_code
from ticketing.services import inventory, orders
from ticketing.services.funnel import Step, record_checkout_step
from ticketing.services.orders.referrals import (
    MARKETING_REF_COOKIE,
    CheckoutAdditions,
    Companion,
    promo_error_message,
)
from ticketing.spectator_session import keep_visit, spectator, visit_id
from ticketing.views import payments as payment_views
from ticketing.views.storefront import (
    HOLD_KEY,
    ORDERS_KEY,
    REFERRAL_KEY,
    _online_sale_closed,
    _performance_page,
    _public_performance,
)


def _release_cart(request) -> Hold | None:
    """Give back the seats of the cart in this session, if any; returns the hold."""
    hold = selectors.session_cart(request.session.pop(HOLD_KEY, None))
    if hold is not None:
        with contextlib.suppress(HoldNotActive):  # (confirmed, expired: nothing to give back)
            inventory.release_hold(hold=hold)
    return hold


@require_POST
def performance_hold(request, pk: int):
    performance = _public_performance(pk)
    if _online_sale_closed():
        messages.error(request, _online_sale_closed())
        return redirect("store:performance", pk)
    try:
        cart = parse_cart(hold_input(request.POST), performance=performance)
    except CartError as error:
        return _performance_page(request, performance, status=400, cart_error=error)
    _release_cart(request)  # one cart at a time: a new choice replaces the previous one
    try:
        account = spectator(request)  # a signed-in spectator's cart is theirs (journeys)
        hold = inventory.create_hold(
            performance=performance,
            request=cart.request,
            channel="web",
            contact_id=account.contact_id if account is not None else None,
        )
    except ParterreError as error:
        messages.error(request, error.message)
        return redirect("store:performance", pk)
    request.session[HOLD_KEY] = str(hold.token)
    return redirect("store:checkout")


def _cart_or_redirect(request):
    """The live cart of this session, or a redirect that says why there is none."""
    hold = selectors.session_cart(request.session.get(HOLD_KEY))
    if hold is None:
        messages.info(request, _("Your basket is empty: choose a performance."))
        return None, redirect("store:home")
    if inventory.hold_status(hold) != Hold.Status.ACTIVE:
        _release_cart(request)
        messages.error(request, HoldExpired().message)
        return None, redirect("store:performance", hold.performance_id)
    return hold, None


def checkout(request):
    hold, gone = _cart_or_redirect(request)
    if gone:
        return gone
    action = request.POST.get("action", "pay") if request.method == "POST" else None
    if action == "release":
        _release_cart(request)
        messages.success(request, _("Your seats were released."))
        return redirect("store:performance", hold.performance_id)
    cart = selectors.checkout_cart(hold, request.POST if request.method == "POST" else {})
    try:
        tariffs = checkout_tariffs(cart, hold.performance).tariffs
    except CartError as error:
        tariffs = None
        cart.show_error(error)
    # "update" (recompute the total without JavaScript) keeps what was typed, without errors.
    paying = action in ("pay", "pay_saved")
    typed = request.POST.dict() if action == "update" else _known_buyer(request)
    form = OnlineCheckoutForm(request.POST if paying else None, initial=typed)
    promo = PromoForm(request.POST if paying else None, initial=typed)
    places = sum(line.quantity for line in cart.lines)
    companions = companion_formset(places, request.POST if paying else None)
    if request.htmx and action == "update":
        return render(request, "ticketing/storefront/_cart.html", {"cart": cart})
    show_id = hold.performance.show_id
    step = Step.PAYMENT if paying else Step.CART
    record_checkout_step(visit=visit_id(request), step=step, show_id=show_id)
    if paying and form.is_valid() & promo.is_valid() & companions.is_valid():
        code = promo.cleaned_data["promo_code"]
        promo_error = validate_promo_code(code, cart) if code else None
        if cart.errors:
            for error in cart.errors:
                form.add_error(None, error)
        elif not cart.priced or tariffs is None:
            form.add_error(None, _("These places cannot be sold online: please call the venue."))
        elif promo_error:
            promo.add_error("promo_code", promo_error_message(promo_error))
        elif form.cleaned_data["email"].lower() in {e.lower() for _n, e in companions.companions()}:
            companions._non_form_errors = companions.error_class(
                [_("A companion needs their own email address, not yours.")]
            )
        else:
            additions = CheckoutAdditions(
                referral=_referral_for(request, show_id),
                promo_code=code,
                companions=[Companion(n, e) for n, e in companions.companions()],
                consent_url=request.build_absolute_uri(reverse("space:consent", args=["-"]))[:-2],
                marketing_ref=request.COOKIES.get(MARKETING_REF_COOKIE, "")[:32],
            )
            return _pay(request, hold, cart, tariffs, form, additions, promo, companions)
    return keep_visit(request, _checkout_page(request, hold, cart, form, promo, companions))


def _known_buyer(request) -> dict | None:
    """What the checkout's buyer fields start with: the device's remembered buyer, else the
    signed-in spectator's contact."""
    known = payment_views.known_buyer(request)
    account = spectator(request)
    if known or account is None:
        return known
    contact = account.contact
    return {
        "email": contact.email,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "phone": contact.phone,
        "postcode": contact.postcode,
    }


def _referral_for(request, show_id: int) -> tuple[int, int] | None:
    """The friend's link followed in this visit, if it was for this show."""
    found = request.session.get(REFERRAL_KEY)
    if isinstance(found, list) and len(found) == 2 and found[1] == show_id:
        return int(found[0]), int(found[1])
    return None


def _pay(
    request,
    hold: Hold,
    cart: selectors.Cart,
    tariffs,
    form: OnlineCheckoutForm,
    additions: CheckoutAdditions,
    promo: PromoForm,
    companions,
):
    """Start the payment of this cart with the venue's provider (ticketing.payments): the
    offline test provider pays at once; Stripe continues on the payment page, or in one tap
    with the card this device remembers (`pay_saved`)."""
    provider = provider_for_venue()
    if provider is None:
        form.add_error(None, _("Tickets are not sold online yet: please contact the box office."))
        return _checkout_page(request, hold, cart, form, promo, companions)
    wallet = payment_views.wallet(request, provider)
    card = wallet.card if request.POST.get("action") == "pay_saved" else None
    try:
        payment = orders.start_online_payment(
            hold_token=hold.token,
            tariffs=tariffs,
            buyer=form.buyer(request.LANGUAGE_CODE or "fr"),
            shown_total_cents=_shown_total(request, cart),
            extras=cart.extra_quantities,
            provider=provider,
            save_card=bool(form.cleaned_data.get("save_card")) and provider.name == "stripe",
            customer_id=wallet.customer_id if card else "",
            saved_card_id=card.id if card else "",
            additions=additions.as_json(),
        )
        payment_views.remember_payment(request, payment)
        if card is not None:
            payment = orders.confirm_saved_card(payment=payment, provider=provider)
    except HoldExpired as error:
        _release_cart(request)
        messages.error(request, error.message)
        return redirect("store:performance", hold.performance_id)
    except ParterreError as error:
        if error.field in form.fields:
            form.add_error(error.field, error.message)
        else:
            form.add_error(None, error.message)
        return _checkout_page(request, hold, cart, form, promo, companions)
    return payment_views.after_payment(request, payment)


def _shown_total(request, cart: selectors.Cart) -> int:
    """The total the buyer was shown (posted with the form); without it, the total of the
    tariffs posted (what the page showed for them)."""
    try:
        return int(request.POST["shown_total"])
    except (KeyError, ValueError):
        return cart.quote.total_cents


def _checkout_page(request, hold: Hold, cart: selectors.Cart, form, promo=None, companions=None):
    provider = provider_for_venue()
    context = {
        "hold": hold,
        "performance": hold.performance,
        "cart": cart,
        "form": form,
        "promo": promo or PromoForm(),
        "companions": companions
        if companions is not None
        else companion_formset(sum(line.quantity for line in cart.lines)),
        "provider": provider.name if provider else "",
        "wallet": payment_views.wallet(request, provider) if provider else None,
    }
    return render(request, "ticketing/storefront/checkout.html", context)


def order_detail(request, reference: str):
    if reference not in request.session.get(ORDERS_KEY, []):
        raise Http404  # only the browser that bought it sees an order here
    order = get_object_or_404(
        Order.objects.select_related("hold__performance__show", "contact"), reference=reference
    )
    tickets = order.tickets.select_related(
        "seat__section",
        "performance_zone__zone",
        "tariff",
        "performance__show",
        "performance__layout__hall",
    )
    performance = order.hold.performance if order.hold else tickets[0].performance
    context = {
        "order": order,
        "tickets": tickets,
        "performance": performance,
        "subtotal_cents": order.total_cents - order.fee_cents,
        "referral_url": _referral_url(request, order.contact_id, performance.show_id)
        if order.contact_id
        else "",
    }
    record_checkout_step(
        visit=visit_id(request), step=Step.CONFIRMATION, show_id=performance.show_id
    )
    return keep_visit(request, render(request, "ticketing/storefront/order.html", context))


def _referral_url(request, contact_id: int, show_id: int) -> str:
    """The buyer's personal "bring a friend" link for the show."""
    token = space_selectors.referral_token(contact_id=contact_id, show_id=show_id)
    return request.build_absolute_uri(reverse("space:referral", args=[token]))


urlpatterns = [
    path("performances/<int:pk>/hold/", performance_hold, name="hold"),
    path("checkout/", checkout, name="checkout"),
    path("orders/<str:reference>/", order_detail, name="order"),
    *payment_views.storefront_urlpatterns,
]
