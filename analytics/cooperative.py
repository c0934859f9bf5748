"""The venue's side of the cooperative view: measuring the figures it shares and publishing
them through tenants' service (tenants.services.publish_venue_figures), which keeps only the
figures of its allow-list (tenants.figures).

Runs inside the venue's schema (its daily task, analytics.publish_cooperative_figures, or
`manage.py publish_cooperative_figures` for every venue). The figures are the key indicators
of analytics.indicators — the very numbers the venue's own pages show — measured for the
current and the previous season, plus the indicators of now (season "") and two activity
figures read from the sales aggregates. Idempotent: each publication replaces the season's
figures whole."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Max, Sum
from django.utils import timezone

from crm.behaviour import current_season, season_of
from tenants.figures import SHAREABLE_FIGURES
from tenants.models import Venue
from tenants.services import publish_venue_figures

from . import indicators
from .models import Movement, SalesFact

ACTIVITY_DAYS = 30


def venue_today(venue: Venue, now: datetime | None = None) -> date:
    try:
        tz = zoneinfo.ZoneInfo(venue.timezone or "Europe/Paris")
    except zoneinfo.ZoneInfoNotFoundError:
        tz = zoneinfo.ZoneInfo("Europe/Paris")
    return (now or timezone.now()).astimezone(tz).date()


def seasons_to_publish(today: date) -> list[str]:
    """The current season and the one before (the venue's season naming)."""
    try:
        last_year = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        last_year = today - timedelta(days=365)
    seasons = [current_season(now=_noon(today)), season_of(last_year)]
    return list(dict.fromkeys(seasons))


def _noon(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 12))


def activity_figures(today: date) -> dict[str, float | None]:
    """Tickets sold in the last 30 days (net of refunds, as "tickets" counts them) and days
    since the last sale; invitations apart."""
    paid = SalesFact.objects.filter(invitation=False)
    since = today - timedelta(days=ACTIVITY_DAYS)
    recent = paid.filter(day__gt=since).aggregate(n=Sum("tickets"))["n"]
    sold = paid.filter(movement=Movement.SALE, tickets__gt=0, day__lte=today)
    last = sold.aggregate(day=Max("day"))["day"]
    return {
        "tickets_30d": float(recent or 0),
        "last_sale_days": float((today - last).days) if last else None,
    }


def shared_indicators() -> list[indicators.Indicator]:
    """The registry's indicators the cooperative accepts (tenants' allow-list decides)."""
    return [i for i in indicators.all_indicators() if i.key in SHAREABLE_FIGURES]


def measure_figures(*, today: date) -> dict[str, dict[str, float | None]]:
    """{season: {key: value}} of the venue whose schema is current ("" for now)."""
    shared = shared_indicators()
    figures: dict[str, dict[str, float | None]] = {}
    for season in seasons_to_publish(today):
        figures[season] = {i.key: i.measure(season) for i in shared if i.per_season}
    now = {i.key: i.measure("") for i in shared if not i.per_season}
    now.update(activity_figures(today))
    figures[""] = {k: v for k, v in now.items() if k in SHAREABLE_FIGURES}
    return figures


def publish_figures(*, now: datetime | None = None) -> dict[str, dict[str, float | None]]:
    """Measure and publish the current venue's figures (called inside its schema)."""
    venue = connection.tenant
    assert not getattr(venue, "is_public", True), "publish_figures runs in a venue's schema"
    figures = measure_figures(today=venue_today(venue, now))
    for season, values in figures.items():
        publish_venue_figures(venue=venue, season=season, figures=values)
    return figures


def publish_all(*, now: datetime | None = None) -> dict[str, dict]:
    """Every active venue's figures, each measured in its own schema (demo, tests)."""
    from django_tenants.utils import tenant_context

    from tenants.tasks import active_venues

    published = {}
    for venue in active_venues().order_by("slug"):
        with tenant_context(venue):
            published[venue.slug] = publish_figures(now=now)
    connection.set_schema_to_public()
    return published
