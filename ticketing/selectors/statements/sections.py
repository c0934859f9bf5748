"""The sections of a receipts statement: the shapes (Statement, Section, Column) and one
builder per section, each from the rows the statement read (ticketing.selectors.statements).
How each figure is counted: that package's doc and docs/statements.md."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Sum
from django.utils.translation import gettext as _

from ticketing.models import Payment, Performance, PerformanceSeat, PerformanceZone
from ticketing.models.orders import Channel, InvitationReason


def _round_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up (amounts are never negative here)."""
    return (2 * numerator + denominator) // (2 * denominator)


def vat_of(gross_cents: int, rate_bp: int) -> int:
    """The VAT included in `gross_cents` at `rate_bp` (550 = 5.5 %)."""
    if gross_cents <= 0 or rate_bp <= 0:
        return 0
    return _round_div(gross_cents * rate_bp, 10000 + rate_bp)


@dataclass
class Column:
    key: str
    label: str
    kind: str = "text"  # text, int, money, rate


@dataclass
class Section:
    key: str
    title: str
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)
    total: dict | None = None
    note: str = ""


@dataclass
class Statement:
    kind: str  # "day" or "performance"
    title: str
    subtitle: str
    currency: str
    sections: list[Section]
    totals: dict[str, int]  # the headline figures (see _totals)
    generated_at: datetime | None = None

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)


def _capacity(performance_ids: list[int]) -> int:
    seats = PerformanceSeat.objects.filter(performance_id__in=performance_ids).exclude(
        status="blocked"
    )
    zones = PerformanceZone.objects.filter(performance_id__in=performance_ids).aggregate(
        n=Sum("capacity", default=0)
    )
    return seats.count() + zones["n"]


# --- Sections --------------------------------------------------------------------------


def money_columns(*pairs) -> list[Column]:
    return [Column(key, label, "money") for key, label in pairs]


def tickets_section(rows: list[dict]) -> Section:
    groups: dict[tuple, dict] = {}
    for r in rows:
        key = (r["category_name"] or "—", r["tariff_name"])
        g = groups.setdefault(
            key,
            {
                "category": key[0],
                "tariff": key[1],
                "count": 0,
                "price": 0,
                "fee": 0,
                "venue_fee": 0,
            },
        )
        g["count"] += 1
        g["price"] += r["price_cents"]
        g["fee"] += r["fee_cents"]
        g["venue_fee"] += r["venue_fee_cents"]
    body = [groups[k] for k in sorted(groups)]
    return Section(
        "tickets",
        _("Tickets by category and tariff"),
        [
            Column("category", _("Category")),
            Column("tariff", _("Tariff")),
            Column("count", _("Tickets"), "int"),
            *money_columns(
                ("price", _("Ticket revenue")),
                ("fee", _("Fees paid by spectators")),
                ("venue_fee", _("Fees borne by the venue")),
            ),
        ],
        body,
        {
            "category": _("Total"),
            "tariff": "",
            **{k: sum(g[k] for g in body) for k in ("count", "price", "fee", "venue_fee")},
        },
    )


def fees_section(rows: list[dict]) -> Section:
    spectators = sum(r["fee_cents"] for r in rows)
    venue = sum(r["venue_fee_cents"] for r in rows)
    body = [
        {"bearer": _("Spectators (on top of the price)"), "amount": spectators},
        {"bearer": _("The venue (off its revenue)"), "amount": venue},
    ]
    return Section(
        "fees",
        _("Booking fees and who bore them"),
        [Column("bearer", _("Borne by")), Column("amount", _("Amount"), "money")],
        body,
        {"bearer": _("Total fees"), "amount": spectators + venue},
    )


def vat_section(rows: list[dict], extras: list[dict]) -> Section:
    by_rate: dict[int, dict] = defaultdict(lambda: {"tickets": 0, "extras": 0})
    for r in rows:
        by_rate[r["tax_rate_bp"]]["tickets"] += r["price_cents"]
    for e in extras:
        by_rate[e["tax_rate_bp"]]["extras"] += e["amount"]
    body = []
    for rate in sorted(by_rate):
        gross = by_rate[rate]["tickets"] + by_rate[rate]["extras"]
        vat = vat_of(gross, rate)
        body.append(
            {
                "rate": rate,
                "tickets": by_rate[rate]["tickets"],
                "extras": by_rate[rate]["extras"],
                "gross": gross,
                "net": gross - vat,
                "vat": vat,
            }
        )
    cols = ("tickets", "extras", "gross", "net", "vat")
    return Section(
        "vat",
        _("VAT by rate (included in prices)"),
        [
            Column("rate", _("Rate"), "rate"),
            *money_columns(
                ("tickets", _("Tickets")),
                ("extras", _("Extras")),
                ("gross", _("Incl. VAT")),
                ("net", _("Excl. VAT")),
                ("vat", _("VAT")),
            ),
        ],
        body,
        {"rate": "", **{k: sum(b[k] for b in body) for k in cols}},
        note=_("Booking fees are not included in the VAT base."),
    )


def show_tax_section(rows: list[dict]) -> Section:
    shows: dict[int, dict] = {}
    for r in rows:
        s = shows.setdefault(
            r["show_id"], {"show": r["show_title"], "rate": r["show_tax_bp"], "by_vat": {}}
        )
        s["by_vat"][r["tax_rate_bp"]] = s["by_vat"].get(r["tax_rate_bp"], 0) + r["price_cents"]
    body = []
    for s in sorted(shows.values(), key=lambda s: s["show"]):
        base = sum(gross - vat_of(gross, rate) for rate, gross in s["by_vat"].items())
        tax = _round_div(base * s["rate"], 10000) if s["rate"] else 0
        body.append({"show": s["show"], "rate": s["rate"], "base": base, "tax": tax})
    return Section(
        "show_tax",
        _("Show tax on ticket revenue"),
        [
            Column("show", _("Show")),
            Column("rate", _("Rate"), "rate"),
            Column("base", _("Ticket revenue excl. VAT"), "money"),
            Column("tax", _("Show tax"), "money"),
        ],
        body,
        {
            "show": _("Total"),
            "rate": "",
            "base": sum(b["base"] for b in body),
            "tax": sum(b["tax"] for b in body),
        },
        note=_("Rate 0: the show is not subject to the tax (set on the show)."),
    )


def channels_section(rows: list[dict], payments: list[dict]) -> Section:
    labels = dict(Channel.choices)
    body = []
    for channel in Channel.values:
        tickets = [r for r in rows if r["channel"] == channel]
        paid = [p for p in payments if p["channel"] == channel]
        body.append(
            {
                "channel": str(labels[channel]),
                "tickets": len(tickets),
                "revenue": sum(r["price_cents"] for r in tickets),
                "fees": sum(r["fee_cents"] for r in tickets),
                "payments": sum(p["amount_cents"] for p in paid),
            }
        )
    keys = ("tickets", "revenue", "fees", "payments")
    return Section(
        "channels",
        _("By channel"),
        [
            Column("channel", _("Channel")),
            Column("tickets", _("Tickets"), "int"),
            *money_columns(
                ("revenue", _("Ticket revenue")),
                ("fees", _("Fees paid by spectators")),
                ("payments", _("Payments (net of refunds)")),
            ),
        ],
        body,
        {"channel": _("Total"), **{k: sum(b[k] for b in body) for k in keys}},
    )


def payments_section(payments: list[dict]) -> Section:
    labels = dict(Payment.Method.choices)
    by_method: dict[str, dict] = {}
    for p in payments:
        m = by_method.setdefault(
            p["method"],
            {
                "method": str(labels.get(p["method"], p["method"])),
                "count": 0,
                "received": 0,
                "refunded": 0,
            },
        )
        if p["amount_cents"] >= 0:
            m["count"] += 1
            m["received"] += p["amount_cents"]
        else:
            m["refunded"] -= p["amount_cents"]
    body = sorted(by_method.values(), key=lambda m: m["method"])
    for m in body:
        m["net"] = m["received"] - m["refunded"]
    keys = ("count", "received", "refunded", "net")
    return Section(
        "payments",
        _("Payments by method"),
        [
            Column("method", _("Method")),
            Column("count", _("Payments"), "int"),
            *money_columns(
                ("received", _("Received")), ("refunded", _("Refunded")), ("net", _("Net"))
            ),
        ],
        body,
        {"method": _("Total"), **{k: sum(b[k] for b in body) for k in keys}},
        note=_("Cash is what the drawer kept: the change given back is not counted."),
    )


def refunds_section(refunded: list[dict], payments: list[dict]) -> Section:
    refunds = [p for p in payments if p["amount_cents"] < 0]
    return Section(
        "refunds",
        _("Refunds"),
        [
            Column("what", _("What")),
            Column("count", _("Number"), "int"),
            Column("amount", _("Amount"), "money"),
        ],
        [
            {
                "what": _("Tickets refunded (their price)"),
                "count": len(refunded),
                "amount": sum(r["price_cents"] for r in refunded),
            },
            {
                "what": _("Refund payments"),
                "count": len(refunds),
                "amount": -sum(p["amount_cents"] for p in refunds),
            },
        ],
    )


def invitations_section(rows: list[dict]) -> Section:
    labels = dict(InvitationReason.choices)
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r["invitation"]] += 1
    body = [
        {"reason": str(labels.get(reason, reason)), "count": n}
        for reason, n in sorted(counts.items())
    ]
    return Section(
        "invitations",
        _("Invitations (counted apart, never in revenue)"),
        [Column("reason", _("Reason")), Column("count", _("Tickets"), "int")],
        body,
        {"reason": _("Total"), "count": sum(counts.values())},
    )


def exchanges_section(out: list[dict], came_in: list[dict]) -> Section:
    return Section(
        "exchanges",
        _("Exchanges"),
        [
            Column("what", _("What")),
            Column("count", _("Tickets"), "int"),
            Column("amount", _("Ticket value"), "money"),
        ],
        [
            {
                "what": _("Exchanged for another performance"),
                "count": len(out),
                "amount": sum(r["price_cents"] for r in out),
            },
            {
                "what": _("Received from an exchange"),
                "count": len(came_in),
                "amount": sum(r["price_cents"] for r in came_in),
            },
        ],
    )


def local_time(moment: datetime, tz: str) -> str:
    return f"{moment.astimezone(ZoneInfo(tz)):%d/%m/%Y %H:%M}"


def attendance_section(performances: list[Performance], rows: list[dict], tz: str) -> Section:
    body = []
    for performance in performances:
        issued = [r for r in rows if r["performance_id"] == performance.pk]
        when = local_time(performance.starts_at, tz)
        body.append(
            {
                "performance": f"{performance.show.title} · {when}",
                "scanned": sum(1 for r in issued if r["checked_in_at"]),
                "sold": sum(1 for r in issued if not r["invitation"]),
                "invitations": sum(1 for r in issued if r["invitation"]),
                "capacity": _capacity([performance.pk]),
            }
        )
    keys = ("scanned", "sold", "invitations", "capacity")
    return Section(
        "attendance",
        _("Attendance"),
        [
            Column("performance", _("Performance")),
            Column("scanned", _("Scanned"), "int"),
            Column("sold", _("Sold"), "int"),
            Column("invitations", _("Invitations"), "int"),
            Column("capacity", _("Capacity"), "int"),
        ],
        body,
        {"performance": _("Total"), **{k: sum(b[k] for b in body) for k in keys}},
    )
