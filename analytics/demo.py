"""Demo statistics for `make run` (demo/seed.py, after crm and ticketing): three earlier
seasons of sales in a hall of their own (analytics.history: written straight into
ticketing's tables, with an online share growing towards this season's), then the
aggregates rebuilt from ticketing's tables — the demo's sales are backdated by plain
updates after their events were published (ticketing/demo/backdating.py), so only a
rebuild puts them on their real days.

Idempotent: the earlier seasons are written once (their hall is the marker); the rebuild
gives the same figures every time."""

from __future__ import annotations

import random

from django.db.models import Count, Q
from django.utils import timezone

from ticketing.models import Hall, Order

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
    rebuild_sales_aggregates()
    seed_goals(venue)  # a few goals on this season's indicators (analytics/goals/demo.py)
    seed_sibil(venue)  # SIBIL settings and genre domains (analytics/reports/demo.py)
