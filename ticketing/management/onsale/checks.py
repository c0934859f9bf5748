"""The rush's checks, in SQL: every place sold at most once, the inventory agreeing with the
tickets, and the paid orders and payments agreeing with what the buyers were told."""

from __future__ import annotations

from django.db import connection
from django_tenants.utils import tenant_context

from .buyers import RushStats
from .venue import BenchVenue

# Paid orders of a performance, their totals and their payments (in cents).
PAID_ORDERS = (
    "SELECT count(*), coalesce(sum(o.total_cents), 0), coalesce(sum((SELECT "
    "sum(amount_cents) FROM ticketing_payment y WHERE y.order_id = o.id)), 0) "
    "FROM ticketing_order o WHERE o.status = 'paid' AND o.id IN (SELECT order_id "
    "FROM ticketing_ticket WHERE performance_id = %s)"
)


def verify(venue: BenchVenue, stats: RushStats, say) -> dict[str, int]:
    """What the database holds after the rush, against what the buyers were told; `say`
    prints the findings."""
    if venue.standing:
        return verify_standing(venue, stats, say)
    with tenant_context(venue.venue), connection.cursor() as cursor:
        p = venue.rush

        def one(sql: str, *args) -> tuple:
            cursor.execute(sql, [p, *args])
            return cursor.fetchone()

        sold, capacity, held = one(
            "SELECT count(*) FILTER (WHERE status = 'sold'), "
            "count(*) FILTER (WHERE status <> 'blocked'), count(*) FILTER (WHERE status = "
            "'held') FROM ticketing_performanceseat WHERE performance_id = %s"
        )
        (valid,) = one(
            "SELECT count(*) FROM ticketing_ticket WHERE performance_id = %s AND status = 'valid'"
        )
        (double_sold,) = one(
            "SELECT count(*) FROM (SELECT seat_id FROM ticketing_ticket WHERE "
            "performance_id = %s AND status = 'valid' AND seat_id IS NOT NULL "
            "GROUP BY seat_id HAVING count(*) > 1) d"
        )
        # A seat is sold if and only if it has a valid ticket.
        (mismatched,) = one(
            "SELECT count(*) FROM ticketing_performanceseat ps WHERE ps.performance_id = %s "
            "AND (ps.status = 'sold') <> EXISTS (SELECT 1 FROM ticketing_ticket t WHERE "
            "t.performance_id = ps.performance_id AND t.seat_id = ps.seat_id "
            "AND t.status = 'valid')"
        )
        orders, total, paid = one(PAID_ORDERS)
    connection.set_schema_to_public()
    mismatched += check_sales(stats, valid, orders, total, paid, say)
    say(
        f"Checks: sold {sold}/{capacity}, held {held}, valid tickets {valid}, paid orders "
        f"{orders} ({total / 100:.2f} EUR, payments {paid / 100:.2f} EUR), seats with more "
        f"than one ticket {double_sold}, seat/ticket disagreements {mismatched}"
    )
    return {
        "sold": sold,
        "capacity": capacity,
        "oversold": max(0, valid - capacity),
        "double_sold": double_sold,
        "mismatched": mismatched,
    }


def verify_standing(venue: BenchVenue, stats: RushStats, say) -> dict[str, int]:
    with tenant_context(venue.venue), connection.cursor() as cursor:
        p = venue.rush
        cursor.execute(
            "SELECT z.capacity, z.held, z.sold, (SELECT count(*) FROM ticketing_ticket t "
            "WHERE t.performance_zone_id = z.id AND t.status = 'valid') "
            "FROM ticketing_performancezone z WHERE z.performance_id = %s",
            [p],
        )
        capacity, held, sold, zone_tickets = cursor.fetchone()
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE seat_id IS NOT NULL) FROM "
            "ticketing_ticket WHERE performance_id = %s AND status = 'valid'",
            [p],
        )
        valid, seated = cursor.fetchone()
        cursor.execute(PAID_ORDERS, [p])
        orders, total, paid = cursor.fetchone()
    connection.set_schema_to_public()
    mismatched = check_sales(stats, valid, orders, total, paid, say)
    # The counter is the zone's truth: it must count its valid tickets, and nothing stays
    # held (the sale takes places straight to `sold`).
    if sold != zone_tickets or held != 0 or seated:
        mismatched += 1
        say(
            f"  MISMATCH: zone counter sold {sold} held {held}, its valid tickets "
            f"{zone_tickets}, tickets with a seat {seated}"
        )
    left = capacity - sold
    if stats.smallest_refusal is not None and stats.smallest_refusal <= left:
        mismatched += 1
        say(f"  MISMATCH: a buyer was refused {stats.smallest_refusal} places, {left} are left")
    say(
        f"Checks: sold {sold}/{capacity} standing places, held {held}, valid tickets "
        f"{valid} ({zone_tickets} in the zone), paid orders {orders} ({total / 100:.2f} "
        f"EUR, payments {paid / 100:.2f} EUR), smallest refusal "
        f"{stats.smallest_refusal or '-'}, disagreements {mismatched}"
    )
    return {
        "sold": sold,
        "capacity": capacity,
        "oversold": max(0, valid - capacity),
        "double_sold": 0,  # no seats
        "mismatched": mismatched,
    }


def check_sales(stats: RushStats, valid: int, orders: int, total: int, paid: int, say) -> int:
    """Disagreements between the paid orders, their payments and tickets in the database
    and what the buyers were told."""
    mismatched = 0
    if orders != stats.orders or total != stats.amount_cents or paid != total:
        mismatched += 1
        say(
            f"  MISMATCH: database {orders} paid orders for {total} cents, paid {paid}; "
            f"buyers were told {stats.orders} orders for {stats.amount_cents} cents"
        )
    if valid != stats.tickets:
        mismatched += 1
        say(f"  MISMATCH: {valid} valid tickets, buyers received {stats.tickets}")
    return mismatched
