"""The storefront's reads: sale hints on programme lists, a performance's standing zones, the
session's cart and its checkout table."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field

from django.db.models import Min, Prefetch

from ticketing.models import (
    Extra,
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
from ticketing.selectors.extras import extras_on_sale
from ticketing.selectors.prices import price_table, sales_settings
from ticketing.selectors.quotes import Place, Quote, QuoteLine, quote
from ticketing.specs import MAX_PER_HOLD

FEW_LEFT_SHARE = 0.10


def online_tariffs(prices: list[Price], single_price: bool) -> list[Price]:
    """Tariffs a spectator may choose online for one category, in tariff order."""
    public = [p for p in prices if p.tariff.public and p.tariff.is_active]
    if single_price:
        single = [p for p in public if p.tariff.kind == Tariff.Kind.SINGLE]
        public = single or public
    return sorted(public, key=lambda p: (p.tariff.order, p.tariff.name))


@dataclass
class ZoneTariff:
    """One tariff offered for the standing places of a cart line, and how many take it."""

    field: str  # the name of its number input
    price: Price
    count: int | str  # as typed


@dataclass
class CartLine:
    """A line of the checkout table: a seat, or the places of a standing zone (which may be
    split between tariffs: one quote line per tariff)."""

    field: str  # the name of its tariff select (seats)
    label: str
    category: PriceCategory
    offer: list[Price]  # the tariffs to choose from
    quoted: list[QuoteLine]
    held: int = 1  # places of this line in the cart
    where: Seat | None = None
    zone_id: int | None = None  # PerformanceZone id (standing places)
    error_code: str = ""
    split: list[ZoneTariff] = dataclass_field(default_factory=list)  # standing places only
    error: str = ""

    @property
    def chosen(self) -> Price | None:
        return self.quoted[0].price if self.quoted else None

    @property
    def quantity(self) -> int:
        return self.held

    @property
    def amount_cents(self) -> int:
        return sum(q.amount_cents for q in self.quoted)


@dataclass
class Cart:
    hold: Hold
    lines: list[CartLine]
    quote: Quote
    prices: dict[tuple[int, int], Price]  # the performance's price table
    extras: list[ExtraRow] = dataclass_field(default_factory=list)  # offered online, as typed

    @property
    def extra_quantities(self) -> dict[int, int]:
        """{extra id: quantity} chosen, as the cart parser reads them."""
        return {row.extra.pk: row.count for row in self.extras if row.count}

    @property
    def priced(self) -> bool:
        """Every place has a price (and the standing places' tariffs add up)."""
        return self.quote.priced and not self.errors

    @property
    def errors(self) -> list[str]:
        """What stops the sale on some lines (standing places whose tariffs do not add up)."""
        return [line.error for line in self.lines if line.error]

    @property
    def currency(self) -> str:
        return self.quote.currency

    def show_error(self, error) -> None:
        """Put an error of the cart parser (ticketing.carts.CartError) on its line: the
        standing zone it names, else the first line."""
        line = next((x for x in self.lines if x.zone_id and x.zone_id == error.key), None)
        line = line or self.lines[0]
        line.error, line.error_code = error.message, error.code


@dataclass
class ExtraRow:
    """An extra offered with the tickets online and the quantity typed (`extra_<id>`)."""

    extra: Extra
    typed: str

    @property
    def field(self) -> str:
        return f"extra_{self.extra.pk}"

    @property
    def count(self) -> int:
        return min(_typed_count(self.typed), MAX_PER_HOLD)

    @property
    def amount_cents(self) -> int:
        return self.count * self.extra.price_cents


def _typed_count(value) -> int:
    """For the total shown while typing: a number of places as typed (anything else: 0;
    the cart parser says what is wrong with it)."""
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 4 else 0


def checkout_cart(hold: Hold, choices) -> Cart:
    """The cart's places with the tariffs offered online, the chosen ones (`choices`: the
    posted `tariff_seat_<seat id>`, and `zone_<performance zone id>_<tariff id>`: how many
    standing places at each tariff, as typed) and the quote. At most four queries.

    One tariff per seat (the first offered until the spectator chooses), and the standing
    places of a zone split between tariffs (all at the first tariff offered until the
    spectator splits them). What the choices mean for the sale, and whether they add up,
    is the cart parser's to say (forms.storefront.checkout_tariffs)."""
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
    prices = price_table(hold.performance_id)
    by_category: dict[int, list[Price]] = {}
    for (category_id, _tariff_id), price in prices.items():
        by_category.setdefault(category_id, []).append(price)
    offers = {c: online_tariffs(ps, settings.single_price_mode) for c, ps in by_category.items()}

    def pick(offer: list[Price], wanted) -> int | None:
        chosen = next((p for p in offer if str(p.tariff_id) == wanted), offer[0] if offer else None)
        return chosen.tariff_id if chosen else None

    lines: list[CartLine] = []
    places: list[tuple[CartLine, Place]] = []
    for s in seats:
        field_name, offer = f"tariff_seat_{s.seat_id}", offers.get(s.category_id, [])
        line = CartLine(field_name, s.seat.label, s.category, offer, [], where=s.seat)
        lines.append(line)
        tariff_id = pick(offer, choices.get(field_name))
        places.append((line, Place(s.category_id, tariff_id, 1, s.seat.label, s.seat_id)))
    for item in items:
        zone = item.performance_zone
        offer = offers.get(zone.category_id, [])
        line = CartLine(
            "", zone.zone.name, zone.category, offer, [], held=item.quantity, zone_id=zone.pk
        )
        lines.append(line)
        fields = {p.tariff_id: f"zone_{zone.pk}_{p.tariff_id}" for p in offer}
        typed = {t: choices.get(name, "") for t, name in fields.items()}
        if not any(name in choices for name in fields.values()):
            # Nothing chosen yet: every place at the first tariff offered.
            typed = {t: item.quantity if i == 0 else 0 for i, t in enumerate(fields)}
        line.split = [ZoneTariff(fields[p.tariff_id], p, typed[p.tariff_id]) for p in offer]
        if not offer:
            places.append((line, Place(zone.category_id, None, item.quantity, zone.zone.name)))
        for tariff_id, value in typed.items():
            if _typed_count(value):
                places.append(
                    (
                        line,
                        Place(
                            zone.category_id,
                            tariff_id,
                            _typed_count(value),
                            zone.zone.name,
                            zone_id=zone.pk,
                        ),
                    )
                )
    offered_extras = extras_on_sale(hold.performance_id, public_only=True)
    extra_rows = [ExtraRow(extra, choices.get(f"extra_{extra.pk}", "")) for extra in offered_extras]
    quoted = quote(
        hold.performance,
        [place for _line, place in places],
        prices=prices,
        fees=settings,
        extras=[(row.extra, row.count) for row in extra_rows if row.count],
        channel=hold.channel or "web",
    )
    for (line, _place), q in zip(places, quoted.lines, strict=True):
        line.quoted.append(q)
    return Cart(hold=hold, lines=lines, quote=quoted, prices=prices, extras=extra_rows)


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


def performance_offer(performance: Performance, availability: dict) -> tuple[list[dict], list]:
    """What the performance page offers: its price categories with their public prices and
    free seats, and its standing zones with places left, the counts taken from the shared
    `availability` (seatmaps.public_availability). Two queries, whatever the hall's size."""
    categories = PriceCategory.objects.filter(performance=performance).prefetch_related(
        Prefetch(
            "prices",
            queryset=Price.objects.select_related("tariff")
            .filter(tariff__is_active=True)
            .order_by("tariff__order", "tariff__name"),
        )
    )
    zones = {z["category"]: 0 for z in availability["zones"].values()}
    for zone in availability["zones"].values():
        zones[zone["category"]] += zone["free"]
    offer = []
    for category in categories:
        prices = [
            {
                "tariff": p.tariff.code,
                "tariff_id": p.tariff_id,
                "name": p.tariff.name,
                "amount_cents": p.amount_cents,
                "public": p.tariff.public,
            }
            for p in category.prices.all()
        ]
        free_seats = availability["counts"].get(str(category.pk), 0)
        offer.append(
            {
                "id": category.pk,
                "name": category.name,
                "color": category.color,
                "free_seats": free_seats,
                "available": free_seats + zones.get(category.pk, 0),
                "prices": prices,
                "public_prices": [p for p in prices if p["public"]],
                "quantities": range(1, min(10, free_seats) + 1),
            }
        )
    by_id = {c["id"]: c for c in offer}
    standing = []
    for zone in PerformanceZone.objects.filter(performance=performance).select_related("zone"):
        left = availability["zones"].get(str(zone.pk), {}).get("free", 0)
        if left <= 0:
            continue
        category = by_id.get(zone.category_id, {})
        zone.left = left
        zone.color = category.get("color", "")
        zone.quantities = range(1, min(10, left) + 1)
        zone.public_prices = category.get("public_prices", [])
        standing.append(zone)
    return offer, standing
