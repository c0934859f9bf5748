"""The sales dashboard as tables (each chart draws one of them; each can be exported as
CSV or XLSX): assembled from analytics.selectors, with the labels the page shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ticketing.models.orders import InvitationReason

from . import selectors
from .models import Movement
from .services import CURVE_DAYS, CURVE_PERFORMANCES


@dataclass
class Column:
    key: str
    label: str
    kind: str = "text"  # text, int, money, percent, date, decimal


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[dict]
    chart: dict | None = None  # {"type", "x", "series": [(column key, label, axis)]}
    note: str = ""
    # Rows may carry "link" (the list behind the row, on its first cell).


@dataclass
class Dashboard:
    season: str
    seasons: list[str]
    kpis: list[dict]
    tables: dict[str, Table] = field(default_factory=dict)
    freshness_s: float = 0.0
    freshness_at: datetime | None = None  # figures recomputed periodically: when
    lead_performance: str = ""
    j14_below: int | None = None
    method_note: str = ""

    def table(self, key: str) -> Table | None:
        return self.tables.get(key)


@lru_cache(maxsize=8)
def _path(name: str) -> str:
    # The same for every venue (one URL configuration); a page names hundreds of links.
    return reverse(name)


def _orders_url(**params) -> str:
    return _path("ticketing:order_list") + "?" + urlencode(params)


def _page(season: str, **params) -> str:
    return _path("analytics:sales") + "?" + urlencode({"season": season, **params})


def build(
    *, season: str | None = None, performance_id: int | None = None, j14_below: int | None = None
) -> Dashboard:
    today = timezone.localdate()
    overview = selectors.seasons_overview()
    season = season or selectors.default_season(overview)
    curve = selectors.typical_curve()
    perfs = selectors.season_performances(season, curve=curve, today=today)
    breakdown = selectors.season_breakdown(season)
    sales, invites = breakdown["sales"], breakdown["invitations"]
    this = next((s for s in overview if s["season"] == season), None) or {}
    board = Dashboard(
        season=season,
        seasons=sorted({s["season"] for s in overview} | {season}, reverse=True),
        kpis=[],
        freshness_s=selectors.pending_events_age(),
        j14_below=j14_below,
    )
    board.tables["seasons"] = _seasons_table(overview)
    days = dict(sales.get("day", {}))
    board.tables["weeks"] = _weeks_table(days)
    board.tables["days"] = _days_table(days)
    board.tables["online"] = _online_table(sales.get("month", {}))
    board.tables["channels"] = _channels_table(sales.get("channel", {}))
    board.tables["tariffs"] = _tariffs_table(sales.get("tariff", {}))
    board.tables["promo"] = _promo_table(sales.get("promo", {}))
    board.tables["movements"] = _movements_table(sales.get("movement", {}), season)
    board.tables["fees"] = _fees_table(sales.get("movement", {}))
    board.tables["performances"] = _performances_table(perfs, j14_below, season)
    board.tables["forecasts"] = _forecast_table(perfs, season)
    for key, title, group in (
        ("shows", _("Fill rate by show"), lambda r: r.show),
        ("genres", _("Fill rate by genre"), lambda r: r.genres or [""]),
        ("halls", _("Fill rate by hall"), lambda r: r.hall),
    ):
        board.tables[key] = _fill_table(key, title, selectors.group_fill(perfs, group))
    lead_id = performance_id or _default_lead(perfs)
    if lead_id:
        board.lead_performance = selectors.performance_label(lead_id)
        row = next((r for r in perfs if r.performance_id == lead_id), None)
        board.tables["lead"] = _lead_table(lead_id, row, curve)
    board.tables["invitations"] = _invitations_table(selectors.invitations_by_reason(season))
    invitations = sum(v["tickets"] for v in invites.get("movement", {}).values())
    under = [r for r in perfs if r.fill_at_checkpoint is not None and r.fill_at_checkpoint < 0.5]
    board.kpis = _kpis(this, invitations, len(under), season)
    board.method_note = _(
        "Forecast of the final sales: what is sold now divided by the share of its final "
        "sales a typical performance of the venue had sold as many days before (the median "
        "over its last %(n)s past performances), never above capacity. No forecast while "
        "that typical share is under 5 %%."
    ) % {"n": CURVE_PERFORMANCES}
    return board


def _default_lead(perfs) -> int | None:
    upcoming = [r for r in perfs if r.days_left is not None and r.tickets]
    if upcoming:
        return upcoming[0].performance_id
    past = [r for r in perfs if r.tickets]
    return past[-1].performance_id if past else None


def _kpis(s: dict, invitations: int, under: int, season: str) -> list[dict]:
    def kpi(key, label, value, kind, url=""):
        return {"key": key, "label": label, "value": value, "kind": kind, "url": url}

    return [
        kpi("tickets", _("Tickets sold"), s.get("tickets", 0), "int", "#performances"),
        kpi("revenue", _("Ticket revenue"), s.get("revenue_cents", 0), "money", "#tariffs"),
        kpi("fill", _("Fill rate"), s.get("fill"), "percent", "#performances"),
        kpi("online_share", _("Online share"), s.get("online_share"), "percent", "#channels"),
        kpi("basket_seats", _("Seats per order"), s.get("basket_seats"), "decimal", "#channels"),
        kpi("basket", _("Amount per order"), s.get("basket_cents"), "money", "#channels"),
        kpi("invitations", _("Invitations"), invitations, "int", "#invitations"),
        kpi(
            "refunded",
            _("Tickets refunded"),
            s.get("refunded", 0),
            "int",
            _orders_url(status="refunded"),
        ),
        kpi(
            "under_j14",
            _("Under %(n)s %% at J−14") % {"n": 50},
            under,
            "int",
            _page(season, j14_below=50) + "#performances",
        ),
    ]


def _seasons_table(overview) -> Table:
    rows = [
        {
            "season": s["season"],
            "performances": s["performances"],
            "tickets": s["tickets"],
            "revenue": s["revenue_cents"],
            "fill": s["fill"],
            "online_share": s["online_share"],
            "basket_seats": s["basket_seats"],
            "basket": s["basket_cents"],
            "invitations": s["invitations"],
            "refunded": s["refunded"],
            "link": _page(s["season"]),
        }
        for s in overview
    ]
    return Table(
        "seasons",
        _("Seasons: tickets and online share"),
        [
            Column("season", _("Season")),
            Column("performances", _("Performances"), "int"),
            Column("tickets", _("Tickets"), "int"),
            Column("revenue", _("Ticket revenue"), "money"),
            Column("fill", _("Fill rate"), "percent"),
            Column("online_share", _("Online share"), "percent"),
            Column("basket_seats", _("Seats per order"), "decimal"),
            Column("basket", _("Amount per order"), "money"),
            Column("invitations", _("Invitations"), "int"),
            Column("refunded", _("Refunded"), "int"),
        ],
        rows,
        chart={
            "type": "bar",
            "x": "season",
            "series": [("tickets", _("Tickets"), "y"), ("online_share", _("Online share"), "p")],
        },
    )


def _sales_columns(first: Column) -> list[Column]:
    return [
        first,
        Column("tickets", _("Tickets (net)"), "int"),
        Column("orders", _("Orders"), "int"),
        Column("revenue", _("Ticket revenue"), "money"),
    ]


def _weeks_table(days) -> Table:
    rows = [
        {
            "week": w["week"],
            "tickets": w["tickets"],
            "orders": w["orders"],
            "revenue": w["revenue_cents"],
        }
        for w in selectors.weeks_of(days)
    ]
    return Table(
        "weeks",
        _("Sales by week"),
        _sales_columns(Column("week", _("Week of"), "date")),
        rows,
        chart={
            "type": "bar",
            "x": "week",
            "series": [("tickets", _("Tickets (net)"), "y"), ("revenue", _("Revenue"), "m")],
        },
        note=_("By the day the order was paid; refunds and exchanges on the day they happened."),
    )


def _days_table(days) -> Table:
    rows = [
        {
            "day": d,
            "tickets": v["tickets"],
            "orders": v["orders"],
            "revenue": v["revenue_cents"],
            "link": reverse("ticketing:statement_day", args=[d.isoformat()]),
        }
        for d, v in sorted(days.items())
    ]
    return Table("days", _("Sales by day"), _sales_columns(Column("day", _("Day"), "date")), rows)


def _online_table(months) -> Table:
    by_month: dict[date, dict] = {}
    for (month, channel), v in months.items():
        m = by_month.setdefault(month, {"month": month, "tickets": 0, "web": 0})
        m["tickets"] += v["tickets"]
        if channel == "web":
            m["web"] += v["tickets"]
    rows = []
    for month in sorted(by_month):
        m = by_month[month]
        rows.append({**m, "share": selectors.ratio(m["web"], m["tickets"])})
    return Table(
        "online",
        _("Online share by month"),
        [
            Column("month", _("Month"), "month"),
            Column("tickets", _("Tickets (net)"), "int"),
            Column("web", _("Sold online"), "int"),
            Column("share", _("Online share"), "percent"),
        ],
        rows,
        chart={"type": "line", "x": "month", "series": [("share", _("Online share"), "p")]},
    )


def _channels_table(channels) -> Table:
    names = selectors.channel_names()
    total = sum(v["tickets"] for v in channels.values())
    rows = [
        {
            "channel": names.get(c, c),
            "code": c,
            "tickets": v["tickets"],
            "share": selectors.ratio(v["tickets"], total),
            "orders": v["orders"],
            "revenue": v["revenue_cents"],
            "basket_seats": selectors.ratio(v["tickets"], v["orders"]),
            "basket": selectors.ratio(v["revenue_cents"] + v["fee_cents"], v["orders"]),
        }
        for c, v in sorted(channels.items(), key=lambda kv: -kv[1]["tickets"])
    ]
    return Table(
        "channels",
        _("Channel mix and average basket"),
        [
            Column("channel", _("Channel")),
            Column("tickets", _("Tickets (net)"), "int"),
            Column("share", _("Share"), "percent"),
            Column("orders", _("Orders"), "int"),
            Column("revenue", _("Ticket revenue"), "money"),
            Column("basket_seats", _("Seats per order"), "decimal"),
            Column("basket", _("Amount per order"), "money"),
        ],
        rows,
        chart={"type": "doughnut", "x": "channel", "series": [("tickets", _("Tickets"), "y")]},
        note=_("Amount per order: ticket prices and the fees the buyers paid."),
    )


def _tariffs_table(tariffs) -> Table:
    names = selectors.tariff_names(tariffs)
    rows = [
        {
            "tariff": names.get(t, f"#{t}"),
            "tickets": v["tickets"],
            "revenue": v["revenue_cents"],
            "average": selectors.ratio(v["revenue_cents"], v["tickets"]),
        }
        for t, v in sorted(tariffs.items(), key=lambda kv: -kv[1]["tickets"])
    ]
    return Table(
        "tariffs",
        _("Tariffs used"),
        [
            Column("tariff", _("Tariff")),
            Column("tickets", _("Tickets (net)"), "int"),
            Column("revenue", _("Ticket revenue"), "money"),
            Column("average", _("Average price"), "money"),
        ],
        rows,
    )


def _promo_table(promos) -> Table:
    rows = [
        {
            "code": code,
            "orders": v["orders"],
            "tickets": v["tickets"],
            "revenue": v["revenue_cents"],
        }
        for code, v in sorted(promos.items(), key=lambda kv: -kv[1]["tickets"])
        if code
    ]
    return Table(
        "promo",
        _("Promo codes used"),
        [
            Column("code", _("Code")),
            Column("orders", _("Orders"), "int"),
            Column("tickets", _("Tickets (net)"), "int"),
            Column("revenue", _("Ticket revenue"), "money"),
        ],
        rows,
    )


def _movements_table(movements, season: str) -> Table:
    labels = {k: str(v) for k, v in Movement.choices}
    urls = {
        Movement.REFUND: _orders_url(status="refunded"),
        Movement.SALE: "#weeks",
    }
    rows = [
        {
            "movement": labels[m],
            "tickets": abs(movements.get(m, {}).get("tickets", 0)),
            "revenue": abs(movements.get(m, {}).get("revenue_cents", 0)),
            **({"link": urls[m]} if m in urls else {}),
        }
        for m in Movement.values
    ]
    return Table(
        "movements",
        _("Sales, refunds and exchanges"),
        [
            Column("movement", _("Movement")),
            Column("tickets", _("Tickets"), "int"),
            Column("revenue", _("Ticket value"), "money"),
        ],
        rows,
        note=_("Invitations are counted apart and never in revenue."),
    )


def _invitations_table(by_reason: dict[str, int]) -> Table:
    labels = {k: str(v) for k, v in InvitationReason.choices}
    rows = [
        {"reason": labels.get(reason, reason or "—"), "tickets": n}
        for reason, n in sorted(by_reason.items(), key=lambda kv: -kv[1])
        if n
    ]
    return Table(
        "invitations",
        _("Invitations by reason"),
        [Column("reason", _("Reason")), Column("tickets", _("Tickets (net)"), "int")],
        rows,
        note=_("Invitations are counted apart and never in revenue."),
    )


def _fees_table(movements) -> Table:
    spectators = sum(v["fee_cents"] for v in movements.values())
    venue = sum(v["venue_fee_cents"] for v in movements.values())
    return Table(
        "fees",
        _("Booking fees and who bore them"),
        [Column("bearer", _("Borne by")), Column("amount", _("Amount"), "money")],
        [
            {"bearer": _("Spectators (on top of the price)"), "amount": spectators},
            {"bearer": _("The venue (off its revenue)"), "amount": venue},
            {"bearer": _("Total fees"), "amount": spectators + venue},
        ],
    )


def _performances_table(perfs, j14_below: int | None, season: str) -> Table:
    rows = []
    for r in perfs:
        if j14_below is not None and not (
            r.fill_at_checkpoint is not None and r.fill_at_checkpoint * 100 < j14_below
        ):
            continue
        rows.append(
            {
                "show": r.show,
                "starts_at": r.starts_at,
                "hall": r.hall,
                "capacity": r.capacity,
                "tickets": r.tickets,
                "invitations": r.invitations,
                "fill": r.fill,
                "online_share": r.online_share,
                "fill_j14": r.fill_at_checkpoint,
                "revenue": r.revenue_cents,
                "link": reverse("ticketing:statement_performance", args=[r.performance_id]),
                "orders_link": _orders_url(performance=r.performance_id),
                "curve_link": _page(season, performance=r.performance_id) + "#lead",
            }
        )
    return Table(
        "performances",
        _("Performances: fill rate and online share"),
        [
            Column("show", _("Show")),
            Column("starts_at", _("Date"), "datetime"),
            Column("hall", _("Hall")),
            Column("capacity", _("Capacity"), "int"),
            Column("tickets", _("Tickets (net)"), "int"),
            Column("invitations", _("Invitations"), "int"),
            Column("fill", _("Fill rate"), "percent"),
            Column("online_share", _("Online share"), "percent"),
            Column("fill_j14", _("Fill at J−14"), "percent"),
            Column("revenue", _("Ticket revenue"), "money"),
        ],
        rows,
        note=_("Fill rate: tickets and invitations over capacity."),
    )


def _forecast_table(perfs, season: str) -> Table:
    rows = [
        {
            "show": r.show,
            "starts_at": r.starts_at,
            "days_left": r.days_left,
            "tickets": r.tickets,
            "capacity": r.capacity,
            "fill": selectors.ratio(r.tickets, r.capacity),
            "forecast": r.forecast,
            "forecast_fill": r.forecast_fill,
            "link": _page(season, performance=r.performance_id) + "#lead",
        }
        for r in perfs
        if r.days_left is not None
    ]
    return Table(
        "forecasts",
        _("Upcoming performances: forecast of the final sales"),
        [
            Column("show", _("Show")),
            Column("starts_at", _("Date"), "datetime"),
            Column("days_left", _("Days left"), "int"),
            Column("tickets", _("Sold now"), "int"),
            Column("capacity", _("Capacity"), "int"),
            Column("fill", _("Fill now"), "percent"),
            Column("forecast", _("Forecast"), "int"),
            Column("forecast_fill", _("Forecast fill"), "percent"),
        ],
        rows,
    )


def _fill_table(key: str, title: str, groups) -> Table:
    rows = [
        {
            "name": g["name"],
            "performances": g["performances"],
            "tickets": g["tickets"],
            "capacity": g["capacity"],
            "fill": g["fill"],
            "online_share": g["online_share"],
        }
        for g in groups
    ]
    return Table(
        key,
        title,
        [
            Column("name", _("Name")),
            Column("performances", _("Performances"), "int"),
            Column("tickets", _("Tickets (net)"), "int"),
            Column("capacity", _("Capacity"), "int"),
            Column("fill", _("Fill rate"), "percent"),
            Column("online_share", _("Online share"), "percent"),
        ],
        rows,
        chart={"type": "hbar", "x": "name", "series": [("fill", _("Fill rate"), "p")]}
        if key == "shows"
        else None,
    )


def _lead_table(performance_id: int, row, curve: dict[int, float]) -> Table:
    sold = selectors.lead_curve(performance_id)
    final = row.tickets if row else sold.get(0, 0)
    if row is not None and row.days_left is not None:
        # Upcoming: the typical curve scaled to the forecast; sales known up to today.
        target = row.forecast
        known = {x: n for x, n in sold.items() if x >= row.days_left}
    else:
        target, known = final, sold
    rows = []
    for x in range(CURVE_DAYS, -1, -1):
        share = curve.get(x)
        rows.append(
            {
                "days": f"J−{x}",
                "sold": known.get(x),
                "sold_share": selectors.ratio(known[x], target) if x in known and target else None,
                "typical_share": share,
                "typical": round(share * target) if share is not None and target else None,
            }
        )
    return Table(
        "lead",
        _("Sales curve (J−x) against the venue's typical curve"),
        [
            Column("days", _("Days before")),
            Column("sold", _("Sold by then"), "int"),
            Column("sold_share", _("Share of final sales"), "percent"),
            Column("typical", _("Typical curve"), "int"),
            Column("typical_share", _("Typical share"), "percent"),
        ],
        rows,
        chart={
            "type": "line",
            "x": "days",
            "series": [("sold", _("This performance"), "y"), ("typical", _("Typical curve"), "y")],
        },
    )
