"""The public storefront: programme, show and performance pages, cart, checkout, confirmation.

No login. The cart (a Hold) is remembered by its token in the session; sessions live in the
venue's schema, so a cart never crosses venues. Pages work without JavaScript: the seat map
falls back to a list, quantities are plain selects, the total is recomputed by a button.
"""

from __future__ import annotations

from collections import OrderedDict

from django.contrib import messages
from django.db.models import Min
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenants.errors import ParterreError
from ticketing import selectors
from ticketing.errors import HoldExpired
from ticketing.forms import BuyerForm, QuantityForm, SeatChoiceForm
from ticketing.models import (
    Hold,
    HoldZoneItem,
    Order,
    Performance,
    PerformanceSeat,
    PerformanceZone,
    Price,
    SalesSettings,
    Show,
    Tariff,
)
from ticketing.services import inventory, orders
from ticketing.services.inventory import HoldRequest
from ticketing.services.orders import Buyer, PaymentSpec, TariffChoice
from ticketing.views.programme import performance_figures

HOLD_KEY = "store.hold"
ORDERS_KEY = "store.orders"
PUBLIC_STATUSES = (
    Performance.Status.ON_SALE,
    Performance.Status.SOLD_OUT,
    Performance.Status.RESCHEDULED,
    Performance.Status.CANCELLED,
)
FEW_LEFT_SHARE = 0.10


# --- Reads (to move to ticketing/selectors.py) ---------------------------------------------
def _with_sale_hints(performances: list[Performance]) -> list[Performance]:
    """Attach price_from, free, capacity and a hint to each performance (3 queries in all)."""
    ids = [p.pk for p in performances]
    figures = performance_figures(ids)
    lows = dict(
        Price.objects.filter(
            category__performance_id__in=ids,
            tariff__public=True,
            tariff__is_active=True,
            amount_cents__gt=0,
        )
        .values_list("category__performance_id")
        .annotate(low=Min("amount_cents"))
    )
    for performance in performances:
        figure = figures[performance.pk]
        performance.price_from = lows.get(performance.pk)
        performance.free = figure["free"]
        sold_out = performance.status == Performance.Status.SOLD_OUT or figure["free"] <= 0
        if performance.status == Performance.Status.CANCELLED:
            performance.hint = "cancelled"
        elif sold_out:
            performance.hint = "sold_out"
        elif figure["free"] < FEW_LEFT_SHARE * figure["capacity"]:
            performance.hint = "few_left"
        else:
            performance.hint = "available"
    return performances


def _public_tariffs(prices, single_price: bool):
    """Tariffs a spectator may choose online for one category, in tariff order."""
    public = [p for p in prices if p.tariff.public and p.tariff.is_active]
    if single_price:
        single = [p for p in public if p.tariff.kind == Tariff.Kind.SINGLE]
        public = single or public
    return sorted(public, key=lambda p: (p.tariff.order, p.tariff.name))


def _cart(hold: Hold, choices: dict[str, str]) -> dict:
    """The cart's places with the tariffs on offer, the chosen ones and the totals.

    Mirrors orders.confirm_order: one tariff per seat; general-admission places all take the
    order's default tariff (that is what TariffChoice offers)."""
    settings = SalesSettings.current()
    seats = list(
        PerformanceSeat.objects.filter(hold=hold, status=PerformanceSeat.Status.HELD)
        .select_related("seat__section", "category")
        .order_by("seat__section__order", "seat__row", "seat__number")
    )
    items = list(
        HoldZoneItem.objects.filter(hold=hold).select_related(
            "performance_zone__zone", "performance_zone__category"
        )
    )
    category_ids = {s.category_id for s in seats} | {i.performance_zone.category_id for i in items}
    by_category: dict[int, list[Price]] = {}
    for price in Price.objects.filter(category_id__in=category_ids).select_related("tariff"):
        by_category.setdefault(price.category_id, []).append(price)
    offers = {
        c: _public_tariffs(by_category.get(c, []), settings.single_price_mode) for c in category_ids
    }

    def pick(offer, wanted):
        return next((p for p in offer if str(p.tariff_id) == wanted), offer[0] if offer else None)

    def line(field, label, category, offer, quantity, chosen):
        amount = chosen.amount_cents if chosen else 0
        return {
            "field": field,
            "label": label,
            "category": category,
            "offer": offer,
            "chosen": chosen,
            "quantity": quantity,
            "amount_cents": amount * quantity,
            "fee_cents": settings.fee_for(amount) * quantity,
        }

    lines = []
    for s in seats:
        field, offer = f"tariff_seat_{s.seat_id}", offers[s.category_id]
        chosen = pick(offer, choices.get(field))
        lines.append(line(field, s.seat.label, s.category, offer, 1, chosen) | {"where": s.seat})
    seat_tariffs = {
        s.seat_id: li["chosen"].tariff_id
        for s, li in zip(seats, lines[: len(seats)], strict=True)
        if li["chosen"]
    }
    default = next(iter(seat_tariffs.values()), None)
    if items:
        # Every zone place takes the order's default tariff: offer those priced in every zone.
        zone_offer = offers[items[0].performance_zone.category_id]
        for item in items[1:]:
            ids = {p.tariff_id for p in offers[item.performance_zone.category_id]}
            zone_offer = [p for p in zone_offer if p.tariff_id in ids]
        chosen = pick(zone_offer, choices.get("tariff_zone"))
        default = chosen.tariff_id if chosen else None
        for item in items:
            offer = zone_offer if item is items[0] else []
            price = next(
                (p for p in offers[item.performance_zone.category_id] if p.tariff_id == default),
                None,
            )
            zone = item.performance_zone
            lines.append(
                line("tariff_zone", zone.zone.name, zone.category, offer, item.quantity, price)
            )
    subtotal = sum(li["amount_cents"] for li in lines)
    fees = sum(li["fee_cents"] for li in lines)
    return {
        "hold": hold,
        "lines": lines,
        "priced": bool(lines) and all(li["chosen"] for li in lines),
        "subtotal_cents": subtotal,
        "fee_cents": fees,
        "total_cents": subtotal + fees,
        "currency": settings.currency,
        "tariffs": TariffChoice(default=default, seats=seat_tariffs) if default else None,
    }


# --- Pages --------------------------------------------------------------------------------
def home(request):
    performances = _with_sale_hints(list(selectors.upcoming_performances(public=True)))
    shows: OrderedDict[int, dict] = OrderedDict()
    for performance in performances:
        entry = shows.setdefault(performance.show_id, {"show": performance.show, "dates": []})
        entry["dates"].append(performance)
    return render(request, "ticketing/storefront/home.html", {"shows": list(shows.values())})


def show_detail(request, slug: str):
    show = get_object_or_404(Show, slug=slug)
    performances = [p for p in selectors.upcoming_performances(public=True) if p.show_id == show.pk]
    if not performances and not show.performances.filter(status__in=PUBLIC_STATUSES).exists():
        raise Http404  # a show still in preparation is not public
    context = {"show": show, "performances": _with_sale_hints(performances)}
    return render(request, "ticketing/storefront/show.html", context)


def _public_performance(pk: int) -> Performance:
    return get_object_or_404(
        Performance.objects.select_related("show", "layout__hall"),
        pk=pk,
        status__in=PUBLIC_STATUSES,
    )


def _performance_page(request, performance: Performance, *, status: int = 200):
    try:
        inventory.check_on_sale(performance)
        closed_reason = ""
    except ParterreError as error:
        closed_reason = error.message
    categories = selectors.category_availability(performance)
    seats = selectors.seat_map(performance) if not closed_reason else []
    free_by_category: dict[int, int] = {}
    for seat in seats:
        if seat["status"] == "available":
            free_by_category[seat["category"]] = free_by_category.get(seat["category"], 0) + 1
    for category in categories:
        category["free_seats"] = free_by_category.get(category["id"], 0)
        category["public_prices"] = [p for p in category["prices"] if p["public"]]
        category["quantities"] = range(1, min(10, category["free_seats"]) + 1)
    zones = list(
        PerformanceZone.objects.filter(performance=performance).select_related("zone", "category")
    )
    prices = {c["id"]: c["public_prices"] for c in categories}
    for zone in zones:
        zone.quantities = range(1, min(10, zone.available) + 1)
        zone.public_prices = prices.get(zone.category_id, [])
    context = {
        "performance": performance,
        "show": performance.show,
        "closed_reason": closed_reason,
        "categories": categories,
        "seats": seats,
        "has_free_seats": bool(free_by_category),
        "has_wheelchair": any(s["wheelchair"] and s["status"] == "available" for s in seats),
        "zones": [z for z in zones if z.available > 0] if not closed_reason else [],
        "max_places": inventory.MAX_PER_HOLD,
    }
    return render(request, "ticketing/storefront/performance.html", context, status=status)


def performance_detail(request, pk: int):
    return _performance_page(request, _public_performance(pk))


def _release_cart(request) -> Hold | None:
    """Give back the seats of the cart in this session, if any; returns the hold."""
    token = request.session.pop(HOLD_KEY, None)
    hold = Hold.objects.filter(token=token).first() if token else None
    if hold is not None:
        inventory.release_hold(hold=hold)
    return hold


@require_POST
def performance_hold(request, pk: int):
    performance = _public_performance(pk)
    if "quantity" in request.POST:
        form = QuantityForm(request.POST)
        valid = form.is_valid()
        data = form.cleaned_data if valid else {}
        hold_request = HoldRequest(
            best_available=data.get("quantity", 0) if data.get("category") else 0,
            category_id=data.get("category"),
            zones={data["zone"]: data["quantity"]} if data.get("zone") else {},
        )
    else:
        form = SeatChoiceForm(request.POST)
        valid = form.is_valid()
        hold_request = HoldRequest(seat_ids=form.cleaned_data["seats"] if valid else [])
    if not valid:
        messages.error(request, _("Choose at least one seat or a number of places."))
        return redirect("store:performance", pk)
    _release_cart(request)  # one cart at a time: a new choice replaces the previous one
    try:
        hold = inventory.create_hold(performance=performance, request=hold_request, channel="web")
    except ParterreError as error:
        messages.error(request, error.message)
        return redirect("store:performance", pk)
    request.session[HOLD_KEY] = str(hold.token)
    return redirect("store:checkout")


def _cart_or_redirect(request):
    """The live cart of this session, or a redirect that says why there is none."""
    token = request.session.get(HOLD_KEY)
    hold = Hold.objects.select_related("performance__show", "performance__layout__hall")
    hold = hold.filter(token=token).first() if token else None
    if hold is None:
        messages.info(request, _("Your basket is empty: choose a performance."))
        return None, redirect("store:home")
    if orders.hold_status(hold) != Hold.Status.ACTIVE:
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
    cart = _cart(hold, request.POST if request.method == "POST" else {})
    # "update" (recompute the total without JavaScript) keeps what was typed, without errors.
    typed = request.POST.dict() if action == "update" else None
    form = BuyerForm(request.POST if action == "pay" else None, initial=typed)
    if request.htmx and action == "update":
        return render(request, "ticketing/storefront/_cart.html", {"cart": cart})
    if action == "pay" and form.is_valid():
        if not cart["priced"] or cart["tariffs"] is None:
            form.add_error(None, _("These places cannot be sold online: please call the venue."))
        else:
            return _pay(request, hold, cart, form)
    context = {"hold": hold, "performance": hold.performance, "cart": cart, "form": form}
    return render(request, "ticketing/storefront/checkout.html", context)


def _pay(request, hold: Hold, cart: dict, form: BuyerForm):
    # Test payment only: the Stripe flow (payment intent, webhook, pending order) comes later.
    buyer = Buyer(language=request.LANGUAGE_CODE or "fr", **form.cleaned_data)
    try:
        order = orders.confirm_order(
            hold_token=hold.token,
            tariffs=cart["tariffs"],
            buyer=buyer,
            payments=[PaymentSpec("offline_test", cart["total_cents"])],
            channel="web",
        )
    except HoldExpired as error:
        _release_cart(request)
        messages.error(request, error.message)
        return redirect("store:performance", hold.performance_id)
    except ParterreError as error:
        form.add_error(None, error.message)
        context = {"hold": hold, "performance": hold.performance, "cart": cart, "form": form}
        return render(request, "ticketing/storefront/checkout.html", context)
    request.session.pop(HOLD_KEY, None)
    request.session[ORDERS_KEY] = [*request.session.get(ORDERS_KEY, []), order.reference][-20:]
    return redirect("store:order", order.reference)


def order_detail(request, reference: str):
    if reference not in request.session.get(ORDERS_KEY, []):
        raise Http404  # only the browser that bought it sees an order here
    order = get_object_or_404(
        Order.objects.select_related("hold__performance__show"), reference=reference
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
    }
    return render(request, "ticketing/storefront/order.html", context)


urlpatterns = [
    path("", home, name="home"),
    path("shows/<slug:slug>/", show_detail, name="show"),
    path("performances/<int:pk>/", performance_detail, name="performance"),
    path("performances/<int:pk>/hold/", performance_hold, name="hold"),
    path("checkout/", checkout, name="checkout"),
    path("orders/<str:reference>/", order_detail, name="order"),
]
