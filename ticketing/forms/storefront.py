"""The storefront's input as the cart parser's mapping (ticketing.carts): the places chosen on
a performance's page, and the tariffs chosen at checkout. The buyer's form is in `buyers`."""

from __future__ import annotations

from ticketing.carts import CartSpec, parse_cart
from ticketing.models import Performance
from ticketing.selectors import Cart


def hold_input(data) -> dict:
    """The performance page's POST: seats from the map (`seats`, repeated), or a number of
    places (`quantity`) in a category (best available) or in a standing zone."""
    if "quantity" not in data:
        return {"seats": data.getlist("seats")}
    if data.get("zone"):
        return {"zones": {data["zone"]: data["quantity"]}}
    # `needs`: what the spectator declared on the page; fitting seats are chosen first.
    return {
        "best_available": data["quantity"],
        "category": data.get("category"),
        "needs": data.getlist("needs")[:8],
    }


def checkout_tariffs(cart: Cart, performance: Performance) -> CartSpec:
    """The tariffs chosen for the cart's places, as the sale takes them (CartError when they
    do not add up). Every place carries its tariff: a seat its own, a zone its split."""
    seat_tariffs, zones, zone_tariffs = {}, {}, {}
    for line in cart.lines:
        if line.where is not None:
            if line.chosen is not None:
                seat_tariffs[line.where.pk] = line.chosen.tariff.code
        else:
            zones[line.zone_id] = line.held
            if line.offer:
                zone_tariffs[line.zone_id] = {t.price.tariff.code: t.count for t in line.split}
    chosen = [*seat_tariffs.values(), *(c for split in zone_tariffs.values() for c in split)]
    offered = [p.tariff.code for p in cart.prices.values()]
    return parse_cart(
        {
            "seats": [line.where.pk for line in cart.lines if line.where is not None],
            "zones": zones,
            "tariff": (chosen or offered or [""])[0],
            "seat_tariffs": seat_tariffs,
            "zone_tariffs": zone_tariffs,
        },
        performance=performance,
        prices=cart.prices,
    )
