"""Receipts statements ("bordereau de recette"): the one computation of a day's or a
performance's figures. The screen, the CSV and the PDF (ticketing/statements/) render the
`Statement` this returns, section by section, and nothing else.

What is counted (docs/statements.md says the same for the venues):
- A performance's statement is "as of now": its valid tickets of paid orders (exchanged-in
  ones included), by category and tariff and by channel; the refunded tickets and refund
  payments; tickets exchanged away or in; invitations (orders with `invitation_reason`)
  counted apart and never in revenue; payments of the orders sold for it (an order belongs
  to the performance of its first ticket); attendance (scanned / issued / capacity).
- A day's statement is the till's view of that day in the venue's time zone: the tickets
  of orders paid that day as they were sold (tickets written by a later exchange left
  out), the payments received and refunds paid that day, the invitations issued, the
  exchanges made, the attendance of that day's performances and the cash sessions opened.
- Booking fees: what spectators paid on top of the price (Ticket.fee_cents) and what the
  venue bore (Ticket.venue_fee_cents, off its revenue). Fees stay out of the VAT and show
  tax bases (they pay for the ticketing service, not for the show).
- VAT is included in prices: per rate, VAT = gross × rate / (1 + rate), rounded half up to
  the cent once per rate; tickets and extras alike.
- Show tax ("taxe sur les spectacles", 3.5 % for variety shows and theatre through the
  ASTP): per show subject to it (Show.show_tax_rate_bp), rate × ticket revenue excluding
  VAT (computed per VAT rate, then summed), rounded half up once per show.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from ticketing.models import (
    CashSession,
    Order,
    OrderExtra,
    Payment,
    Performance,
    PerformanceSeat,
    PerformanceZone,
    Ticket,
)
from ticketing.models.orders import Channel, InvitationReason

PAID_STATUSES = (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED, Order.Status.REFUNDED)


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


# --- Reading rows ------------------------------------------------------------------------


def _ticket_rows(tickets) -> list[dict]:
    seat_category = PerformanceSeat.objects.filter(
        performance_id=OuterRef("performance_id"), seat_id=OuterRef("seat_id")
    ).values("category__name")[:1]
    return list(
        tickets.annotate(
            category_name=Coalesce(Subquery(seat_category), F("performance_zone__category__name")),
            exchanged_in=Exists(Ticket.objects.filter(exchanged_to=OuterRef("pk"))),
        ).values(
            "id",
            "order_id",
            "performance_id",
            "status",
            "price_cents",
            "fee_cents",
            "venue_fee_cents",
            "tax_rate_bp",
            "checked_in_at",
            "revoked_at",
            "exchanged_to_id",
            "exchanged_in",
            "category_name",
            tariff_name=F("tariff__name"),
            channel=F("order__channel"),
            order_status=F("order__status"),
            invitation=F("order__invitation_reason"),
            show_id=F("performance__show_id"),
            show_title=F("performance__show__title"),
            show_tax_bp=F("performance__show__show_tax_rate_bp"),
        )
    )


def _capacity(performance_ids: list[int]) -> int:
    seats = PerformanceSeat.objects.filter(performance_id__in=performance_ids).exclude(
        status="blocked"
    )
    zones = PerformanceZone.objects.filter(performance_id__in=performance_ids).aggregate(
        n=Sum("capacity", default=0)
    )
    return seats.count() + zones["n"]


# --- Sections --------------------------------------------------------------------------


def _money_cols(*pairs) -> list[Column]:
    return [Column(key, label, "money") for key, label in pairs]


def _tickets_section(rows: list[dict]) -> Section:
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
            *_money_cols(
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


def _fees_section(rows: list[dict]) -> Section:
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


def _vat_section(rows: list[dict], extras: list[dict]) -> Section:
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
            *_money_cols(
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


def _show_tax_section(rows: list[dict]) -> Section:
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


def _channels_section(rows: list[dict], payments: list[dict]) -> Section:
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
            *_money_cols(
                ("revenue", _("Ticket revenue")),
                ("fees", _("Fees paid by spectators")),
                ("payments", _("Payments (net of refunds)")),
            ),
        ],
        body,
        {"channel": _("Total"), **{k: sum(b[k] for b in body) for k in keys}},
    )


def _payments_section(payments: list[dict]) -> Section:
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
            *_money_cols(
                ("received", _("Received")), ("refunded", _("Refunded")), ("net", _("Net"))
            ),
        ],
        body,
        {"method": _("Total"), **{k: sum(b[k] for b in body) for k in keys}},
        note=_("Cash is what the drawer kept: the change given back is not counted."),
    )


def _refunds_section(refunded: list[dict], payments: list[dict]) -> Section:
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


def _invitations_section(rows: list[dict]) -> Section:
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


def _exchanges_section(out: list[dict], came_in: list[dict]) -> Section:
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


def _attendance_section(performances: list[Performance], rows: list[dict]) -> Section:
    body = []
    for performance in performances:
        issued = [r for r in rows if r["performance_id"] == performance.pk]
        body.append(
            {
                "performance": f"{performance.show.title} · {performance.starts_at:%d/%m/%Y %H:%M}",
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


def _extras_rows(order_ids) -> list[dict]:
    return [
        {"tax_rate_bp": e["tax_rate_bp"], "amount": e["unit_price_cents"] * e["quantity"]}
        for e in OrderExtra.objects.filter(
            order_id__in=order_ids, status=OrderExtra.Status.VALID
        ).values("tax_rate_bp", "unit_price_cents", "quantity")
    ]


def _payment_rows(payments) -> list[dict]:
    return list(
        payments.filter(status=Payment.Status.SUCCEEDED).values(
            "id", "order_id", "method", "amount_cents", channel=F("order__channel")
        )
    )


def _totals(sold, payments, extras, sections) -> dict[str, int]:
    vat = sections["vat"].total
    return {
        "tickets": len(sold),
        "ticket_revenue_cents": sum(r["price_cents"] for r in sold),
        "fees_spectators_cents": sum(r["fee_cents"] for r in sold),
        "fees_venue_cents": sum(r["venue_fee_cents"] for r in sold),
        "extras_cents": sum(e["amount"] for e in extras),
        "vat_cents": vat["vat"] if vat else 0,
        "show_tax_cents": sections["show_tax"].total["tax"],
        "payments_received_cents": sum(
            p["amount_cents"] for p in payments if p["amount_cents"] > 0
        ),
        "refunds_cents": -sum(p["amount_cents"] for p in payments if p["amount_cents"] < 0),
        "payments_net_cents": sum(p["amount_cents"] for p in payments),
    }


def _build(
    kind,
    title,
    subtitle,
    currency,
    sold,
    invites,
    refunded,
    out,
    came_in,
    payments,
    extras,
    performances,
    attendance_rows,
    extra_sections=(),
) -> Statement:
    sections = {
        "tickets": _tickets_section(sold),
        "channels": _channels_section(sold, payments),
        "payments": _payments_section(payments),
        "fees": _fees_section(sold),
        "vat": _vat_section(sold, extras),
        "show_tax": _show_tax_section(sold),
        "refunds": _refunds_section(refunded, payments),
        "invitations": _invitations_section(invites),
        "exchanges": _exchanges_section(out, came_in),
        "attendance": _attendance_section(performances, attendance_rows),
    }
    totals = _totals(sold, payments, extras, sections)
    return Statement(kind, title, subtitle, currency, [*sections.values(), *extra_sections], totals)


# --- Statements ------------------------------------------------------------------------


def performance_statement(performance: Performance, *, currency: str = "EUR") -> Statement:
    """The statement of one performance (see the module's doc)."""
    rows = _ticket_rows(Ticket.objects.filter(performance=performance))
    paid = [r for r in rows if r["order_status"] in PAID_STATUSES]
    valid = [r for r in paid if r["status"] == Ticket.Status.VALID]
    sold = [r for r in valid if not r["invitation"]]
    invites = [r for r in valid if r["invitation"]]
    refunded = [r for r in paid if r["status"] == Ticket.Status.REFUNDED and not r["invitation"]]
    out = [r for r in paid if r["status"] == Ticket.Status.EXCHANGED]
    came_in = [r for r in valid if r["exchanged_in"]]
    # An order belongs to the performance of its first ticket (the one it was sold for).
    first_ticket = Ticket.objects.filter(order_id=OuterRef("order_id")).order_by("id")
    home = Payment.objects.annotate(
        home=Subquery(first_ticket.values("performance_id")[:1])
    ).filter(home=performance.pk, order__invitation_reason="")
    payments = _payment_rows(home)
    order_ids = {p["order_id"] for p in payments} | {r["order_id"] for r in sold}
    extras = _extras_rows(order_ids)
    title = _("Receipts statement · %(show)s") % {"show": performance.show.title}
    subtitle = f"{performance.starts_at:%d/%m/%Y %H:%M}"
    return _build(
        "performance",
        title,
        subtitle,
        currency,
        sold,
        invites,
        refunded,
        out,
        came_in,
        payments,
        extras,
        [performance],
        valid,
    )


def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def day_statement(day: date, *, tz: str = "Europe/Paris", currency: str = "EUR") -> Statement:
    """The statement of one day in the venue's time zone (see the module's doc)."""
    start, end = day_bounds(day, tz)
    in_day = Q(order__paid_at__gte=start, order__paid_at__lt=end)
    rows = _ticket_rows(
        Ticket.objects.filter(in_day, order__status__in=PAID_STATUSES).exclude(
            exchanged_from__isnull=False
        )
    )
    sold = [r for r in rows if not r["invitation"]]
    invites = [r for r in rows if r["invitation"]]
    refunded_rows = _ticket_rows(
        Ticket.objects.filter(
            status=Ticket.Status.REFUNDED,
            revoked_at__gte=start,
            revoked_at__lt=end,
            order__invitation_reason="",
        )
    )
    exchanged = _ticket_rows(
        Ticket.objects.filter(exchanged_to__isnull=False, revoked_at__gte=start, revoked_at__lt=end)
    )
    came_in = _ticket_rows(
        Ticket.objects.filter(
            exchanged_from__isnull=False, created_at__gte=start, created_at__lt=end
        )
    )
    payments = _payment_rows(
        Payment.objects.filter(
            created_at__gte=start, created_at__lt=end, order__invitation_reason=""
        )
    )
    extras = _extras_rows({r["order_id"] for r in sold})
    performances = list(
        Performance.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("show")
        .order_by("starts_at")
    )
    attendance_rows = _ticket_rows(
        Ticket.objects.filter(
            performance__in=performances,
            status=Ticket.Status.VALID,
            order__status__in=PAID_STATUSES,
        )
    )
    sessions = _sessions_section(start, end)
    title = _("Receipts statement of the day")
    return _build(
        "day",
        title,
        f"{day:%d/%m/%Y}",
        currency,
        sold,
        invites,
        refunded_rows,
        exchanged,
        came_in,
        payments,
        extras,
        performances,
        attendance_rows,
        [sessions],
    )


def _sessions_section(start: datetime, end: datetime) -> Section:
    sessions = (
        CashSession.objects.filter(opened_at__gte=start, opened_at__lt=end)
        .select_related("desk")
        .annotate(n=Count("payments"))
    )
    body = [
        {
            "desk": s.desk.name,
            "status": str(s.get_status_display()),
            "float": s.float_cents,
            "expected": s.expected_cents,
            "counted": s.counted_cents,
            "difference": s.difference_cents,
            "comment": s.comment,
        }
        for s in sessions.order_by("opened_at")
    ]
    return Section(
        "cash_sessions",
        _("Cash sessions"),
        [
            Column("desk", _("Desk")),
            Column("status", _("Status")),
            *_money_cols(
                ("float", _("Float")),
                ("expected", _("Expected")),
                ("counted", _("Counted")),
                ("difference", _("Difference")),
            ),
            Column("comment", _("Comment")),
        ],
        body,
    )
