"""What a report says, section by section, as tables (the PDF and the XLSX render the same
`Report`): attendance per show, revenue by tariff and by channel, the online share, the
audience's renewal and geography (analytics.audience), the key indicators (registry).

A report covers a season ("2025-2026") or a period (two dates, venue days):
- attendance counts the performances of the season, or those that took place in the period
  (PerformanceSales: the performances that sold or offered anything), cancelled ones apart;
- revenue counts the sales facts (SalesFact) of those performances for a season, and for a
  period the sales recorded on the period's days (whatever the performance's date): what
  the till took in those days, as the day statements do.
Both count as the receipts statements do (docs/analytics.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ticketing.models import Show, Tariff

from .. import audience, indicators
from ..dashboard import Column, Table
from ..models import PerformanceSales, SalesFact
from ..selectors import channel_names, group_fill, ratio
from ..services import venue_timezone
from ..templatetags.analytics_ui import cell_text

MAX_PERIOD_DAYS = 3 * 366  # a period longer than three years is a mistake, not a report


@dataclass
class Section:
    key: str
    title: str
    tables: list[Table] = field(default_factory=list)
    note: str = ""
    available: bool = True
    # Charts as (title, bars): bars are (label, value, text) with value in 0..1 of the axis.
    charts: list[tuple[str, list[tuple[str, float, str]]]] = field(default_factory=list)


@dataclass
class Report:
    title: str
    scope: str  # "2025-2026" or "01/09/2025 – 31/12/2025"
    season: str | None
    start: date | None
    end: date | None
    totals: dict
    sections: list[Section]

    @property
    def slug(self) -> str:
        if self.season:
            return f"saison-{self.season}"
        return f"periode-{self.start:%Y%m%d}-{self.end:%Y%m%d}"

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)


# --- Building ------------------------------------------------------------------------------


def _period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(venue_timezone())
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def _performances(season: str | None, start: date | None, end: date | None):
    rows = PerformanceSales.objects.filter(cancelled=False)
    if season:
        rows = rows.filter(season=season)
    else:
        low, high = _period_bounds(start, end)
        rows = rows.filter(starts_at__gte=low, starts_at__lt=high)
    return list(rows.order_by("starts_at", "performance_id"))


def _facts(season: str | None, start: date | None, end: date | None):
    facts = SalesFact.objects.all()
    if season:
        facts = facts.filter(
            performance_id__in=PerformanceSales.objects.filter(season=season).values(
                "performance_id"
            )
        )
    else:
        facts = facts.filter(day__gte=start, day__lte=end)
    return list(
        facts.values("tariff_id", "channel", "invitation")
        .annotate(
            tickets=Sum("tickets"),
            revenue_cents=Sum("revenue_cents"),
            fee_cents=Sum("fee_cents"),
        )
        .order_by()
    )


def build_report(*, season: str | None = None, start: date | None = None, end: date | None = None):
    """The report of a season, or of the period start..end (venue days, both included)."""
    if not season and not (start and end and start <= end):
        raise ValueError("a report needs a season or a period")
    perfs = _performances(season, start, end)
    facts = _facts(season, start, end)
    if season:
        title, scope = _("Season report"), season
    else:
        title = _("Period report")
        scope = f"{start:%d/%m/%Y} – {end:%d/%m/%Y}"
    sales = [f for f in facts if not f["invitation"]]
    tickets = sum(f["tickets"] or 0 for f in sales)
    web = sum(f["tickets"] or 0 for f in sales if f["channel"] == "web")
    totals = {
        "performances": len(perfs),
        "capacity": sum(p.capacity for p in perfs),
        "attendance_tickets": sum(p.tickets for p in perfs),
        "attendance_invitations": sum(p.invitations for p in perfs),
        "tickets": tickets,
        "invitations": sum(f["tickets"] or 0 for f in facts if f["invitation"]),
        "revenue_cents": sum(f["revenue_cents"] or 0 for f in sales),
        "fee_cents": sum(f["fee_cents"] or 0 for f in sales),
        "web_tickets": web,
        "online_share": ratio(web, tickets),
    }
    totals["fill"] = ratio(
        totals["attendance_tickets"] + totals["attendance_invitations"], totals["capacity"]
    )
    if season:
        audience.ensure_refreshed()
    sections = [
        _attendance(perfs, totals),
        _revenue(sales, totals),
        _audience(season),
        _geography(season),
        _indicators(season),
        _performance_list(perfs),
    ]
    return Report(title, scope, season, start, end, totals, sections)


def _bar(label: str, value: float | None, text: str) -> tuple[str, float, str]:
    return (label, max(0.0, min(value or 0.0, 1.0)), text)


def _attendance(perfs, totals) -> Section:
    titles = dict(Show.objects.filter(id__in={p.show_id for p in perfs}).values_list("id", "title"))
    # The sales page's grouping (fill and online share by show), in the report's order.
    groups = group_fill(perfs, lambda p: titles.get(p.show_id, "—"))
    rows = [{**g, "show": g["name"]} for g in sorted(groups, key=lambda g: g["name"].lower())]
    if rows:
        total = {
            "show": _("Total"),
            "performances": totals["performances"],
            "capacity": totals["capacity"],
            "tickets": totals["attendance_tickets"],
            "invitations": totals["attendance_invitations"],
            "revenue_cents": sum(r["revenue_cents"] for r in rows),
            "web_tickets": sum(r["web_tickets"] for r in rows),
            "fill": totals["fill"],
            "total": True,
        }
        total["online_share"] = ratio(total["web_tickets"], total["tickets"])
        rows.append(total)
    table = Table(
        "attendance",
        _("Attendance by show"),
        [
            Column("show", _("Show")),
            Column("performances", _("Performances"), "int"),
            Column("capacity", _("Capacity"), "int"),
            Column("tickets", _("Tickets sold"), "int"),
            Column("invitations", _("Invitations"), "int"),
            Column("fill", _("Fill rate"), "percent"),
            Column("online_share", _("Online share"), "percent"),
            Column("revenue_cents", _("Ticket revenue"), "money"),
        ],
        rows,
    )
    chart = [
        _bar(r["show"], r["fill"], cell_text(r["fill"], "percent"))
        for r in rows
        if not r.get("total")
    ]
    return Section(
        "attendance",
        _("Attendance figures"),
        [table],
        note=_(
            "Tickets sold and invitations of the performances that took place, cancelled "
            "performances apart; fill rate = (tickets + invitations) ÷ capacity."
        ),
        charts=[(_("Fill rate by show"), chart)] if chart else [],
    )


def _revenue(sales, totals) -> Section:
    tariffs = {
        t["id"]: t
        for t in Tariff.objects.filter(id__in={f["tariff_id"] for f in sales}).values(
            "id", "name", "kind"
        )
    }
    kinds = dict(Tariff.Kind.choices)
    by_tariff: dict[int, dict] = {}
    by_channel: dict[str, dict] = {}
    channels = channel_names()
    for f in sales:
        tariff = tariffs.get(f["tariff_id"], {})
        t = by_tariff.setdefault(
            f["tariff_id"],
            {
                "tariff": tariff.get("name", "—"),
                "kind": str(kinds.get(tariff.get("kind"), "")),
                "tickets": 0,
                "revenue_cents": 0,
            },
        )
        c = by_channel.setdefault(
            f["channel"],
            {"channel": channels.get(f["channel"], f["channel"]), "tickets": 0, "revenue_cents": 0},
        )
        for row in (t, c):
            row["tickets"] += f["tickets"] or 0
            row["revenue_cents"] += f["revenue_cents"] or 0
    revenue = totals["revenue_cents"]
    tariff_rows = sorted(by_tariff.values(), key=lambda r: -r["revenue_cents"])
    channel_rows = sorted(by_channel.values(), key=lambda r: -r["tickets"])
    for r in tariff_rows + channel_rows:
        r["average_cents"] = ratio(r["revenue_cents"], r["tickets"])
        r["share"] = ratio(r["revenue_cents"], revenue)
        r["ticket_share"] = ratio(r["tickets"], totals["tickets"])
    total = {
        "tariff": _("Total"),
        "channel": _("Total"),
        "tickets": totals["tickets"],
        "revenue_cents": revenue,
        "average_cents": ratio(revenue, totals["tickets"]),
        "share": 1.0 if revenue else None,
        "ticket_share": 1.0 if totals["tickets"] else None,
        "total": True,
    }
    tables = [
        Table(
            "tariffs",
            _("Tariffs"),
            [
                Column("tariff", _("Tariff")),
                Column("kind", _("Kind")),
                Column("tickets", _("Tickets"), "int"),
                Column("revenue_cents", _("Revenue incl. VAT"), "money"),
                Column("average_cents", _("Average price"), "money"),
                Column("share", _("Share of revenue"), "percent"),
            ],
            tariff_rows + ([total] if tariff_rows else []),
        ),
        Table(
            "channels",
            _("Channels"),
            [
                Column("channel", _("Channel")),
                Column("tickets", _("Tickets"), "int"),
                Column("ticket_share", _("Share of tickets"), "percent"),
                Column("revenue_cents", _("Revenue incl. VAT"), "money"),
                Column("average_cents", _("Average price"), "money"),
            ],
            channel_rows + ([total] if channel_rows else []),
        ),
    ]
    top = max((r["revenue_cents"] for r in tariff_rows), default=0)
    charts = []
    if top > 0:
        charts.append(
            (
                _("Revenue by tariff"),
                [
                    _bar(
                        r["tariff"],
                        r["revenue_cents"] / top,
                        cell_text(r["revenue_cents"], "money"),
                    )
                    for r in tariff_rows
                ],
            )
        )
    if channel_rows:
        charts.append(
            (
                _("Share of tickets by channel"),
                [
                    _bar(r["channel"], r["ticket_share"], cell_text(r["ticket_share"], "percent"))
                    for r in channel_rows
                ],
            )
        )
    return Section(
        "revenue",
        _("Revenue"),
        tables,
        note=_(
            "Net tickets (refunds and exchanges deducted) and ticket revenue including VAT, "
            "booking fees apart, invitations apart. Online share: %(share)s of the tickets."
        )
        % {"share": cell_text(totals["online_share"], "percent")},
        charts=charts,
    )


def _not_available(key: str, title: str, why: str) -> Section:
    return Section(key, title, [], note=why, available=False)


def _audience(season: str | None) -> Section:
    """The season's renewal, as analytics.audience counts it (its refreshed tables)."""
    title = _("Audience renewal")
    if not season:
        return _not_available("audience", title, _("Audience figures are given per season."))
    figures = audience.season_audience(season)
    rows = [
        {"label": _("Spectators"), "value": figures["spectators"], "kind": "int"},
        {"label": _("New spectators"), "value": figures["new"], "kind": "int"},
        {"label": _("Returning spectators"), "value": figures["returning"], "kind": "int"},
        {
            "label": _("New spectators who came back the next season"),
            "value": figures["renewal_rate"],
            "kind": "percent",
        },
        {
            "label": _("Seats per spectator"),
            "value": figures["seats_per_spectator"],
            "kind": "decimal",
        },
        {
            "label": _("Share of tickets with a known spectator"),
            "value": figures["identified_share"],
            "kind": "percent",
        },
    ]
    for r in rows:
        r["text"] = cell_text(r["value"], r["kind"])
    spectators = figures["spectators"]
    chart = []
    if spectators:
        for key, label in (("new", _("New spectators")), ("returning", _("Returning spectators"))):
            share = ratio(figures[key], spectators)
            chart.append(_bar(label, share, cell_text(share, "percent")))
    return Section(
        "audience",
        title,
        [
            Table(
                "audience",
                title,
                [Column("label", _("Figure")), Column("text", _("Value"))],
                rows,
            )
        ],
        charts=[(_("New and returning spectators"), chart)] if chart else [],
    )


def _geography(season: str | None) -> Section:
    title = _("Geography of the audience")
    if not season:
        return _not_available("geography", title, _("Audience figures are given per season."))
    rows = audience.geography(season)
    total = sum(r["spectators"] for r in rows)
    out = [
        {
            "code": r["department"],
            "name": r["name"],
            "region": r["region"],
            "spectators": r["spectators"],
            "share": ratio(r["spectators"], total),
        }
        for r in rows
    ]
    return Section(
        "geography",
        title,
        [
            Table(
                "geography",
                _("Spectators by département"),
                [
                    Column("code", _("Code")),
                    Column("name", _("Département")),
                    Column("region", _("Region")),
                    Column("spectators", _("Spectators"), "int"),
                    Column("share", _("Share"), "percent"),
                ],
                out,
            )
        ],
    )


def _indicators(season: str | None) -> Section:
    rows = []
    for indicator in indicators.all_indicators():
        if indicator.per_season and not season:
            continue
        try:
            value = indicator.measure(season or "")
        except Exception:
            value = None
        rows.append(
            {
                "label": str(indicator.label),
                "value": value,
                "kind": indicator.kind,
                "text": cell_text(value, indicator.kind),
                "per_season": indicator.per_season,
            }
        )
    note = "" if season else _("Per-season indicators are left out of a period report.")
    return Section(
        "indicators",
        _("Key indicators"),
        [
            Table(
                "indicators",
                _("Key indicators"),
                [Column("label", _("Indicator")), Column("text", _("Value"))],
                rows,
            )
        ],
        note=note,
    )


def _performance_list(perfs) -> Section:
    titles = dict(Show.objects.filter(id__in={p.show_id for p in perfs}).values_list("id", "title"))
    rows = [
        {
            "starts_at": p.starts_at,
            "show": titles.get(p.show_id, "—"),
            "capacity": p.capacity,
            "tickets": p.tickets,
            "invitations": p.invitations,
            "fill": ratio(p.tickets + p.invitations, p.capacity),
            "revenue_cents": p.revenue_cents,
        }
        for p in perfs
    ]
    return Section(
        "performances",
        _("Performances"),
        [
            Table(
                "performances",
                _("Performances"),
                [
                    Column("starts_at", _("Date"), "datetime"),
                    Column("show", _("Show")),
                    Column("capacity", _("Capacity"), "int"),
                    Column("tickets", _("Tickets sold"), "int"),
                    Column("invitations", _("Invitations"), "int"),
                    Column("fill", _("Fill rate"), "percent"),
                    Column("revenue_cents", _("Ticket revenue"), "money"),
                ],
                rows,
            )
        ],
    )


def today() -> date:
    return timezone.localdate()
