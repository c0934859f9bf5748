"""What is on, and what is left: the programme lists, live availability per category and per
seat, and sold/free/capacity figures for one performance or for lists of them."""

from __future__ import annotations

from django.db import connection
from django.db.models import Count, F, Prefetch, Q, Sum
from django.utils import timezone

from ticketing.models import (
    Performance,
    PerformanceSeat,
    PerformanceZone,
    Price,
    PriceCategory,
    Show,
)


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


def shows_with_performances():
    """Every show with its performances (by date, with layout and hall) prefetched."""
    return Show.objects.prefetch_related(
        Prefetch(
            "performances",
            queryset=Performance.objects.select_related("layout__hall").order_by("starts_at"),
        )
    )


def sellable_performances():
    """Upcoming performances the counter may sell (an exchange's destination)."""
    return upcoming_performances().filter(status__in=Performance.SELLABLE)


def sellable_performance(pk) -> Performance | None:
    """The sellable performance `pk`, if it is one (an exchange's chosen destination)."""
    return sellable_performances().filter(pk=pk).first()


def performances_newest_first():
    """Every performance, with its show, latest first (the order list's filter)."""
    return Performance.objects.select_related("show").order_by("-starts_at")


def category_availability(performance: Performance) -> list[dict]:
    """Free places per price category (seats + zones), expired carts counted as free;
    seats set aside in an allocation are not offered to the public. One query each."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT category_id, count(*) FILTER (WHERE allocation_id IS NULL AND "  # noqa: S608
            f"{PerformanceSeat.takeable_sql()}), count(*) FILTER (WHERE status <> %s) "
            "FROM ticketing_performanceseat WHERE performance_id = %s GROUP BY category_id",
            [timezone.now(), PerformanceSeat.Status.BLOCKED, performance.pk],
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
            "SELECT s.id, s.label, s.row, s.number, s.x, s.y, s.rank, s.wheelchair, "  # noqa: S608
            "s.companion, s.restricted_view, s.hearing_loop, sec.name, ps.category_id, "
            f"CASE WHEN {PerformanceSeat.takeable_sql('ps')} THEN %s "
            "ELSE ps.status END, ps.allocation_id "
            "FROM ticketing_performanceseat ps JOIN ticketing_seat s ON s.id = ps.seat_id "
            "JOIN ticketing_section sec ON sec.id = s.section_id "
            'WHERE ps.performance_id = %s ORDER BY sec."order", s.row, s.number',
            [timezone.now(), PerformanceSeat.Status.AVAILABLE, performance.pk],
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
        free, blocked = PerformanceSeat.Status.AVAILABLE, PerformanceSeat.Status.BLOCKED
        if (allocation and not for_staff and status == free) or status == blocked:
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


def allocations_with_counts(performance: Performance):
    """The performance's allocations with `seat_count` (seats still free) and `sold_count`."""
    return performance.allocations.annotate(
        seat_count=Count("seats", filter=Q(seats__status=PerformanceSeat.Status.AVAILABLE)),
        sold_count=Count("seats", filter=Q(seats__status=PerformanceSeat.Status.SOLD)),
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


def performance_figures(performance_ids: list[int]) -> dict[int, dict]:
    """Sold, free and capacity of many performances in two queries (seats, zones); the same
    counts as selectors.sold_counts / category_availability, for lists.
    """
    figures = {pk: {"sold": 0, "free": 0, "capacity": 0} for pk in performance_ids}
    if not performance_ids:
        return figures
    now = timezone.now()
    free_seat = Q(allocation__isnull=True) & PerformanceSeat.takeable(now)
    seats = (
        PerformanceSeat.objects.filter(performance_id__in=performance_ids)
        .values("performance_id")
        .annotate(
            n_sold=Count("id", filter=Q(status=PerformanceSeat.Status.SOLD)),
            n_free=Count("id", filter=free_seat),
            n_capacity=Count("id", filter=~Q(status=PerformanceSeat.Status.BLOCKED)),
        )
    )
    zones = (
        PerformanceZone.objects.filter(performance_id__in=performance_ids)
        .values("performance_id")
        .annotate(
            n_sold=Sum("sold"),
            n_free=Sum(F("capacity") - F("held") - F("sold")),
            n_capacity=Sum("capacity"),
        )
    )
    for row in [*seats, *zones]:
        entry = figures[row["performance_id"]]
        for key in ("sold", "free", "capacity"):
            entry[key] += row[f"n_{key}"] or 0
    return figures
