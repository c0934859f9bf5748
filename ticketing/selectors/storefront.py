"""The storefront's reads: sale hints on programme lists, a performance's standing zones, the
session's cart and its checkout table."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Min

from ticketing.models import (
    Hold,
    HoldZoneItem,
    Performance,
    PerformanceSeat,
    PerformanceZone,
    Price,
    PriceCategory,
    Seat,
    Tariff,
)
from ticketing.selectors.availability import performance_figures
from ticketing.selectors.quotes import Place, Quote, QuoteLine, price_table, quote
from ticketing.services.inventory import sales_settings
from ticketing.services.orders import TariffChoice

FEW_LEFT_SHARE = 0.10


def online_tariffs(prices: list[Price], single_price: bool) -> list[Price]:
    """Tariffs a spectator may choose online for one category, in tariff order."""
    public = [p for p in prices if p.tariff.public and p.tariff.is_active]
    if single_price:
        single = [p for p in public if p.tariff.kind == Tariff.Kind.SINGLE]
        public = single or public
    return sorted(public, key=lambda p: (p.tariff.order, p.tariff.name))


@dataclass
class CartLine:
    """A line of the checkout table: a seat, or the places of a standing zone."""

    field: str  # the name of its tariff select
    label: str
    category: PriceCategory
    offer: list[Price]  # the tariffs to choose from (none: set by another line)
    quoted: QuoteLine
    where: Seat | None = None

    @property
    def chosen(self) -> Price | None:
        return self.quoted.price

    @property
    def quantity(self) -> int:
        return self.quoted.place.quantity

    @property
    def amount_cents(self) -> int:
        return self.quoted.amount_cents


@dataclass
class Cart:
    hold: Hold
    lines: list[CartLine]
    quote: Quote
    tariffs: TariffChoice | None  # what confirm_order needs; None when nothing is priced

    @property
    def priced(self) -> bool:
        return self.quote.priced

    @property
    def currency(self) -> str:
        return self.quote.currency


def checkout_cart(hold: Hold, choices) -> Cart:
    """The cart's places with the tariffs offered online, the chosen ones (`choices`: the
    posted `tariff_seat_<seat id>` and `tariff_zone`) and the quote. At most four queries.

    As orders.confirm_order prices it: one tariff per seat; standing places all take the
    order's default tariff (that is what TariffChoice offers)."""
    settings = sales_settings()
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
    prices = price_table(hold.performance)
    by_category: dict[int, list[Price]] = {}
    for (category_id, _tariff_id), price in prices.items():
        by_category.setdefault(category_id, []).append(price)
    offers = {c: online_tariffs(ps, settings.single_price_mode) for c, ps in by_category.items()}

    def pick(offer: list[Price], wanted) -> int | None:
        chosen = next((p for p in offer if str(p.tariff_id) == wanted), offer[0] if offer else None)
        return chosen.tariff_id if chosen else None

    rows: list[tuple[str, PriceCategory, list[Price], Seat | None]] = []
    places: list[Place] = []
    for s in seats:
        field_name, offer = f"tariff_seat_{s.seat_id}", offers.get(s.category_id, [])
        rows.append((field_name, s.category, offer, s.seat))
        places.append(
            Place(s.category_id, pick(offer, choices.get(field_name)), 1, s.seat.label, s.seat_id)
        )
    seat_tariffs = {p.seat_id: p.tariff_id for p in places if p.tariff_id}
    default = next(iter(seat_tariffs.values()), None)
    if items:
        # Every zone place takes the order's default tariff: offer those priced in every zone.
        zone_offer = offers.get(items[0].performance_zone.category_id, [])
        for item in items[1:]:
            ids = {p.tariff_id for p in offers.get(item.performance_zone.category_id, [])}
            zone_offer = [p for p in zone_offer if p.tariff_id in ids]
        default = pick(zone_offer, choices.get("tariff_zone"))
        for item in items:
            zone = item.performance_zone
            online = {p.tariff_id for p in offers.get(zone.category_id, [])}
            rows.append(
                ("tariff_zone", zone.category, zone_offer if item is items[0] else [], None)
            )
            places.append(
                Place(
                    zone.category_id,
                    default if default in online else None,
                    item.quantity,
                    zone.zone.name,
                    zone_id=zone.pk,
                )
            )
    quoted = quote(hold.performance, places, prices=prices, fees=settings)
    lines = [
        CartLine(field_name, q.place.label, category, offer, q, where)
        for (field_name, category, offer, where), q in zip(rows, quoted.lines, strict=True)
    ]
    return Cart(
        hold=hold,
        lines=lines,
        quote=quoted,
        tariffs=TariffChoice(default=default, seats=seat_tariffs) if default else None,
    )


def lowest_public_prices(performance_ids: list[int]) -> dict[int, int]:
    """Performance id → its cheapest paying price sold online ("from 10 €"), in one query;
    performances without one are left out."""
    return dict(
        Price.objects.filter(
            category__performance_id__in=performance_ids,
            tariff__public=True,
            tariff__is_active=True,
            amount_cents__gt=0,
        )
        .values_list("category__performance_id")
        .annotate(low=Min("amount_cents"))
    )


def with_sale_hints(performances: list[Performance]) -> list[Performance]:
    """Attach price_from, free, capacity and a hint to each performance (3 queries in all)."""
    ids = [p.pk for p in performances]
    figures = performance_figures(ids)
    lows = lowest_public_prices(ids)
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


def standing_zones(performance: Performance) -> list[PerformanceZone]:
    """The performance's standing zones with their zone and price category (one query)."""
    return list(
        PerformanceZone.objects.filter(performance=performance).select_related("zone", "category")
    )


def session_cart(token: str | None) -> Hold | None:
    """The cart a storefront session remembers by its token (None without one), with its
    performance, show and hall for the checkout page."""
    if not token:
        return None
    holds = Hold.objects.select_related("performance__show", "performance__layout__hall")
    return holds.filter(token=token).first()
