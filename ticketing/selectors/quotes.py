"""Prices and quotes: what selling some places would charge, before anything is written."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ticketing.errors import InvalidRequest
from ticketing.models import Extra, Performance, Price, SalesSettings
from ticketing.selectors.prices import price_table, sales_settings
from ticketing.specs import TakenPlaces, TakenSeat, TariffChoice


@dataclass(frozen=True)
class Place:
    """Places to price: `quantity` places of a category at a tariff. A chosen seat (seat_id),
    seats still to find (best available: neither id) or standing places (zone_id)."""

    category_id: int
    tariff_id: int | None
    quantity: int = 1
    label: str = ""
    seat_id: int | None = None
    zone_id: int | None = None


@dataclass(frozen=True)
class QuoteLine:
    """One Place priced; `price` is None when its tariff is not offered in its category.
    Amounts per place (price, fee) and for the line (amount, fees), in cents. `fee_cents` is
    the booking fee the buyer pays, `venue_fee_cents` the share the venue bears (not
    charged: SalesSettings.fee_split)."""

    place: Place
    price: Price | None
    fee_cents: int
    venue_fee_cents: int = 0

    @property
    def price_cents(self) -> int:
        return self.price.amount_cents if self.price else 0

    @property
    def tax_rate_bp(self) -> int:
        """The VAT rate (basis points, included in the price) the tickets will record."""
        return self.price.tariff.tax_rate_bp if self.price else 0

    @property
    def amount_cents(self) -> int:
        return self.price_cents * self.place.quantity

    @property
    def fees_cents(self) -> int:
        return self.fee_cents * self.place.quantity

    @property
    def venue_fees_cents(self) -> int:
        return self.venue_fee_cents * self.place.quantity


@dataclass(frozen=True)
class ExtraLine:
    """Extras sold with the tickets: no booking fee on them."""

    extra: Extra
    quantity: int

    @property
    def amount_cents(self) -> int:
        return self.extra.price_cents * self.quantity


@dataclass(frozen=True)
class Quote:
    lines: list[QuoteLine]
    currency: str
    extras: list[ExtraLine] = field(default_factory=list)

    @property
    def priced(self) -> bool:
        """Every line has a price (and there is at least one)."""
        return bool(self.lines) and all(line.price for line in self.lines)

    @property
    def subtotal_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    @property
    def fee_cents(self) -> int:
        return sum(line.fees_cents for line in self.lines)

    @property
    def venue_fee_cents(self) -> int:
        """The booking fees the venue bears (not in the total)."""
        return sum(line.venue_fees_cents for line in self.lines)

    @property
    def extras_cents(self) -> int:
        return sum(line.amount_cents for line in self.extras)

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents + self.fee_cents + self.extras_cents


def quote(
    performance: Performance,
    places: list[Place],
    *,
    prices: dict[tuple[int, int], Price] | None = None,
    fees: SalesSettings | None = None,
    extras: list[tuple[Extra, int]] | None = None,
    channel: str | None = None,
) -> Quote:
    """What selling these places charges, per place and in all: the one price computation.
    The counter's and the storefront's carts show it before anything is written, and a sale
    writes its tickets from it (services.orders). The Price of (category, tariff) among active
    tariffs, and the booking fee per ticket (`SalesSettings.fee_for`), of which the buyer
    pays the share `SalesSettings.fee_split` gives for the sale's `channel` and the tariff
    (the venue bears the rest: never in the total). `prices` (price_table) and `fees` when
    the caller has them: then no query. `extras`: (extra, quantity) sold with the tickets
    (selectors.extras.asked_extras), at their price, without fee."""
    if prices is None:
        prices = price_table(performance.pk)
    if fees is None:
        fees = sales_settings()
    lines = []
    for place in places:
        price = prices.get((place.category_id, place.tariff_id))
        charged, borne = (
            fees.fee_split(price.amount_cents, channel, price.tariff) if price else (0, 0)
        )
        lines.append(QuoteLine(place, price, charged, borne))
    extra_lines = [ExtraLine(extra, quantity) for extra, quantity in extras or []]
    return Quote(lines, fees.currency, extra_lines)


def places_taken(
    seats: list[TakenSeat], zones: list[TakenPlaces], tariffs: TariffChoice
) -> list[Place]:
    """The places of seats and standing places just taken, each at its chosen tariff: what a
    sale prices with `quote`. A zone's split may not ask for more places than were taken."""
    places = [
        Place(
            category_id=seat.category_id,
            tariff_id=tariffs.seats.get(seat.seat_id, tariffs.default),
            label=seat.label,
            seat_id=seat.seat_id,
        )
        for seat in seats
    ]
    strays = set(tariffs.seats) - {seat.seat_id for seat in seats}
    if strays:
        raise InvalidRequest(
            _("A tariff is given for seats that are not in this order: %(ids)s.")
            % {"ids": ", ".join(str(s) for s in sorted(strays)[:10])},
            field="seat_tariffs",
            code="ticketing.seat_tariff_not_in_order",
        )
    taken = {zone.zone_id: zone.quantity for zone in zones}
    for zone_id, split in tariffs.zones.items():
        if any(n < 0 for n in split.values()) or sum(split.values()) > taken.get(zone_id, 0):
            raise InvalidRequest(
                _("More standing places at these tariffs (%(asked)s) than held (%(held)s).")
                % {"asked": sum(split.values()), "held": taken.get(zone_id, 0)},
                field="zone_tariffs",
            )
    for zone in zones:
        split = tariffs.zones.get(zone.zone_id, {})
        rest = zone.quantity - sum(split.values())
        for tariff_id, n in [*split.items(), (tariffs.default, rest)]:
            if n:
                places.append(Place(zone.category_id, tariff_id, quantity=n, zone_id=zone.zone_id))
    return places
