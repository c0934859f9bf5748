"""The one statement that turns tickets into aggregate rows (hand-written: it reads a million
tickets in seconds where the ORM would load them; tests/analytics compare its results with
sums taken in Python over the orders, ticket by ticket).

What moves, and when (venue days):
- sale: every ticket an order was paid with (not the ones a later exchange wrote), on the day
  the order was paid; the order is counted on its first ticket's row;
- refund: a refunded ticket, negative, on the day it was refunded (`revoked_at`);
- exchange_out: a ticket exchanged for another performance, negative, on that day;
- exchange_in: the ticket an exchange wrote, on the day it was written.
The sum of the four is a performance's valid tickets of paid orders, which is what its
receipts statement counts (ticketing.selectors.statements). Invitations (orders with an
`invitation_reason`) move the same way but are flagged apart, never in revenue.

`apply_movements()` runs it for every ticket (the rebuild) or for the tickets of one event
(`sale`, `refund`, `exchange_out`, `exchange_in`: ticket ids per movement), adding the rows
to SalesFact, LeadTime and PerformanceSales in one statement."""

from __future__ import annotations

from django.db import connection

PAID = "('paid', 'partially_refunded', 'refunded')"
MOVEMENTS = ("sale", "refund", "exchange_out", "exchange_in")

_TICKETS = f"""
t AS (
    SELECT t.id, t.order_id, t.performance_id, t.tariff_id, t.status, t.price_cents,
           t.fee_cents, t.venue_fee_cents, t.created_at, t.revoked_at, t.exchanged_to_id,
           o.channel, COALESCE(o.paid_at, o.created_at) AS paid_at,
           o.invitation_reason <> '' AS invitation, o.invitation_reason,
           COALESCE(a.promo_code, '') AS promo_code,
           COALESCE(ps.category_id, pz.category_id, 0) AS category_id,
           EXISTS (SELECT 1 FROM ticketing_ticket x WHERE x.exchanged_to_id = t.id)
               AS exchanged_in,
           t.id = min(t.id) OVER (PARTITION BY t.order_id) AS first_of_order
    FROM ticketing_ticket t
    JOIN ticketing_order o ON o.id = t.order_id
    LEFT JOIN ticketing_orderattribution a ON a.order_id = o.id
    LEFT JOIN ticketing_performanceseat ps
        ON ps.performance_id = t.performance_id AND ps.seat_id = t.seat_id
    LEFT JOIN ticketing_performancezone pz ON pz.id = t.performance_zone_id
    WHERE o.status IN {PAID} {{scope}}
)"""  # noqa: S608 (constants only: values are parameters)

_DIMS = "performance_id, channel, tariff_id, category_id, promo_code, invitation, invitation_reason"


def _movements(only: dict[str, list[int]] | None) -> str:
    def restrict(movement: str) -> str:
        return "" if only is None else f"AND id = ANY(%({movement})s::bigint[])"

    day = "(({col}) AT TIME ZONE %(tz)s)::date"
    return f"""
m AS (
    SELECT {_DIMS}, day, movement, sum(n) AS tickets, sum(orders) AS orders,
           sum(price) AS revenue, sum(fee) AS fee, sum(venue_fee) AS venue_fee
    FROM (
        SELECT {_DIMS}, {day.format(col="paid_at")} AS day, 'sale' AS movement, 1 AS n,
               first_of_order::int AS orders, price_cents AS price, fee_cents AS fee,
               venue_fee_cents AS venue_fee
        FROM t WHERE NOT exchanged_in {restrict("sale")}
        UNION ALL
        SELECT {_DIMS}, {day.format(col="revoked_at")}, 'refund', -1, 0, -price_cents,
               -fee_cents, -venue_fee_cents
        FROM t WHERE status = 'refunded' {restrict("refund")}
        UNION ALL
        SELECT {_DIMS}, {day.format(col="revoked_at")}, 'exchange_out', -1, 0, -price_cents,
               -fee_cents, -venue_fee_cents
        FROM t WHERE exchanged_to_id IS NOT NULL {restrict("exchange_out")}
        UNION ALL
        SELECT {_DIMS}, {day.format(col="created_at")}, 'exchange_in', 1, 0, price_cents,
               fee_cents, venue_fee_cents
        FROM t WHERE exchanged_in {restrict("exchange_in")}
    ) u
    GROUP BY {_DIMS}, day, movement
)"""  # noqa: S608 (constants only: values are parameters)


_APPLY = """
, facts AS (
    INSERT INTO analytics_salesfact AS f (performance_id, day, channel, tariff_id, category_id,
        promo_code, movement, invitation, invitation_reason, tickets, orders, revenue_cents,
        fee_cents, venue_fee_cents)
    SELECT performance_id, day, channel, tariff_id, category_id, promo_code, movement,
           invitation, invitation_reason, tickets, orders, revenue, fee, venue_fee
    FROM m
    ON CONFLICT (performance_id, day, channel, tariff_id, category_id, promo_code, movement,
                 invitation, invitation_reason)
    DO UPDATE SET tickets = f.tickets + EXCLUDED.tickets, orders = f.orders + EXCLUDED.orders,
        revenue_cents = f.revenue_cents + EXCLUDED.revenue_cents,
        fee_cents = f.fee_cents + EXCLUDED.fee_cents,
        venue_fee_cents = f.venue_fee_cents + EXCLUDED.venue_fee_cents
    RETURNING 1
), lead AS (
    INSERT INTO analytics_leadtime AS l (performance_id, days_before, tickets)
    SELECT m.performance_id,
           GREATEST(0, LEAST(%(max_days)s, (p.starts_at AT TIME ZONE %(tz)s)::date - m.day)),
           sum(m.tickets)
    FROM m JOIN ticketing_performance p ON p.id = m.performance_id
    WHERE NOT m.invitation
    GROUP BY 1, 2
    ON CONFLICT (performance_id, days_before) DO UPDATE SET tickets = l.tickets + EXCLUDED.tickets
    RETURNING 1
)
INSERT INTO analytics_performancesales AS s (performance_id, season, capacity, cancelled,
    tickets, web_tickets, orders, revenue_cents, fee_cents, venue_fee_cents, invitations,
    refunded, exchanged_out, exchanged_in)
SELECT performance_id, '', 0, false,
       COALESCE(sum(tickets) FILTER (WHERE NOT invitation), 0),
       COALESCE(sum(tickets) FILTER (WHERE NOT invitation AND channel = 'web'), 0),
       COALESCE(sum(orders) FILTER (WHERE NOT invitation), 0),
       COALESCE(sum(revenue) FILTER (WHERE NOT invitation), 0),
       COALESCE(sum(fee) FILTER (WHERE NOT invitation), 0),
       COALESCE(sum(venue_fee) FILTER (WHERE NOT invitation), 0),
       COALESCE(sum(tickets) FILTER (WHERE invitation), 0),
       COALESCE(-sum(tickets) FILTER (WHERE NOT invitation AND movement = 'refund'), 0),
       COALESCE(-sum(tickets) FILTER (WHERE NOT invitation AND movement = 'exchange_out'), 0),
       COALESCE(sum(tickets) FILTER (WHERE NOT invitation AND movement = 'exchange_in'), 0)
FROM m GROUP BY performance_id
ON CONFLICT (performance_id) DO UPDATE SET
    tickets = s.tickets + EXCLUDED.tickets, web_tickets = s.web_tickets + EXCLUDED.web_tickets,
    orders = s.orders + EXCLUDED.orders, revenue_cents = s.revenue_cents + EXCLUDED.revenue_cents,
    fee_cents = s.fee_cents + EXCLUDED.fee_cents,
    venue_fee_cents = s.venue_fee_cents + EXCLUDED.venue_fee_cents,
    invitations = s.invitations + EXCLUDED.invitations, refunded = s.refunded + EXCLUDED.refunded,
    exchanged_out = s.exchanged_out + EXCLUDED.exchanged_out,
    exchanged_in = s.exchanged_in + EXCLUDED.exchanged_in
RETURNING performance_id
"""

# Beyond this, a sale counts as sold this many days ahead (the curve's left end).
MAX_DAYS = 365


_RECEIPTS = """
, receipts AS (
    INSERT INTO events_consumerreceipt (event_id, consumer, handled_at, attempts)
    SELECT e.id, %(consumer)s, now(), 1 FROM events_event e
    WHERE e.dispatched_at IS NULL AND e.code = ANY(%(codes)s::text[])
    ON CONFLICT (event_id, consumer) DO NOTHING
    RETURNING 1
)"""


def apply_movements(
    *,
    tz: str,
    only: dict[str, list[int]] | None = None,
    receipts_for: tuple[str, list[str]] | None = None,
) -> list[int]:
    """Add the movements of every ticket (`only` None) or of the tickets listed per movement
    to the aggregates. Returns the performance ids touched. `receipts_for` (consumer name,
    codes): in the same statement, hence the same snapshot as the tickets read, give that
    consumer its receipt for every undispatched event of these codes (the rebuild: the
    events whose tickets it counted are not counted again)."""
    if only is not None:
        only = {m: sorted(set(only.get(m) or [])) for m in MOVEMENTS}
        ids = sorted({i for v in only.values() for i in v})
        if not ids:
            return []
        scope = "AND t.id = ANY(%(ids)s::bigint[])"
    else:
        ids, scope = [], ""
    receipts = _RECEIPTS if receipts_for else ""
    sql = "WITH " + _TICKETS.format(scope=scope) + "," + _movements(only) + receipts + _APPLY
    params = {"tz": tz, "max_days": MAX_DAYS, "ids": ids, **(only or {})}
    if receipts_for:
        params["consumer"], params["codes"] = receipts_for[0], list(receipts_for[1])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]
