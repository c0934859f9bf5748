"""Demo goals for `make run` (analytics.demo, after the sales history): a few goals on this
season's key indicators, with visible progress. Idempotent: a venue that has goals keeps
them. An audience goal is set only if the audience indicators are registered."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from crm.behaviour import current_season
from crm.integrity.models import IntegritySnapshot
from tenants.accounts.audit import as_system
from tenants.accounts.models import User

from .. import indicators
from .models import Goal
from .selectors import season_bounds
from .services import create_goal


def seed_goals(venue) -> list[Goal]:
    if Goal.objects.exists():
        return []
    season = current_season()
    first, last = season_bounds(season)
    june = date(last.year, 6, 30) if last.month >= 6 else last
    admin = User.objects.filter(role=User.Role.ADMIN, is_active=True).order_by("pk").first()
    online = indicators.measure("online_share", season) or 0.0
    wanted = [
        ("tickets", Goal.Mode.PERCENT, Decimal(10), last, "+10\u202f% de places vendues", None),
        (
            "online_share",
            Goal.Mode.ABSOLUTE,
            Decimal("0.30") if online < 0.28 else Decimal(str(round(online + 0.05, 2))),
            june,
            "",
            None,
        ),
        ("basket_seats", Goal.Mode.UNITS, Decimal("0.3"), last, "", None),
    ]
    oldest = IntegritySnapshot.objects.order_by("day").first()
    wanted.append(
        (
            "integrity",
            Goal.Mode.ABSOLUTE,
            Decimal("0.70"),
            last,
            "",
            oldest.complete / oldest.contacts if oldest and oldest.contacts else None,
        )
    )
    if indicators.get("new_spectators"):
        wanted.append(("new_spectators", Goal.Mode.ABSOLUTE, Decimal(300), last, "", None))
    elif indicators.get("seats_per_spectator"):
        wanted.append(("seats_per_spectator", Goal.Mode.UNITS, Decimal("0.3"), last, "", None))
    if indicators.get("identified_share"):
        wanted.append(("identified_share", Goal.Mode.ABSOLUTE, Decimal("0.85"), last, "", None))
    made = []
    with as_system():
        for key, mode, amount, deadline, label, start_value in wanted[:6]:
            if indicators.get(key) is None:
                continue
            made.append(
                create_goal(
                    actor=admin,
                    indicator=key,
                    season=season,
                    mode=mode,
                    amount=amount,
                    starts_on=first,
                    deadline=max(deadline, first),
                    label=label,
                    start_value=start_value,
                )
            )
    return made
