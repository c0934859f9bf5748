"""Demo statistics for `make run` (demo/seed.py, after crm and ticketing): three earlier
seasons of sales in a hall of their own (analytics.history: written straight into
ticketing's tables, with an online share growing towards this season's), then the
aggregates rebuilt from ticketing's tables — the demo's sales are backdated by plain
updates after their events were published (ticketing/demo/backdating.py), so only a
rebuild puts them on their real days.

The earlier seasons' orders get buyers (`past_audience`): this season's spectators who
came before, and people of those seasons only, living mostly around the venue — so the
audience page shows returning and new spectators, renewal and a map. crm's per-season
counts (SeasonStats) and each contact's purchase columns follow those orders.

Idempotent: the earlier seasons are written once (their hall is the marker); the rebuild
gives the same figures every time."""

from __future__ import annotations

import random

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from faker import Faker

from ticketing.models import Hall, Order

from .audience import refresh_audience
from .goals.demo import seed_goals
from .history import build_history
from .reports.demo import seed_sibil
from .services import rebuild_sales_aggregates

HALL = "Salle Jean-Vilar (saisons passées)"
PAST_SEASONS = 3
PAST_TICKETS = 6000


def seed_venue(venue, rng: random.Random) -> None:
    # One draw from the shared stream whatever happens (demo/seed.py), then our own stream.
    local = random.Random(rng.randrange(2**32))  # noqa: S311 (demo data, reproducible)
    if Order.objects.exists() and not Hall.objects.filter(name=HALL).exists():
        counts = Order.objects.filter(invitation_reason="").aggregate(
            web=Count("id", filter=Q(channel="web")), all=Count("id")
        )
        now_share = counts["web"] / counts["all"] if counts["all"] else 0.4
        build_history(
            tickets=PAST_TICKETS,
            seasons=PAST_SEASONS,
            now=timezone.now(),
            rng=local,
            tz=venue.timezone or "Europe/Paris",
            capacity=280,
            web_share=(round(now_share * 0.3, 2), round(now_share * 0.75, 2)),
            hall_name=HALL,
            only_past=True,
        )
        past_audience(venue, local)
    rebuild_sales_aggregates()
    refresh_audience()
    seed_goals(venue)  # a few goals on this season's indicators (analytics/goals/demo.py)
    seed_sibil(venue)  # SIBIL settings and genre domains (analytics/reports/demo.py)


PAST_PEOPLE = 900  # spectators of the earlier seasons only (some lapsed, some renewed)
KNOWN_BUYER = 0.75  # share of the earlier orders whose buyer is known


def _postcode(rng: random.Random, home: str) -> str:
    """Mostly the venue's département, then its region, then anywhere in France."""
    from .geography import DEPARTMENTS

    region = DEPARTMENTS.get(home, ("", ""))[1]
    near = [c for c, (_n, r) in DEPARTMENTS.items() if r == region and c != home and len(c) == 2]
    draw = rng.random()
    if draw < 0.03:
        return ""
    if draw < 0.58 or not near:
        code = home
    elif draw < 0.86:
        code = rng.choice(near)
    else:
        code = rng.choice(["75", "92", "93", "94", "69", "13", "33", "59", "31", "2A", "974"])
    if code in ("2A", "2B"):
        third = rng.randrange(0, 2) if code == "2A" else rng.randrange(2, 7)
        return f"20{third}{rng.randrange(0, 100):02d}"
    if len(code) == 3:
        return f"{code}{rng.randrange(0, 100):02d}"
    return f"{code}{rng.randrange(0, 1000):03d}"


@transaction.atomic
def past_audience(venue, rng: random.Random) -> None:
    """Buyers for the earlier seasons' orders (analytics.history writes them without)."""
    from django.db import connection

    from crm.behaviour import season_of
    from crm.geo import department_of
    from crm.models import Contact

    home = department_of(venue.postcode or "75000") or "75"
    orders = list(
        Order.objects.filter(tickets__performance__layout__hall__name=HALL, contact__isnull=True)
        .values_list("id", "tickets__performance__starts_at")
        .distinct("id")
        .order_by("id")
    )
    if not orders:
        return
    seasons = sorted({season_of(when) for _id, when in orders})
    # This season's buyers: some came before.
    current = list(
        Contact.objects.filter(orders__isnull=False, merged_into__isnull=True)
        .values_list("id", flat=True)
        .distinct()
    )
    attends: dict[str, list[int]] = {s: [] for s in seasons}
    for contact_id in current:
        if rng.random() < 0.45:
            for season in seasons:
                if rng.random() < 0.55:
                    attends[season].append(contact_id)
    fake = Faker("fr_FR")  # names as crm's demo makes them
    fake.seed_instance(rng.randrange(2**32))
    people = Contact.objects.bulk_create(
        [
            Contact(
                first_name=fake.first_name(),
                last_name=fake.last_name(),
                email=(email := f"spectateur.{venue.slug}.{n}@demo.parterre.example"),
                email_normalized=email,
                postcode=(code := _postcode(rng, home)),
                department=department_of(code),
                first_source="box_office",
            )
            for n in range(PAST_PEOPLE)
        ],
        batch_size=1000,
    )
    for person in people:
        first = rng.randrange(len(seasons))
        attends[seasons[first]].append(person.pk)
        for season in seasons[first + 1 :]:
            if rng.random() < 0.4:
                attends[season].append(person.pk)
    assigned = []
    for order_id, when in orders:
        pool = attends[season_of(when)]
        if pool and rng.random() < KNOWN_BUYER:
            assigned.append((order_id, rng.choice(pool)))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ticketing_order o SET contact_id = v.contact FROM unnest(%s::bigint[], "
            "%s::bigint[]) AS v(id, contact) WHERE o.id = v.id",
            [[a for a, _b in assigned], [b for _a, b in assigned]],
        )
    # Those the draw gave no order are no spectators: not kept.
    Contact.objects.filter(pk__in=[p.pk for p in people], orders__isnull=True).delete()
    _behaviour([b for _a, b in assigned])


def _behaviour(contact_ids: list[int]) -> None:
    """crm's counts of the earlier seasons, from their orders: the SeasonStats rows and the
    contacts' purchase columns (what the record_* services would have kept)."""
    from django.db import connection

    from crm.behaviour import behaviour_settings

    from .audience.refresh import _season_sql
    from .services import venue_timezone

    _first, season = _season_sql(behaviour_settings().season_start_month)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE TEMP TABLE demo_past ON COMMIT DROP AS
            SELECT o.contact_id, {season} AS season, count(DISTINCT o.id) AS purchases,
                   count(t.id) AS tickets, sum(t.price_cents) AS spend,
                   min(o.paid_at) AS first_at, max(o.paid_at) AS last_at
            FROM ticketing_order o JOIN ticketing_ticket t ON t.order_id = o.id
            JOIN ticketing_performance p ON p.id = t.performance_id
            WHERE o.contact_id = ANY(%(ids)s) AND t.status = 'valid'
              AND p.layout_id IN (SELECT l.id FROM ticketing_layout l
                                  JOIN ticketing_hall h ON h.id = l.hall_id
                                  WHERE h.name = %(hall)s)
            GROUP BY 1, 2
            """,  # noqa: S608 (constants only: values are parameters)
            {"ids": sorted(set(contact_ids)), "hall": HALL, "tz": venue_timezone()},
        )
        cursor.execute(
            """
            INSERT INTO crm_seasonstats (contact_id, season, purchases, tickets, spend_cents,
                attendances)
            SELECT contact_id, season, purchases, tickets, spend, tickets FROM demo_past
            ON CONFLICT (contact_id, season) DO UPDATE SET
                purchases = crm_seasonstats.purchases + EXCLUDED.purchases,
                tickets = crm_seasonstats.tickets + EXCLUDED.tickets,
                spend_cents = crm_seasonstats.spend_cents + EXCLUDED.spend_cents,
                attendances = crm_seasonstats.attendances + EXCLUDED.attendances
            """
        )
        cursor.execute(
            """
            UPDATE crm_contact c SET
                first_seen_at = LEAST(c.first_seen_at, d.first_at),
                first_purchase_at = LEAST(c.first_purchase_at, d.first_at),
                last_purchase_at = GREATEST(c.last_purchase_at, d.last_at),
                first_attended_at = LEAST(c.first_attended_at, d.first_at),
                last_attended_at = GREATEST(c.last_attended_at, d.last_at),
                purchase_count = c.purchase_count + d.purchases,
                tickets_bought = c.tickets_bought + d.tickets,
                amount_spent_cents = c.amount_spent_cents + d.spend,
                attendance_count = c.attendance_count + d.tickets
            FROM (SELECT contact_id, sum(purchases)::int AS purchases,
                         sum(tickets)::int AS tickets, sum(spend)::bigint AS spend,
                         min(first_at) AS first_at, max(last_at) AS last_at
                  FROM demo_past GROUP BY 1) d
            WHERE c.id = d.contact_id
            """
        )
    # Lapsed, first-timers, regulars… decided again from those columns (crm's rules).
    from crm.criteria import refresh_all_criteria

    refresh_all_criteria()
