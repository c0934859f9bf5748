"""Past seasons of sales written straight into ticketing's tables with a few SQL statements:
the sales benchmark's venue (bench_analytics) and the demo's earlier seasons
(analytics.demo). Not a way to sell: no cart, no ledger entry, no event, no crm record —
the rows a season of counter and online sales leaves behind, for the aggregates to read
(`rebuild_sales_aggregates` after it).

Each season has its performances in one general-admission hall, sold to a drawn fill rate,
orders of 1 to 4 seats, two thirds of the seats in the last two weeks, an online share that
moves from `web_share[0]` (first season) to `web_share[1]` (last), a few invitations,
reduced tariffs, promo codes on online orders and refunds."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from crm.behaviour import behaviour_settings
from ticketing.models import (
    Hall,
    Layout,
    Performance,
    PerformanceZone,
    Price,
    PriceCategory,
    Show,
    Tariff,
    Zone,
)
from ticketing.services import halls, programme

GENRES = ("théâtre", "danse", "musique", "cirque", "jeune public", "humour")


@dataclass
class History:
    performances: int = 0
    orders: int = 0
    tickets: int = 0
    contacts: int = 0


def _seasons(now: datetime, count: int, start_month: int, tz: ZoneInfo) -> list[datetime]:
    """Start of each season, oldest first; the last one is the current season."""
    local = now.astimezone(tz)
    first_year = local.year if local.month >= start_month else local.year - 1
    return [
        datetime.combine(
            datetime(first_year - (count - 1 - i), start_month, 1).date(), time(0), tzinfo=tz
        )
        for i in range(count)
    ]


@transaction.atomic
def build_history(
    *,
    tickets: int,
    seasons: int,
    now: datetime,
    rng: random.Random,
    tz: str = "Europe/Paris",
    capacity: int = 600,
    web_share: tuple[float, float] = (0.12, 0.45),
    contacts: int = 0,
    hall_name: str = "Grande salle",
    title_prefix: str = "",
    only_past: bool = False,
) -> History:
    """Write about `tickets` tickets over `seasons` seasons ending with the current one
    (`only_past`: the seasons before the current one), into the current venue schema."""
    zone_tz = ZoneInfo(tz)
    programme.ensure_default_tariffs()
    tariffs = dict(Tariff.objects.values_list("code", "id"))
    hall = Hall.objects.filter(name=hall_name).first() or halls.create_hall(name=hall_name)
    layout = Layout.objects.filter(hall=hall).first() or halls.create_layout(
        hall=hall, name="Placement libre"
    )
    zone = Zone.objects.filter(layout=layout).first() or halls.add_zone(
        layout=layout, name="Salle", capacity=capacity
    )
    capacity = zone.capacity
    starts = _seasons(
        now, seasons + (1 if only_past else 0), behaviour_settings().season_start_month, zone_tz
    )
    if only_past:
        starts = starts[:-1]
    mean_fill = 0.72
    per_perf = max(1, int(capacity * mean_fill))
    perfs_per_season = max(4, round(tickets / per_perf / max(seasons, 1)))
    history = History()
    plan = []  # (performance, season index)
    shows_per_season = max(2, perfs_per_season // 6)
    for index, season_start in enumerate(starts):
        shows = [
            Show.objects.create(
                title=f"{title_prefix}{rng.choice(TITLES)} ({season_start.year})",
                slug=f"hist-{season_start.year}-{index}-{n}-{rng.randrange(10**6)}",
                genres=[rng.choice(GENRES)],
            )
            for n in range(shows_per_season)
        ]
        for n in range(perfs_per_season):
            day = season_start + timedelta(days=15 + (n * 270) // perfs_per_season)
            when = day.replace(hour=20, minute=0)
            plan.append(
                (
                    Performance(
                        show=shows[n % len(shows)], layout=layout, starts_at=when, status="on_sale"
                    ),
                    index,
                )
            )
    Performance.objects.bulk_create([p for p, _i in plan], batch_size=1000)
    categories = PriceCategory.objects.bulk_create(
        [PriceCategory(performance=p, name="Tarif unique") for p, _i in plan], batch_size=1000
    )
    Price.objects.bulk_create(
        [
            Price(category=c, tariff_id=tariffs[code], amount_cents=amount)
            for c in categories
            for code, amount in (("plein", 2500), ("reduit", 1500))
        ],
        batch_size=2000,
    )
    states = PerformanceZone.objects.bulk_create(
        [
            PerformanceZone(performance=p, zone=zone, category=c, capacity=capacity)
            for (p, _i), c in zip(plan, categories, strict=True)
        ],
        batch_size=1000,
    )
    history.performances = len(plan)
    span = max(len(starts) - 1, 1)
    rows = []
    for (p, index), state, category in zip(plan, states, categories, strict=True):
        fill = min(1.0, max(0.15, rng.gauss(mean_fill, 0.2)))
        seats = int(capacity * fill)  # orders of 1.93 seats on average (see _sales)
        share = web_share[0] + (web_share[1] - web_share[0]) * index / span
        rows.append((p.pk, p.starts_at, state.pk, category.pk, max(1, round(seats / 1.93)), share))
    buyers = None
    if contacts:
        buyers = _contacts(contacts, now)
        history.contacts = contacts
    _sales(rows, tariffs, now, rng.randrange(2**31), buyers)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT order_id) FROM ticketing_ticket "
            "WHERE performance_id = ANY(%s)",
            [[r[0] for r in rows]],
        )
        history.tickets, history.orders = cursor.fetchone()
    return history


TITLES = (
    "Le Misanthrope",
    "Bérénice",
    "La Cerisaie",
    "Les Bonnes",
    "Fin de partie",
    "Phèdre",
    "Le Songe",
    "Ondine",
    "La Mouette",
    "Tartuffe",
    "Cendrillon",
    "Le Cid",
    "Dom Juan",
    "Oncle Vania",
    "Les Trois Sœurs",
    "Lorenzaccio",
    "Britannicus",
    "Les Fourberies",
)


def _contacts(count: int, now: datetime) -> tuple[int, int]:
    """`count` contacts (the benchmark's base); returns the range of their ids."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO crm_contact (first_name, last_name, email, email_normalized, phone,
                postcode, department, language, created_at, updated_at, purchase_count,
                tickets_bought, amount_spent_cents, attendance_count, refund_count)
            SELECT 'Prénom', 'Nom ' || g, 'c' || g || '@bench.example',
                   'c' || g || '@bench.example', '', pc,
                   CASE WHEN left(pc, 2) = '20' THEN '2A' ELSE left(pc, 2) END,
                   'fr', %s, %s, 0, 0, 0, 0, 0
            FROM generate_series(1, %s) g,
                 LATERAL (SELECT lpad(((g * 7919) %% 95000 + 1000)::text, 5, '0') AS pc) p
            RETURNING id
            """,
            [now, now, count],
        )
        ids = [row[0] for row in cursor.fetchall()]
        return min(ids), max(ids)


def _sales(rows, tariffs: dict[str, int], now: datetime, seed: int, buyers) -> None:
    """The orders and tickets; online orders and some counter ones belong to one of the
    `buyers` (a range of contact ids), none without them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        cursor.execute(
            "CREATE TEMP TABLE bench_perf (id bigint, starts_at timestamptz, state bigint, "
            "category bigint, n_orders int, web_share float) ON COMMIT DROP"
        )
        cursor.executemany("INSERT INTO bench_perf VALUES (%s, %s, %s, %s, %s, %s)", rows)
        cursor.execute(
            """
            CREATE TEMP TABLE bench_orders ON COMMIT DROP AS
            SELECT row_number() OVER () AS n, p.id AS perf, p.state,
                   1 + floor(random() ^ 2 * 4)::int AS seats,
                   CASE WHEN random() < p.web_share THEN 'web'
                        WHEN random() < 0.08 THEN 'phone' ELSE 'box_office' END AS channel,
                   p.starts_at - make_interval(secs => 86400 * CASE WHEN random() < 0.65
                        THEN random() * 14 ELSE 14 + random() * 76 END) AS paid_at,
                   random() < 0.02 AS invitation, random() < 0.25 AS reduced,
                   random() AS who
            FROM bench_perf p, generate_series(1, p.n_orders)
            """
        )
        cursor.execute("DELETE FROM bench_orders WHERE paid_at > %s", [now])
        cursor.execute("SELECT COALESCE(max(id), 0) FROM ticketing_order")
        base = cursor.fetchone()[0]
        low, high = buyers or (None, None)
        price = "CASE WHEN o.invitation THEN 0 WHEN o.reduced THEN 1500 ELSE 2500 END"
        fee = "CASE WHEN o.invitation THEN 0 ELSE 100 END"
        cursor.execute(
            f"""
            INSERT INTO ticketing_order (id, reference, status, channel, currency, total_cents,
                fee_cents, refunded_cents, created_at, paid_at, invitation_reason,
                buyer_postcode, contact_id)
            SELECT %(base)s + o.n, 'H' || lpad(upper(to_hex(%(base)s + o.n)), 11, '0'), 'paid',
                   o.channel, 'EUR', o.seats * ({price} + {fee}), o.seats * {fee}, 0, o.paid_at,
                   o.paid_at, CASE WHEN o.invitation THEN 'press' ELSE '' END, '',
                   CASE WHEN %(low)s::bigint IS NOT NULL AND (o.channel = 'web' OR o.who < 0.4)
                        THEN %(low)s::bigint
                             + floor(o.who * (%(high)s::bigint - %(low)s::bigint))::bigint
                   END
            FROM bench_orders o
            """,  # noqa: S608 (constants only: values are parameters)
            {"base": base, "low": low, "high": high},
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('ticketing_order', 'id'), "
            "(SELECT max(id) FROM ticketing_order))"
        )
        cursor.execute(
            f"""
            INSERT INTO ticketing_ticket (order_id, performance_id, performance_zone_id,
                tariff_id, price_cents, fee_cents, venue_fee_cents, tax_rate_bp, status, code,
                created_at)
            SELECT %(base)s + o.n, o.perf, o.state,
                   CASE WHEN o.reduced THEN %(reduit)s ELSE %(plein)s END, {price}, {fee}, 0,
                   550, 'valid', md5((%(base)s + o.n)::text || '-' || g || '-' || random()),
                   o.paid_at
            FROM bench_orders o, generate_series(1, o.seats) g
            """,  # noqa: S608 (constants only: values are parameters)
            {"base": base, "reduit": tariffs["reduit"], "plein": tariffs["plein"]},
        )
        # Refunds: a ticket in 70, a few days after the sale (never after the performance).
        cursor.execute(
            """
            UPDATE ticketing_ticket t SET status = 'refunded',
                revoked_at = GREATEST(t.created_at, LEAST(t.created_at + interval '3 days',
                                                          p.starts_at - interval '1 hour'))
            FROM bench_orders o, ticketing_performance p
            WHERE t.order_id = %s + o.n AND p.id = t.performance_id AND NOT o.invitation
              AND random() < 1.0 / 70
            """,
            [base],
        )
        cursor.execute(
            """
            UPDATE ticketing_order o SET status = 'partially_refunded',
                refunded_cents = r.amount
            FROM (SELECT order_id, sum(price_cents + fee_cents) AS amount FROM ticketing_ticket
                  WHERE status = 'refunded' AND order_id > %s GROUP BY order_id) r
            WHERE o.id = r.order_id
            """,
            [base],
        )
        cursor.execute(
            """
            INSERT INTO ticketing_orderattribution (order_id, promo_code, created_at)
            SELECT id, (ARRAY['AMIS', 'RELAIS', 'ETUDIANTS'])[1 + floor(random() * 3)::int],
                   created_at
            FROM ticketing_order WHERE id > %s AND channel = 'web' AND random() < 0.04
            """,
            [base],
        )
        cursor.execute(
            """
            UPDATE ticketing_performancezone z SET sold = LEAST(s.n, z.capacity)
            FROM (SELECT performance_zone_id AS id, count(*) AS n FROM ticketing_ticket
                  WHERE order_id > %s AND status = 'valid' GROUP BY 1) s
            WHERE z.id = s.id
            """,
            [base],
        )


__all__ = ["UTC", "History", "build_history"]
