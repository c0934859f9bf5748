"""The communication statistics as tables (each chart draws one of them, each can be
exported): open and click rates by month, targeted against send-to-all, unsubscribes and
bounces, operations' return, the latest campaigns, journeys' conversions. Reads analytics'
CampaignMonth and JourneyFigures (counted by campaigns' own rules: tracking's SENT,
journey_stats; analytics/communication_refresh.py) and the operations' totals; a dozen
queries, whatever the number of emails."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.journeys.models import Journey
from campaigns.models import Campaign
from campaigns.tracking.models import Attribution
from campaigns.tracking.selectors import operations_with_totals

from .communication_refresh import refresh_if_never_done
from .dashboard import Column, Dashboard, Table
from .models import CampaignMonth, CommunicationRefresh, JourneyFigures

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


def _per_month(rows, *names: str) -> dict[date, dict]:
    found = rows.values("month").annotate(**{n: Sum(n) for n in names}).order_by()
    return {r["month"]: r for r in found}


def build(*, now=None) -> Dashboard:
    now = now or timezone.now()
    months = _months(timezone.localtime(now).date())
    refresh_if_never_done()
    board = Dashboard(season="", seasons=[], kpis=[])
    board.freshness_at = CommunicationRefresh.objects.values_list("recent_at", flat=True).first()
    for table in (
        _rates_table(months),
        _targeting_table(),
        _losses_table(months),
        _operations_table(),
        _campaigns_table(),
        _journeys_table(),
    ):
        board.tables[table.key] = table
    return board


def _rates_table(months: list[date]) -> Table:
    """Sent newsletters' emails by the month they were sent: the share opened, clicked
    (every email of the month counts once: a rate over people, not over campaigns)."""
    found = _per_month(
        CampaignMonth.objects.filter(kind=Campaign.Kind.NEWSLETTER, month__gte=months[0]),
        "sent",
        "opened",
        "clicked",
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
    groups = {
        r["targeted"]: r
        for r in CampaignMonth.objects.exclude(kind=Campaign.Kind.JOURNEY)
        .exclude(kind=Campaign.Kind.NOTICE)
        .values("targeted")
        .annotate(
            campaigns=Count("campaign_id", distinct=True),
            sent=Sum("sent"),
            opened=Sum("opened"),
            clicked=Sum("clicked"),
        )
        .order_by()
    }
    rows = []
    for targeted in (True, False):
        g = groups.get(targeted, {})
        sent = g.get("sent") or 0
        rows.append(
            {
                "group": _("Targeted") if targeted else _("Sent to all"),
                "campaigns": g.get("campaigns", 0),
                "sent": sent,
                "open_rate": _share(g.get("opened") or 0, sent),
                "click_rate": _share(g.get("clicked") or 0, sent),
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


def _losses_table(months: list[date]) -> Table:
    found = _per_month(
        CampaignMonth.objects.filter(month__gte=months[0]), "unsubscribed", "bounced", "complained"
    )
    rows = [
        {
            "month": month,
            "unsubscribed": found.get(month, {}).get("unsubscribed", 0),
            "bounced": found.get(month, {}).get("bounced", 0),
            "complained": found.get(month, {}).get("complained", 0),
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
        note=_(
            "Every email of a sent campaign, newsletters and journeys alike, by the month it "
            "happened."
        ),
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
    latest = list(
        Campaign.objects.filter(status=Campaign.Status.SENT)
        .exclude(kind__in=[Campaign.Kind.JOURNEY, Campaign.Kind.NOTICE])
        .order_by("-started_at", "-pk")
        .values("pk", "name", "started_at")[:LATEST_CAMPAIGNS]
    )
    counts = {
        r["campaign_id"]: r
        for r in CampaignMonth.objects.filter(campaign_id__in=[c["pk"] for c in latest])
        .values("campaign_id")
        .annotate(sent=Sum("sent"), opened=Sum("opened"), clicked=Sum("clicked"))
        .order_by()
    }
    campaigns = []
    for c in latest:
        n = counts.get(c["pk"], {})
        campaigns.append(
            {
                **c,
                "n_sent": n.get("sent", 0),
                "n_opened": n.get("opened", 0),
                "n_clicked": n.get("clicked", 0),
            }
        )
    sales = {
        r["campaign"]: r
        for r in Attribution.objects.filter(campaign__in=[c["pk"] for c in campaigns])
        .values("campaign")
        .annotate(orders=Count("pk"), revenue=Sum("amount_cents"))
        .order_by()
    }
    rows = []
    for c in campaigns:
        s = sales.get(c["pk"], {})
        rows.append(
            {
                "name": c["name"],
                "link": reverse("campaigns:stats", args=[c["pk"]]),
                "started": c["started_at"],
                "sent": c["n_sent"],
                "open_rate": _share(c["n_opened"], c["n_sent"]),
                "click_rate": _share(c["n_clicked"], c["n_sent"]),
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


def _journeys_table() -> Table:
    journeys = list(Journey.objects.order_by("name", "pk").only("pk", "name"))
    stats = JourneyFigures.objects.in_bulk([j.pk for j in journeys])
    rows = []
    for j in journeys:
        s = stats.get(j.pk) or JourneyFigures(journey_id=j.pk)
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
