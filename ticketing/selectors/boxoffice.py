"""What the box office's sale screen knows about a performance, the seats it suggests, the
counter's board of performances, the buyer picked at the counter and the receipt's tickets."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from crm.models import Contact
from ticketing.models import (
    Extra,
    Order,
    Performance,
    PerformanceSeat,
    PerformanceZone,
    Price,
    PriceCategory,
    SalesSettings,
    Ticket,
)
from ticketing.selectors.availability import seat_map
from ticketing.selectors.extras import extras_on_sale
from ticketing.selectors.payments import counter_payment_methods
from ticketing.selectors.prices import price_table, sales_settings
from ticketing.selectors.quotes import Place, Quote, quote
from ticketing.selectors.seating import suggest_best_available


@dataclass
class PriceOption:
    tariff_id: int
    name: str
    amount_cents: int
    fee_cents: int
    public: bool

    @property
    def total_cents(self) -> int:
        """What one place at this tariff costs the buyer, fee included: the counter shows
        this one (two places cost twice the price shown)."""
        return self.amount_cents + self.fee_cents


@dataclass
class ZoneInfo:
    id: int  # PerformanceZone id
    name: str
    available: int
    capacity: int


@dataclass
class CategoryInfo:
    id: int
    name: str
    color: str
    prices: list[PriceOption]
    free: int = 0  # seats best-available may take
    set_aside: int = 0  # free seats kept in an allocation (the counter may pick them)
    capacity: int = 0  # seats (standing zones apart)
    zones: list[ZoneInfo] = field(default_factory=list)

    def price(self, tariff_id: int) -> PriceOption | None:
        return next((p for p in self.prices if p.tariff_id == tariff_id), None)

    @property
    def seated(self) -> bool:
        return self.capacity > 0

    @property
    def prices_json(self) -> str:
        """For the live total: tariff id -> [price, fee] in cents."""
        return json.dumps({p.tariff_id: [p.amount_cents, p.fee_cents] for p in self.prices})

    def as_map_dict(self) -> dict:
        """The shape the seat map partial expects."""
        return {
            "id": self.id,
            "name": self.name,
            "color": self.color,
            "available": self.free + self.set_aside + sum(z.available for z in self.zones),
            # What a place costs, fee included, as the price list says.
            "prices": [{"amount_cents": p.total_cents, "public": p.public} for p in self.prices],
        }


@dataclass
class SaleContext:
    performance: Performance
    categories: list[CategoryInfo]
    seats: dict[int, dict]  # Seat id -> seat_map() row (staff view: allocations included)
    currency: str
    tariffs: list[tuple[int, str]]  # every tariff priced for this performance, in order
    default_tariff_id: int | None
    prices: dict[tuple[int, int], Price]  # price_table(): what quote() reads
    fees: SalesSettings
    extras: list[Extra] = field(default_factory=list)  # on sale at the counter
    # The payment methods the venue takes at the counter, in the order of their shortcuts.
    methods: list[tuple[str, str]] = field(default_factory=list)
    channel: str = "box_office"  # who bears the booking fee may depend on it

    def quote(self, places: list[Place], extras: list[tuple[Extra, int]] | None = None) -> Quote:
        return quote(
            self.performance,
            places,
            prices=self.prices,
            fees=self.fees,
            extras=extras,
            channel=self.channel,
        )

    def extra_by_id(self, extra_id: int) -> Extra | None:
        return next((e for e in self.extras if e.pk == extra_id), None)

    def category(self, category_id) -> CategoryInfo | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def zone(self, zone_id: int) -> tuple[CategoryInfo, ZoneInfo] | None:
        for c in self.categories:
            for z in c.zones:
                if z.id == zone_id:
                    return c, z
        return None

    def seat_by_label(self, label: str) -> dict | None:
        wanted = label.strip().upper()
        return next((s for s in self.seats.values() if s["label"].upper() == wanted), None)

    @property
    def map_categories(self) -> list[dict]:
        return [c.as_map_dict() for c in self.categories]

    @property
    def seat_list(self) -> list[dict]:
        return list(self.seats.values())

    @property
    def has_seats(self) -> bool:
        return bool(self.seats)


def sale_context(performance: Performance) -> SaleContext:
    """Everything the counter's sale screen shows and checks for a performance: categories
    with their prices (fee included), free and set-aside seats, standing zones, the seat map
    (staff view), the tariffs and the default one, the extras. At most six queries, whatever
    the hall."""
    fees = sales_settings()
    prices = price_table(performance.pk)
    by_category: dict[int, list[PriceOption]] = {}
    # One place of each (category, tariff), priced by the one price rule (quote): the fee
    # shown is the fee the sale charges.
    each = quote(
        performance,
        [Place(category_id, tariff_id) for category_id, tariff_id in prices],
        prices=prices,
        fees=fees,
        channel="box_office",
    )
    for line in each.lines:
        p = line.price
        by_category.setdefault(line.place.category_id, []).append(
            PriceOption(
                line.place.tariff_id, p.tariff.name, p.amount_cents, line.fee_cents, p.tariff.public
            )
        )
    infos = {
        c.pk: CategoryInfo(id=c.pk, name=c.name, color=c.color, prices=by_category.get(c.pk, []))
        for c in PriceCategory.objects.filter(performance=performance)
    }
    seats = {s["id"]: s for s in seat_map(performance, for_staff=True)}
    for seat in seats.values():
        info = infos.get(seat["category"])
        if info is None or seat["status"] == "unavailable":
            continue
        info.capacity += 1
        if seat["status"] == "available":
            if seat["allocation"]:
                info.set_aside += 1
            else:
                info.free += 1
    for zone in PerformanceZone.objects.filter(performance=performance).select_related("zone"):
        info = infos.get(zone.category_id)
        if info is not None:
            info.zones.append(ZoneInfo(zone.pk, zone.zone.name, zone.available, zone.capacity))
    tariffs: dict[int, tuple[str, bool]] = {}
    for info in infos.values():
        for p in info.prices:
            tariffs.setdefault(p.tariff_id, (p.name, p.public))
    everywhere = [
        t
        for t, (_name, public) in tariffs.items()
        if public and all(i.price(t) for i in infos.values())
    ]
    default = everywhere or [t for t, (_n, pub) in tariffs.items() if pub] or list(tariffs)
    return SaleContext(
        performance=performance,
        categories=list(infos.values()),
        seats=seats,
        currency=fees.currency,
        tariffs=[(t, name) for t, (name, _p) in tariffs.items()],
        default_tariff_id=default[0] if default else None,
        prices=prices,
        fees=fees,
        extras=extras_on_sale(performance.pk, public_only=False),
        methods=counter_payment_methods(),
    )


def suggested_seats(
    performance: Performance,
    *,
    category_id: int,
    quantity: int,
    exclude: list[int],
    needs: tuple[str, ...] = (),
) -> tuple[list[int], bool]:
    """The best `quantity` free seats of a category (Seat ids) and whether they sit together,
    chosen as the sale would, without taking them: the counter shows them to the buyer (the
    seats that fit the buyer's declared `needs` first)."""
    choice = suggest_best_available(
        performance, quantity=quantity, category_id=category_id, exclude=exclude, needs=needs
    )
    if choice is None:
        return [], False
    return choice.ids, choice.contiguous


def box_office_board(performances: list[Performance]) -> list[Performance]:
    """The performances with `availability` attached (per category: free, set aside,
    capacity), in three queries whatever their number. Set-aside seats count for the counter."""
    ids = [p.pk for p in performances]
    now = timezone.now()
    free = PerformanceSeat.takeable(now)
    seats = {
        row["category_id"]: row
        for row in PerformanceSeat.objects.filter(performance_id__in=ids)
        .values("category_id")
        .annotate(
            free=Count("id", filter=free & Q(allocation__isnull=True)),
            aside=Count("id", filter=free & Q(allocation__isnull=False)),
            total=Count("id", filter=~Q(status="blocked")),
        )
    }
    zones = {
        row["category_id"]: row
        for row in PerformanceZone.objects.filter(performance_id__in=ids)
        .values("category_id")
        .annotate(free=Sum(F("capacity") - F("held") - F("sold")), total=Sum("capacity"))
    }
    by_performance: dict[int, list[dict]] = {}
    for category in PriceCategory.objects.filter(performance_id__in=ids):
        s, z = seats.get(category.pk, {}), zones.get(category.pk, {})
        by_performance.setdefault(category.performance_id, []).append(
            {
                "name": category.name,
                "color": category.color,
                "free": s.get("free", 0) + (z.get("free") or 0),
                "aside": s.get("aside", 0),
                "capacity": s.get("total", 0) + (z.get("total") or 0),
            }
        )
    for performance in performances:
        performance.availability = by_performance.get(performance.pk, [])
    return performances


def buyer_contact(pk: int | None) -> Contact | None:
    """The contact picked as the counter's buyer, if it still exists."""
    return Contact.objects.filter(pk=pk).first() if pk else None


def receipt_tickets(order: Order) -> list[Ticket]:
    """The order's tickets with what the receipt prints: show, hall, seat, tariff, zone."""
    return list(
        order.tickets.select_related(
            "performance__show",
            "performance__layout__hall",
            "seat",
            "tariff",
            "performance_zone__zone",
        )
    )
