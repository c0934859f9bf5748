"""The communication statistics as tables (each chart draws one of them, each can be
exported): open and click rates by month, targeted against send-to-all, unsubscribes and
bounces, operations' return, the latest campaigns, journeys' conversions. Reads the campaigns
tables only, through campaigns' own selectors wherever they already say how a figure counts
(tracking's SENT rule, targeting report, operations' totals, journeys' stats). A dozen
queries, whatever the number of campaigns."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.journeys.models import Journey
from campaigns.journeys.selectors import journey_stats
from campaigns.models import Campaign, Delivery
from campaigns.tracking.models import Attribution
from campaigns.tracking.selectors import SENT, operations_with_totals, targeting_report

from .dashboard import Column, Dashboard, Table

MONTHS = 12
LATEST_CAMPAIGNS = 20
OPERATIONS = 50


def _share(part: int, whole: int) -> float | None:
    """A fraction (the tables' "percent" kind shows it ×100)."""
    return part / whole if whole else None


def _months(today: date) -> list[date]:
    """The first day of the last MONTHS months, the current one last."""
    year, month = today.year, today.month
    out = []
    for _i in range(MONTHS):
        out.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def _by_month(queryset, column: str, start, tz, **counts) -> dict[date, dict]:
    rows = (
        queryset.filter(**{f"{column}__gte": start})
        .annotate(month=TruncMonth(column, tzinfo=tz))
        .values("month")
        .annotate(**counts)
        .order_by()
    )
    return {timezone.localtime(r["month"], tz).date(): r for r in rows}


def build(*, now=None) -> Dashboard:
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    months = _months(timezone.localtime(now, tz).date())
    start = datetime(months[0].year, months[0].month, 1, tzinfo=tz)  # in the venue's time
    board = Dashboard(season="", seasons=[], kpis=[])
    for table in (
        _rates_table(months, start, tz),
        _targeting_table(),
        _losses_table(months, start, tz),
        _operations_table(),
        _campaigns_table(),
        _journeys_table(),
    ):
        board.tables[table.key] = table
    return board


def _rates_table(months: list[date], start, tz) -> Table:
    """Sent newsletters' deliveries by the month they were sent: the share opened, clicked
    (every delivery of the month counts once: a rate over people, not over campaigns)."""
    sent = Delivery.objects.filter(
        campaign__kind=Campaign.Kind.NEWSLETTER,
        campaign__status=Campaign.Status.SENT,
        sent_at__isnull=False,
    )
    found = _by_month(
        sent,
        "sent_at",
        start,
        tz,
        sent=Count("pk"),
        opened=Count("pk", filter=Q(opened_at__isnull=False)),
        clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
    )
    rows = []
    for month in months:
        r = found.get(month, {})
        n, opened, clicked = r.get("sent", 0), r.get("opened", 0), r.get("clicked", 0)
        rows.append(
            {
                "month": month,
                "sent": n,
                "opened": opened,
                "clicked": clicked,
                "open_rate": _share(opened, n),
                "click_rate": _share(clicked, n),
            }
        )
    return Table(
        "rates",
        _("Newsletters: open and click rates by month"),
        [
            Column("month", _("Month"), "month"),
            Column("sent", _("Emails sent"), "int"),
            Column("opened", _("Opened"), "int"),
            Column("clicked", _("Clicked"), "int"),
            Column("open_rate", _("Open rate"), "percent"),
            Column("click_rate", _("Click rate"), "percent"),
        ],
        rows,
        chart={
            "type": "line",
            "x": "month",
            "series": [("open_rate", _("Open rate"), "p"), ("click_rate", _("Click rate"), "p")],
        },
        note=_(
            "Each email sent in the month counts once: opened means opened at least once "
            "(some mail programs hide opens, so the open rate is a lower bound)."
        ),
    )


def _targeting_table() -> Table:
    rows = []
    for g in targeting_report():
        rows.append(
            {
                "group": _("Targeted") if g["targeted"] else _("Sent to all"),
                "campaigns": g["campaigns"],
                "sent": g["sent"],
                "open_rate": _share(g["opened"], g["sent"]),
                "click_rate": _share(g["clicked"], g["sent"]),
            }
        )
    return Table(
        "targeting",
        _("Targeted versus sent to all"),
        [
            Column("group", _("Audience")),
            Column("campaigns", _("Campaigns"), "int"),
            Column("sent", _("Emails sent"), "int"),
            Column("open_rate", _("Open rate"), "percent"),
            Column("click_rate", _("Click rate"), "percent"),
        ],
        rows,
        note=_("Sent campaigns other than journeys' emails, all time."),
    )


def _losses_table(months: list[date], start, tz) -> Table:
    deliveries = Delivery.objects.all()
    unsubscribed = _by_month(deliveries, "unsubscribed_at", start, tz, n=Count("pk"))
    bounced = _by_month(deliveries, "bounced_at", start, tz, n=Count("pk"))
    complained = _by_month(deliveries, "complained_at", start, tz, n=Count("pk"))
    rows = [
        {
            "month": month,
            "unsubscribed": unsubscribed.get(month, {}).get("n", 0),
            "bounced": bounced.get(month, {}).get("n", 0),
            "complained": complained.get(month, {}).get("n", 0),
        }
        for month in months
    ]
    return Table(
        "losses",
        _("Unsubscribes and bounces by month"),
        [
            Column("month", _("Month"), "month"),
            Column("unsubscribed", _("Unsubscribes"), "int"),
            Column("bounced", _("Bounces"), "int"),
            Column("complained", _("Spam complaints"), "int"),
        ],
        rows,
        note=_("Every email, newsletters and journeys alike, by the month it happened."),
    )


def _operations_table() -> Table:
    rows = []
    for op in operations_with_totals()[:OPERATIONS]:
        rows.append(
            {
                "name": op.name,
                "link": reverse("campaigns:operation_detail", args=[op.pk]),
                "cost": op.cost_cents,
                "orders": op.orders,
                "revenue": op.revenue_cents,
                "return": round(op.revenue_cents / op.cost_cents, 2) if op.cost_cents else None,
            }
        )
    return Table(
        "operations",
        _("Operations: cost and return"),
        [
            Column("name", _("Operation")),
            Column("cost", _("Cost"), "money"),
            Column("orders", _("Attributed orders"), "int"),
            Column("revenue", _("Attributed revenue"), "money"),
            Column("return", _("Revenue per euro spent"), "decimal"),
        ],
        rows,
    )


def _campaigns_table() -> Table:
    campaigns = list(
        Campaign.objects.filter(status=Campaign.Status.SENT)
        .exclude(kind=Campaign.Kind.JOURNEY)
        .annotate(
            n_sent=Count("deliveries", filter=_on_deliveries(SENT)),
            n_opened=Count("deliveries", filter=Q(deliveries__opened_at__isnull=False)),
            n_clicked=Count("deliveries", filter=Q(deliveries__clicked_at__isnull=False)),
        )
        .order_by("-started_at", "-pk")[:LATEST_CAMPAIGNS]
    )
    sales = {
        r["campaign"]: r
        for r in Attribution.objects.filter(campaign__in=[c.pk for c in campaigns])
        .values("campaign")
        .annotate(orders=Count("pk"), revenue=Sum("amount_cents"))
        .order_by()
    }
    rows = []
    for c in campaigns:
        s = sales.get(c.pk, {})
        rows.append(
            {
                "name": c.name,
                "link": reverse("campaigns:stats", args=[c.pk]),
                "started": c.started_at,
                "sent": c.n_sent,
                "open_rate": _share(c.n_opened, c.n_sent),
                "click_rate": _share(c.n_clicked, c.n_sent),
                "orders": s.get("orders", 0),
                "revenue": s.get("revenue") or 0,
            }
        )
    return Table(
        "campaigns",
        _("The latest campaigns"),
        [
            Column("name", _("Campaign")),
            Column("started", _("Sent on"), "datetime"),
            Column("sent", _("Recipients"), "int"),
            Column("open_rate", _("Open rate"), "percent"),
            Column("click_rate", _("Click rate"), "percent"),
            Column("orders", _("Attributed orders"), "int"),
            Column("revenue", _("Attributed revenue"), "money"),
        ],
        rows,
    )


def _on_deliveries(q: Q) -> Q:
    """A rule on deliveries (the tracking selectors' SENT), seen from their campaign."""
    children = [
        _on_deliveries(child)
        if isinstance(child, Q)
        else Q(**{f"deliveries__{child[0]}": child[1]})
        for child in q.children
    ]
    return Q(*children, _connector=q.connector, _negated=q.negated)


def _journeys_table() -> Table:
    journeys = list(Journey.objects.order_by("name", "pk").only("pk", "name"))
    stats = journey_stats([j.pk for j in journeys]) if journeys else {}
    rows = []
    for j in journeys:
        s = stats[j.pk]
        rows.append(
            {
                "name": j.name,
                "link": reverse("campaigns:journey_detail", args=[j.pk]),
                "entered": s.entered,
                "sent": s.sent,
                "converted": s.converted,
                "conversion": _share(s.converted, s.sent),
            }
        )
    return Table(
        "journeys",
        _("Journeys: conversions"),
        [
            Column("name", _("Journey")),
            Column("entered", _("Entered"), "int"),
            Column("sent", _("Messages sent"), "int"),
            Column("converted", _("Converted"), "int"),
            Column("conversion", _("Conversion rate"), "percent"),
        ],
        rows,
        note=_("Converted: a purchase by the contact within the attribution window after a step."),
    )
