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

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from ticketing.models import (
    CashSession,
    Order,
    OrderExtra,
    Payment,
    Performance,
    PerformanceSeat,
    Ticket,
)

from .sections import (
    Column,
    Section,
    Statement,
    attendance_section,
    channels_section,
    exchanges_section,
    fees_section,
    invitations_section,
    local_time,
    money_columns,
    payments_section,
    refunds_section,
    show_tax_section,
    tickets_section,
    vat_of,
    vat_section,
)

__all__ = ["Column", "Section", "Statement", "day_statement", "performance_statement", "vat_of"]

PAID_STATUSES = (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED, Order.Status.REFUNDED)


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
    tz: str = "Europe/Paris",
) -> Statement:
    sections = {
        "tickets": tickets_section(sold),
        "channels": channels_section(sold, payments),
        "payments": payments_section(payments),
        "fees": fees_section(sold),
        "vat": vat_section(sold, extras),
        "show_tax": show_tax_section(sold),
        "refunds": refunds_section(refunded, payments),
        "invitations": invitations_section(invites),
        "exchanges": exchanges_section(out, came_in),
        "attendance": attendance_section(performances, attendance_rows, tz),
    }
    totals = _totals(sold, payments, extras, sections)
    return Statement(kind, title, subtitle, currency, [*sections.values(), *extra_sections], totals)


# --- Statements ------------------------------------------------------------------------


def performance_statement(
    performance: Performance, *, tz: str = "Europe/Paris", currency: str = "EUR"
) -> Statement:
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
    subtitle = local_time(performance.starts_at, tz)
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
        tz=tz,
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
        tz=tz,
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
            *money_columns(
                ("float", _("Float")),
                ("expected", _("Expected")),
                ("counted", _("Counted")),
                ("difference", _("Difference")),
            ),
            Column("comment", _("Comment")),
        ],
        body,
    )
