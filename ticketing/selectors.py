"""Ticketing reads."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Exists, F, Min, OuterRef, Prefetch, Q, Subquery, Sum
from django.utils import timezone

from ticketing.models import (
    Hold,
    HoldZoneItem,
    Order,
    Performance,
    PerformanceSeat,
    PerformanceZone,
    Price,
    PriceCategory,
    SalesSettings,
    Seat,
    Tariff,
    Ticket,
)
from ticketing.services import inventory
from ticketing.services.inventory import sales_settings
from ticketing.services.orders import TariffChoice


def upcoming_performances(*, public: bool = True):
    qs = Performance.objects.select_related("show", "layout__hall").filter(
        starts_at__gte=timezone.now() - timezone.timedelta(hours=3)
    )
    if public:
        qs = qs.filter(
            status__in=[
                Performance.Status.ON_SALE,
                Performance.Status.SOLD_OUT,
                Performance.Status.RESCHEDULED,
            ]
        )
    return qs.order_by("starts_at")


def category_availability(performance: Performance) -> list[dict]:
    """Free places per price category (seats + zones), expired carts counted as free;
    seats set aside in an allocation are not offered to the public. One query each."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT category_id, count(*) FILTER (WHERE allocation_id IS NULL AND "
            "(status = 'available' OR (status = 'held' AND hold_expires_at <= %s))), "
            "count(*) FILTER (WHERE status <> 'blocked') FROM ticketing_performanceseat "
            "WHERE performance_id = %s GROUP BY category_id",
            [timezone.now(), performance.pk],
        )
        seats = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
    zones: dict[int, tuple[int, int]] = {}
    for zone in PerformanceZone.objects.filter(performance=performance):
        free, total = zones.get(zone.category_id, (0, 0))
        zones[zone.category_id] = (free + zone.available, total + zone.capacity)
    categories = PriceCategory.objects.filter(performance=performance).prefetch_related(
        Prefetch(
            "prices", queryset=Price.objects.select_related("tariff").filter(tariff__is_active=True)
        )
    )
    result = []
    for category in categories:
        s_free, s_total = seats.get(category.pk, (0, 0))
        z_free, z_total = zones.get(category.pk, (0, 0))
        result.append(
            {
                "id": category.pk,
                "name": category.name,
                "color": category.color,
                "available": s_free + z_free,
                "capacity": s_total + z_total,
                "prices": [
                    {
                        "tariff": p.tariff.code,
                        "tariff_id": p.tariff_id,
                        "name": p.tariff.name,
                        "amount_cents": p.amount_cents,
                        "public": p.tariff.public,
                    }
                    for p in category.prices.all()
                ],
            }
        )
    return result


def seat_map(performance: Performance, *, for_staff: bool = False) -> list[dict]:
    """Every seat with its live status, for the SVG map (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.id, s.label, s.row, s.number, s.x, s.y, s.rank, s.wheelchair, "
            "s.companion, s.restricted_view, s.hearing_loop, sec.name, ps.category_id, "
            "CASE WHEN ps.status = 'held' AND ps.hold_expires_at <= %s THEN 'available' "
            "ELSE ps.status END, ps.allocation_id "
            "FROM ticketing_performanceseat ps JOIN ticketing_seat s ON s.id = ps.seat_id "
            "JOIN ticketing_section sec ON sec.id = s.section_id "
            'WHERE ps.performance_id = %s ORDER BY sec."order", s.row, s.number',
            [timezone.now(), performance.pk],
        )
        rows = cursor.fetchall()
    seats = []
    for (
        sid,
        label,
        row,
        number,
        x,
        y,
        rank,
        wheelchair,
        companion,
        restricted,
        hearing,
        section,
        category,
        status,
        allocation,
    ) in rows:
        if (allocation and not for_staff and status == "available") or status == "blocked":
            status = "unavailable"
        seats.append(
            {
                "id": sid,
                "label": label,
                "row": row,
                "number": number,
                "x": x,
                "y": y,
                "rank": rank,
                "section": section,
                "category": category,
                "status": status,
                "wheelchair": wheelchair,
                "companion": companion,
                "restricted_view": restricted,
                "hearing_loop": hearing,
                "allocation": allocation if for_staff else None,
            }
        )
    return seats


def orders_affected_by(performance: Performance):
    """Orders with valid tickets for a performance: whom to tell about a programme change."""
    return (
        Order.objects.filter(tickets__performance=performance, tickets__status=Ticket.Status.VALID)
        .select_related("contact")
        .annotate(
            ticket_count=Count(
                "tickets",
                filter=Q(tickets__performance=performance, tickets__status=Ticket.Status.VALID),
            )
        )
        .distinct()
        .order_by("id")
    )


def sold_counts(performance: Performance) -> dict[str, int]:
    seats = PerformanceSeat.objects.filter(performance=performance).aggregate(
        sold=Count("id", filter=Q(status=PerformanceSeat.Status.SOLD)),
        total=Count("id", filter=~Q(status=PerformanceSeat.Status.BLOCKED)),
    )
    zones = list(PerformanceZone.objects.filter(performance=performance))
    return {
        "sold": seats["sold"] + sum(z.sold for z in zones),
        "capacity": seats["total"] + sum(z.capacity for z in zones),
    }


# --- Prices and quotes ----------------------------------------------------------------------
def price_table(performance: Performance) -> dict[tuple[int, int], Price]:
    """(category id, tariff id) → Price, with its tariff, for every active tariff priced at
    this performance, in tariff order (one query). The lookup rule of orders._prices_for: a
    quote made from this table charges what the sale will."""
    prices = Price.objects.select_related("tariff").filter(
        category__performance=performance, tariff__is_active=True
    )
    return {
        (p.category_id, p.tariff_id): p for p in prices.order_by("tariff__order", "tariff__name")
    }


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
    Amounts per place (price, fee) and for the line (amount, fees), in cents."""

    place: Place
    price: Price | None
    fee_cents: int

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


@dataclass(frozen=True)
class Quote:
    lines: list[QuoteLine]
    currency: str

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
    def total_cents(self) -> int:
        return self.subtotal_cents + self.fee_cents


def quote(
    performance: Performance,
    places: list[Place],
    *,
    prices: dict[tuple[int, int], Price] | None = None,
    fees: SalesSettings | None = None,
) -> Quote:
    """What selling these places would charge, per place and in all, before anything is
    written: the counter's and the storefront's carts both show this. Same rules as
    orders._price_tickets: the Price of (category, tariff) among active tariffs, and
    `SalesSettings.fee_for` per ticket (tests/ticketing/test_quote.py holds them together).
    `prices` (price_table) and `fees` when the caller has them: then no query."""
    if prices is None:
        prices = price_table(performance)
    if fees is None:
        fees = sales_settings()
    lines = []
    for place in places:
        price = prices.get((place.category_id, place.tariff_id))
        fee = fees.fee_for(price.amount_cents) if price else 0
        lines.append(QuoteLine(place, price, fee))
    return Quote(lines, fees.currency)


# --- What the box office's sale screen knows about a performance ----------------------------
@dataclass
class PriceOption:
    tariff_id: int
    name: str
    amount_cents: int
    fee_cents: int
    public: bool


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
            "prices": [{"amount_cents": p.amount_cents, "public": p.public} for p in self.prices],
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

    def quote(self, places: list[Place]) -> Quote:
        return quote(self.performance, places, prices=self.prices, fees=self.fees)

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
    (staff view), the tariffs and the default one. At most five queries, whatever the hall."""
    fees = sales_settings()
    prices = price_table(performance)
    by_category: dict[int, list[PriceOption]] = {}
    for (category_id, tariff_id), p in prices.items():
        by_category.setdefault(category_id, []).append(
            PriceOption(
                tariff_id,
                p.tariff.name,
                p.amount_cents,
                fees.fee_for(p.amount_cents),
                p.tariff.public,
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
    )


def suggested_seats(
    performance: Performance, *, category_id: int, quantity: int, exclude: list[int]
) -> tuple[list[int], bool]:
    """The best `quantity` free seats of a category (Seat ids) and whether they sit together,
    chosen as the sale would, without taking them: the counter shows them to the buyer."""
    choice = inventory.suggest_best_available(
        performance, quantity=quantity, category_id=category_id, exclude=exclude
    )
    if choice is None:
        return [], False
    return choice.ids, choice.contiguous


def box_office_board(performances: list[Performance]) -> list[Performance]:
    """The performances with `availability` attached (per category: free, set aside,
    capacity), in three queries whatever their number. Set-aside seats count for the counter."""
    ids = [p.pk for p in performances]
    now = timezone.now()
    free = Q(status="available") | Q(status="held", hold_expires_at__lte=now)
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


# --- Orders (back office) -------------------------------------------------------------------
def order_list(*, query: str = "", performance: Performance | None = None, status: str = ""):
    """Orders, newest first, with what the list shows (buyer, valid ticket count, first
    performance's title and date): one query per page whatever the number of orders.
    `query`: a reference, words of the buyer's name, or part of an email."""
    first = Ticket.objects.filter(order=OuterRef("pk")).order_by("id")
    qs = (
        Order.objects.select_related("contact")
        .annotate(
            ticket_count=Count("tickets", filter=Q(tickets__status=Ticket.Status.VALID)),
            show_title=Subquery(first.values("performance__show__title")[:1]),
            starts_at=Subquery(first.values("performance__starts_at")[:1]),
        )
        .order_by("-created_at", "-id")
    )
    query = query.strip()
    if query:
        names = Q()
        for word in query.split():
            names &= Q(contact__first_name__icontains=word) | Q(contact__last_name__icontains=word)
        qs = qs.filter(
            Q(reference__icontains=query.replace(" ", ""))
            | Q(contact__email_normalized__contains=query.lower())
            | names
        )
    if performance is not None:
        qs = qs.filter(Exists(Ticket.objects.filter(order=OuterRef("pk"), performance=performance)))
    if status:
        qs = qs.filter(status=status)
    return qs


def valid_tickets(order: Order):
    """The order's valid tickets with their seat, tariff, zone and performance."""
    return order.tickets.filter(status=Ticket.Status.VALID).select_related(
        "seat", "tariff", "performance_zone__zone", "performance__show"
    )


def sellable_performances():
    """Upcoming performances the counter may sell (an exchange's destination)."""
    return upcoming_performances().filter(status__in=Performance.SELLABLE)


# --- The storefront's cart ------------------------------------------------------------------
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
