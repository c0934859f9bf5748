"""Reads of the sales dashboard: aggregates only (analytics.models), plus the names of the
few shows, halls and tariffs they mention. A season's page costs a fixed handful of queries
whatever the number of tickets behind it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from crm.behaviour import current_season
from tenants.events.models import ConsumerReceipt, Event
from ticketing.models import Hall, Performance, Show, Tariff
from ticketing.models.orders import Channel

from .models import LeadTime, PerformanceSales, SalesFact, TypicalCurve
from .services import CODES, CONSUMER, CURVE_DAYS

# Below this typical share sold, a forecast would divide by too little: none is given.
MIN_SHARE_FOR_FORECAST = 0.05
CHECKPOINT_DAYS = 14  # "fill at J−14"


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


@dataclass
class PerformanceRow:
    performance_id: int
    show_id: int | None
    hall_id: int | None
    starts_at: datetime | None
    capacity: int
    cancelled: bool
    tickets: int
    web_tickets: int
    orders: int
    revenue_cents: int
    fee_cents: int
    venue_fee_cents: int
    invitations: int
    refunded: int
    exchanged_out: int
    exchanged_in: int
    show: str = ""
    genres: list[str] = field(default_factory=list)
    hall: str = ""
    sold_at_checkpoint: int | None = None  # net tickets sold by J−14
    days_left: int | None = None  # upcoming: days until the performance
    forecast: int | None = None  # upcoming: forecast of the final sales (capacity-bounded)

    @property
    def fill(self) -> float | None:
        return ratio(self.tickets + self.invitations, self.capacity)

    @property
    def online_share(self) -> float | None:
        return ratio(self.web_tickets, self.tickets)

    @property
    def fill_at_checkpoint(self) -> float | None:
        if self.sold_at_checkpoint is None:
            return None
        return ratio(self.sold_at_checkpoint, self.capacity)

    @property
    def forecast_fill(self) -> float | None:
        return None if self.forecast is None else ratio(self.forecast, self.capacity)


_PERF_FIELDS = [
    "performance_id",
    "show_id",
    "hall_id",
    "starts_at",
    "capacity",
    "cancelled",
    "tickets",
    "web_tickets",
    "orders",
    "revenue_cents",
    "fee_cents",
    "venue_fee_cents",
    "invitations",
    "refunded",
    "exchanged_out",
    "exchanged_in",
]


def seasons_overview() -> list[dict]:
    """Per season (oldest first): performances, capacity, tickets, revenue, online share,
    fill rate, average basket, invitations, refunds and fees."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT season, count(*), sum(capacity), sum(tickets), sum(web_tickets),
                   sum(orders), sum(revenue_cents), sum(invitations), sum(refunded),
                   sum(fee_cents), sum(venue_fee_cents), sum(exchanged_out)
            FROM analytics_performancesales WHERE NOT cancelled AND season <> ''
            GROUP BY season ORDER BY season
            """
        )
        rows = cursor.fetchall()
    seasons = []
    for r in rows:
        s = dict(
            zip(
                (
                    "season",
                    "performances",
                    "capacity",
                    "tickets",
                    "web_tickets",
                    "orders",
                    "revenue_cents",
                    "invitations",
                    "refunded",
                    "fee_cents",
                    "venue_fee_cents",
                    "exchanged",
                ),
                r,
                strict=True,
            )
        )
        s["fill"] = ratio(s["tickets"] + s["invitations"], s["capacity"])
        s["online_share"] = ratio(s["web_tickets"], s["tickets"])
        s["basket_seats"] = ratio(s["tickets"], s["orders"])
        s["basket_cents"] = ratio(s["revenue_cents"] + s["fee_cents"], s["orders"])
        seasons.append(s)
    return seasons


def default_season(seasons: list[dict]) -> str:
    names = [s["season"] for s in seasons]
    now = current_season()
    if now in names or not names:
        return now
    return names[-1]


def typical_curve() -> dict[int, float]:
    return dict(TypicalCurve.objects.values_list("days_before", "share"))


def share_at(curve: dict[int, float], days: int) -> float | None:
    if not curve:
        return None
    return curve.get(min(max(days, 0), CURVE_DAYS))


def forecast_final(sold: int, share: float | None, capacity: int) -> int | None:
    """Final sales forecast: what is sold now over the share of its final sales a typical
    performance has sold this many days before; never above capacity, never below what is
    sold. None when the typical share is too small to divide by."""
    if share is None or share < MIN_SHARE_FOR_FORECAST:
        return None
    estimate = round(sold / share)
    return max(sold, min(estimate, capacity) if capacity else estimate)


def season_performances(season: str, *, curve: dict[int, float], today: date) -> list:
    """The season's performances (by date) with names, fill, online share, fill at J−14
    and, for the upcoming ones, the forecast."""
    rows = [
        PerformanceRow(**r)
        for r in PerformanceSales.objects.filter(season=season)
        .order_by("starts_at", "performance_id")
        .values(*_PERF_FIELDS)
    ]
    shows = {
        s["id"]: s
        for s in Show.objects.filter(id__in={r.show_id for r in rows}).values(
            "id", "title", "genres"
        )
    }
    halls = dict(Hall.objects.filter(id__in={r.hall_id for r in rows}).values_list("id", "name"))
    checkpoint = _sold_by(rows, CHECKPOINT_DAYS)
    tz = timezone.get_current_timezone()
    for r in rows:
        show = shows.get(r.show_id) or {}
        r.show, r.genres = show.get("title", ""), list(show.get("genres") or [])
        r.hall = halls.get(r.hall_id, "")
        if r.starts_at is None:
            continue
        days_left = (r.starts_at.astimezone(tz).date() - today).days
        if days_left <= CHECKPOINT_DAYS:  # J−14 has passed: its figure is known
            r.sold_at_checkpoint = checkpoint.get(r.performance_id, 0)
        if days_left >= 0 and not r.cancelled:
            r.days_left = days_left
            r.forecast = forecast_final(r.tickets, share_at(curve, days_left), r.capacity)
    return rows


def _sold_by(rows, days: int) -> dict[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT performance_id, sum(tickets) FROM analytics_leadtime "
            "WHERE performance_id = ANY(%s::bigint[]) AND days_before >= %s "
            "GROUP BY performance_id",
            [[r.performance_id for r in rows], days],
        )
        return dict(cursor.fetchall())


def group_fill(rows: list[PerformanceRow], key) -> list[dict]:
    """Fill rate and online share of performances grouped by `key(row)` (a list of keys
    counts a row in each: a show's genres)."""
    groups: dict[str, dict] = {}
    for r in rows:
        if r.cancelled:
            continue
        keys = key(r)
        for k in keys if isinstance(keys, list) else [keys]:
            g = groups.setdefault(
                k or "—",
                {
                    "name": k or "—",
                    "performances": 0,
                    "capacity": 0,
                    "tickets": 0,
                    "invitations": 0,
                    "web_tickets": 0,
                    "revenue_cents": 0,
                },
            )
            g["performances"] += 1
            for f in ("capacity", "tickets", "invitations", "web_tickets", "revenue_cents"):
                g[f] += getattr(r, f)
    for g in groups.values():
        g["fill"] = ratio(g["tickets"] + g["invitations"], g["capacity"])
        g["online_share"] = ratio(g["web_tickets"], g["tickets"])
    return sorted(groups.values(), key=lambda g: -(g["fill"] or 0))


# --- One scan of the season's facts ------------------------------------------------------
_BREAKDOWN = """
SELECT GROUPING(f.day, f.channel, f.tariff_id, f.promo_code, f.movement, month) AS g,
       f.day, f.channel, f.tariff_id, f.promo_code, f.movement, month, f.invitation,
       sum(f.tickets), sum(f.orders), sum(f.revenue_cents), sum(f.fee_cents),
       sum(f.venue_fee_cents)
FROM analytics_salesfact f
JOIN analytics_performancesales s ON s.performance_id = f.performance_id,
LATERAL (SELECT date_trunc('month', f.day)::date AS month) m
WHERE s.season = %s
GROUP BY GROUPING SETS (
    (f.day, f.invitation), (f.channel, f.invitation), (f.tariff_id, f.invitation),
    (f.promo_code, f.invitation), (f.movement, f.invitation), (month, f.channel, f.invitation)
)
"""
# GROUPING(...) bit masks (1 = rolled up) of each set above, in the SELECT's order.
_SETS = {
    0b011111: "day",
    0b101111: "channel",
    0b110111: "tariff",
    0b111011: "promo",
    0b111101: "movement",
    0b101110: "month",
}


def _empty() -> dict:
    return {"tickets": 0, "orders": 0, "revenue_cents": 0, "fee_cents": 0, "venue_fee_cents": 0}


def season_breakdown(season: str) -> dict:
    """The season's sales by day, month × channel, channel, tariff, promo code and movement,
    invitations apart: one query over the season's facts."""
    with connection.cursor() as cursor:
        cursor.execute(_BREAKDOWN, [season])
        rows = cursor.fetchall()
    out: dict[str, dict] = defaultdict(lambda: defaultdict(_empty))
    invitations: dict[str, dict] = defaultdict(lambda: defaultdict(_empty))
    for g, day, channel, tariff, promo, movement, month, invitation, *sums in rows:
        kind = _SETS.get(g)
        key = {
            "day": day,
            "channel": channel,
            "tariff": tariff,
            "promo": promo,
            "movement": movement,
            "month": (month, channel),
        }.get(kind)
        if kind is None:
            continue
        target = (invitations if invitation else out)[kind][key]
        for name, value in zip(_empty(), sums, strict=True):
            target[name] += int(value or 0)
    return {"sales": out, "invitations": invitations}


def weeks_of(days: dict[date, dict]) -> list[dict]:
    weeks: dict[date, dict] = defaultdict(_empty)
    for day, v in days.items():
        monday = day - timedelta(days=day.weekday())
        for k, n in v.items():
            weeks[monday][k] += n
    return [{"week": w, **weeks[w]} for w in sorted(weeks)]


def invitations_by_reason(season: str) -> dict[str, int]:
    """Net invitation tickets of the season's performances, by reason."""
    season_perfs = PerformanceSales.objects.filter(season=season).values("performance_id")
    return dict(
        SalesFact.objects.filter(invitation=True, performance_id__in=season_perfs)
        .values("invitation_reason")
        .annotate(n=Sum("tickets"))
        .values_list("invitation_reason", "n")
    )


def tariff_names(ids) -> dict[int, str]:
    return dict(Tariff.objects.filter(id__in=list(ids)).values_list("id", "name"))


def channel_names() -> dict[str, str]:
    return {k: str(v) for k, v in Channel.choices}


def lead_curve(performance_id: int) -> dict[int, int]:
    """Net tickets of a performance sold by J−x, x = CURVE_DAYS..0 (cumulative)."""
    counts = dict(
        LeadTime.objects.filter(performance_id=performance_id).values_list("days_before", "tickets")
    )
    curve = {}
    sold = sum(n for d, n in counts.items() if d > CURVE_DAYS)
    for x in range(CURVE_DAYS, -1, -1):
        sold += counts.get(x, 0)
        curve[x] = sold
    return curve


def performance_label(performance_id: int) -> str:
    p = Performance.objects.select_related("show").filter(pk=performance_id).first()
    if p is None:
        return ""
    return f"{p.show.title} · {timezone.localtime(p.starts_at):%d/%m/%Y %H:%M}"


def pending_events_age(*, now=None) -> float:
    """Freshness: seconds since the oldest sales event the aggregates do not hold yet
    (0 when they hold them all)."""
    now = now or timezone.now()
    oldest = (
        Event.objects.filter(dispatched_at__isnull=True, code__in=CODES)
        .exclude(id__in=ConsumerReceipt.objects.filter(consumer=CONSUMER).values("event_id"))
        .order_by("id")
        .values_list("occurred_at", flat=True)
        .first()
    )
    return max((now - oldest).total_seconds(), 0.0) if oldest else 0.0
