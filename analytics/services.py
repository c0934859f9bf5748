"""Writes of analytics: its aggregates, from ticketing's events (incrementally) or from
ticketing's tables (the rebuild). Both go through analytics.sql.apply_movements, the one
owner of what a ticket's sale, refund and exchange add to the figures."""

from __future__ import annotations

import statistics
from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone

from crm.behaviour import season_of
from tenants.events.models import Event
from ticketing.models import Order, Performance, Ticket
from ticketing.selectors.availability import performance_figures

from .models import LeadTime, PerformanceSales, SalesFact, TypicalCurve
from .sql import MAX_DAYS, apply_movements

CONSUMER = "analytics.sales"
SALES_CODES = (
    "ticketing.order.confirmed",
    "ticketing.order.refunded",
    "ticketing.order.exchanged",
    "ticketing.order.cancelled",
    "ticketing.invitation.issued",
)
PROGRAMME_CODES = ("ticketing.performance.rescheduled", "ticketing.performance.cancelled")
CODES = SALES_CODES + PROGRAMME_CODES
# The typical curve: over the venue's most recent past performances, up to J−CURVE_DAYS.
CURVE_PERFORMANCES = 300
CURVE_DAYS = 120


def venue_timezone() -> str:
    return getattr(connection.tenant, "timezone", "") or "Europe/Paris"


def _ids(value) -> list[int]:
    return [i for i in value if isinstance(i, int)] if isinstance(value, list) else []


def _order_tickets(order_id) -> list[int]:
    if not isinstance(order_id, int):
        return []
    return list(Ticket.objects.filter(order_id=order_id).values_list("id", flat=True))


def _invitation(order_id) -> bool:
    return Order.objects.filter(pk=order_id).exclude(invitation_reason="").exists()


def movements_of(event: Event) -> dict[str, list[int]] | None:
    """The tickets an event moves, per movement (None: nothing to count).
    An invitation is paid at once and publishes both `order.confirmed` and
    `invitation.issued`: it is counted on the latter only. A cancellation concerns an order
    that was never paid (ticketing.services.orders.cancel_order): no sale to take back."""
    data = event.data or {}
    if event.code == "ticketing.order.confirmed":
        if _invitation(data.get("order_id")):
            return None
        return {"sale": _order_tickets(data.get("order_id"))}
    if event.code == "ticketing.invitation.issued":
        return {"sale": _order_tickets(data.get("order_id"))}
    if event.code == "ticketing.order.refunded":
        return {"refund": _ids(data.get("ticket_ids"))}
    if event.code == "ticketing.order.exchanged":
        return {
            "exchange_out": _ids(data.get("old_ticket_ids")),
            "exchange_in": _ids(data.get("new_ticket_ids")),
        }
    return None


@transaction.atomic
def apply_event(*, event: Event) -> list[int]:
    """Add what one event changed to the aggregates (the consumer: once per event)."""
    with connection.cursor() as cursor:
        cursor.execute(LOCK.format(mode="_shared"))
    if event.code in PROGRAMME_CODES:
        performance_id = (event.data or {}).get("performance_id")
        if isinstance(performance_id, int):
            recompute_lead_time(performance_ids=[performance_id])
            refresh_performances(performance_ids=[performance_id])
        return []
    only = movements_of(event)
    if not only:
        return []
    touched = apply_movements(tz=venue_timezone(), only=only)
    refresh_performances(performance_ids=touched, only_new=True)
    return touched


def refresh_performances(*, performance_ids: list[int], only_new: bool = False) -> None:
    """What each performance is (show, hall, date, season, capacity, cancelled) on its row,
    made if missing. `only_new`: leave rows already described alone (the sale path: one
    query when nothing is new)."""
    ids = sorted(set(performance_ids))
    if only_new:
        described = set(
            PerformanceSales.objects.filter(
                performance_id__in=ids, starts_at__isnull=False
            ).values_list("performance_id", flat=True)
        )
        ids = [i for i in ids if i not in described]
    if not ids:
        return
    tz = venue_timezone()
    rows = []
    with timezone.override(tz):
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            figures = performance_figures(chunk)
            for p in Performance.objects.filter(pk__in=chunk).values(
                "id", "show_id", "layout__hall_id", "starts_at", "status"
            ):
                rows.append(
                    PerformanceSales(
                        performance_id=p["id"],
                        show_id=p["show_id"],
                        hall_id=p["layout__hall_id"],
                        starts_at=p["starts_at"],
                        season=season_of(p["starts_at"]),
                        capacity=figures[p["id"]]["capacity"],
                        cancelled=p["status"] == Performance.Status.CANCELLED,
                    )
                )
    PerformanceSales.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["performance_id"],
        update_fields=["show_id", "hall_id", "starts_at", "season", "capacity", "cancelled"],
        batch_size=1000,
    )


def recompute_lead_time(*, performance_ids: list[int]) -> None:
    """A performance's J−x rows again from its sales facts (after it moved to a new date)."""
    tz = venue_timezone()
    LeadTime.objects.filter(performance_id__in=performance_ids).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO analytics_leadtime (performance_id, days_before, tickets)
            SELECT f.performance_id,
                   GREATEST(0, LEAST(%s, (p.starts_at AT TIME ZONE %s)::date - f.day)),
                   sum(f.tickets)
            FROM analytics_salesfact f JOIN ticketing_performance p ON p.id = f.performance_id
            WHERE f.performance_id = ANY(%s::bigint[]) AND NOT f.invitation
            GROUP BY 1, 2
            """,
            [MAX_DAYS, tz, list(performance_ids)],
        )


# Consumers of sales events hold it shared, the rebuild alone: no event is applied while
# the rebuild recounts everything.
# (Per venue: the key names the schema.)
LOCK = "SELECT pg_advisory_xact_lock{mode}(hashtext(current_schema() || ':analytics.sales'))"


@transaction.atomic
def rebuild_sales_aggregates() -> dict[str, int]:
    """Every aggregate again from ticketing's tables, for a backfill or to cross-check the
    incremental figures. The events whose tickets it counts get the consumer's receipt in
    the same statement (the same snapshot): they are not counted again; the events
    committed after it are applied by the consumer as usual."""
    with connection.cursor() as cursor:
        cursor.execute(LOCK.format(mode=""))
        cursor.execute("DELETE FROM analytics_salesfact")
        cursor.execute("DELETE FROM analytics_leadtime")
        cursor.execute("DELETE FROM analytics_performancesales")
    apply_movements(tz=venue_timezone(), receipts_for=(CONSUMER, list(CODES)))
    refresh_performances(performance_ids=list(Performance.objects.values_list("id", flat=True)))
    refresh_typical_curve()
    return {
        "facts": SalesFact.objects.count(),
        "performances": PerformanceSales.objects.count(),
        "lead_times": LeadTime.objects.count(),
    }


@transaction.atomic
def refresh_typical_curve(*, now=None) -> int:
    """The venue's typical curve: for each J−x (0..CURVE_DAYS), the median over its recent
    past performances of the share of their final sales already sold by then. Run by the
    rebuild and daily (analytics.tasks)."""
    now = now or timezone.now()
    past = list(
        PerformanceSales.objects.filter(starts_at__lt=now, cancelled=False, tickets__gt=0)
        .order_by("-starts_at")
        .values_list("performance_id", "tickets")[:CURVE_PERFORMANCES]
    )
    finals = dict(past)
    by_perf: dict[int, list[int]] = defaultdict(lambda: [0] * (MAX_DAYS + 1))
    for pid, days, tickets in LeadTime.objects.filter(performance_id__in=finals).values_list(
        "performance_id", "days_before", "tickets"
    ):
        by_perf[pid][days] += tickets
    shares: list[list[float]] = [[] for _ in range(CURVE_DAYS + 1)]
    for pid, final in finals.items():
        counts = by_perf[pid]
        # Sold by J−x: everything sold x days or more before.
        sold_by = sum(counts[CURVE_DAYS:])
        for x in range(CURVE_DAYS, -1, -1):
            if x < CURVE_DAYS:
                sold_by += counts[x]
            shares[x].append(min(sold_by / final, 1.0))
    TypicalCurve.objects.all().delete()
    if not finals:
        return 0
    TypicalCurve.objects.bulk_create(
        TypicalCurve(
            days_before=x,
            share=statistics.median(values),
            performances=len(values),
            computed_at=now,
        )
        for x, values in enumerate(shares)
    )
    return len(finals)
