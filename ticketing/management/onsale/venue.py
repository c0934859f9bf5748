"""The throwaway venue of the rush: a hall of seats (or one standing zone), three performances
on sale (the rush, the warm-up, the SQL baseline's) and an API token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenants.accounts.models import User
from tenants.accounts.services import create_api_token
from tenants.models import Venue
from tenants.services import create_venue
from ticketing.models import Performance, PerformanceSeat, PerformanceZone, Seat
from ticketing.services import halls, programme
from ticketing.services.programme import CategoryPlan

from .buyers import SeatInfo

VENUE_SLUG = "bench"
ZONE_NAME = "Fosse"
SEATS_PER_ROW = 40
MAX_ROWS_PER_SECTION = 60  # generate_section's limit


@dataclass
class BenchVenue:
    venue: Venue
    schema: str
    host: str
    key: str
    rush: int  # performance ids
    warmup: int
    baseline: int
    capacity: int
    seats: list[SeatInfo]  # empty when standing
    zones: dict[int, int]  # standing: performance id → its performance zone id

    @property
    def standing(self) -> bool:
        return bool(self.zones)


def build_hall(total: int):
    """A hall of exactly `total` seats: rows of 40 (fewer if `total` < 40), in sections of at
    most 60 rows, a last shorter row for the remainder. Row labels run on across sections, so
    every seat label is unique in the hall."""
    hall = halls.create_hall(name="Grande salle")
    layout = halls.create_layout(hall=hall, name="Assis")
    per_row = min(SEATS_PER_ROW, total)
    full_rows, remainder = divmod(total, per_row)
    blocks = [
        (min(MAX_ROWS_PER_SECTION, full_rows - start), per_row)
        for start in range(0, full_rows, MAX_ROWS_PER_SECTION)
    ]
    if remainder:
        blocks.append((1, remainder))
    labels = halls.row_labels(sum(rows for rows, _n in blocks))
    first, y = 0, 3.0
    for index, (rows, per) in enumerate(blocks):
        halls.generate_section(
            layout=layout,
            name=f"Bloc {index + 1}",
            rows=rows,
            seats_per_row=per,
            first_row=labels[first],
            origin_y=y,
            # Ranks over the whole hall: the front third is rank 1, and so on.
            rank_rows=[1 + (3 * (first + r)) // len(labels) for r in range(rows)],
        )
        first += rows
        y += rows * 1.2
    return layout


def build_standing_hall(total: int):
    """A hall with no seats and one standing zone of `total` places."""
    hall = halls.create_hall(name="Grande salle")
    layout = halls.create_layout(hall=hall, name="Debout")
    halls.add_zone(layout=layout, name=ZONE_NAME, capacity=total)
    return layout


SEATED_PLAN = [
    CategoryPlan(name="Cat. 1", ranks={1}, prices={"plein": 3500, "reduit": 2500}),
    CategoryPlan(name="Cat. 2", ranks={2}, prices={"plein": 2500, "reduit": 1800}),
    CategoryPlan(name="Cat. 3", prices={"plein": 1500, "reduit": 1000}),
]
STANDING_PLAN = [
    CategoryPlan(name="Fosse", zones={ZONE_NAME}, prices={"plein": 2500, "reduit": 1800}),
]


def schedule(layout, title: str, plan: list[CategoryPlan]) -> Performance:
    show = programme.create_show(title=title)
    return programme.schedule_performance(
        show=show, layout=layout, starts_at=timezone.now() + timedelta(days=30), plan=plan
    )


def set_up(seats: int, *, standing: bool = False) -> BenchVenue:
    """The throwaway venue: its hall (seats or one standing zone), the rush, warm-up and
    baseline performances on sale, and an API token of its admin."""
    created = create_venue(name="Bench", slug=VENUE_SLUG, admin_email="admin@bench.test")
    venue = created.venue
    with tenant_context(venue):
        programme.ensure_default_tariffs()
        layout = build_standing_hall(seats) if standing else build_hall(seats)
        plan = STANDING_PLAN if standing else SEATED_PLAN
        rush = schedule(layout, "La Ruée", plan)
        warmup = schedule(layout, "Échauffement", plan)
        baseline = schedule(layout, "Référence SQL", plan)
        staff = User.objects.get(email="admin@bench.test")
        _token, key = create_api_token(name="bench_onsale", user=staff, actor=staff)
        zones = dict(
            PerformanceZone.objects.filter(performance__in=[rush, warmup, baseline]).values_list(
                "performance_id", "id"
            )
        )
        if standing:
            capacity = PerformanceZone.objects.get(performance=rush).capacity
        else:
            capacity = PerformanceSeat.objects.filter(
                performance=rush, status=PerformanceSeat.Status.AVAILABLE
            ).count()
        seats_qs = Seat.objects.filter(section__layout=layout)
        ys = sorted(set(seats_qs.values_list("y", flat=True)))
        rows = {y: index for index, y in enumerate(ys)}
        # Statistics, as a venue in service has them (autovacuum would get there later).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        seat_infos = [
            SeatInfo(id=pk, label=label, row=rows[y], number=number)
            for pk, label, y, number in seats_qs.order_by("y", "number").values_list(
                "id", "label", "y", "number"
            )
        ]
    connection.set_schema_to_public()
    return BenchVenue(
        venue=venue,
        schema=venue.schema_name,
        host=f"{VENUE_SLUG}.{settings.PARTERRE_BASE_DOMAIN}",
        key=key,
        rush=rush.pk,
        warmup=warmup.pk,
        baseline=baseline.pk,
        capacity=capacity,
        seats=seat_infos,
        zones=zones,
    )
