"""Reads of tracking: a campaign's figures, its links, its curve over time, an operation's
channels and return, and the targeted-against-send-to-all report. Counts come from the
deliveries (one row per message), the click rows and the attributions, never from copies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDay, TruncHour
from django.utils import timezone

from campaigns.models import Campaign, Delivery, LinkClick, Operation, TrackedLink

from .models import Attribution

SENT = Q(sent_at__isnull=False) | Q(status__in=["sent", "bounced"])


def through(relation: str, rule: Q) -> Q:
    """A rule on deliveries (SENT) seen from the model that has them (`deliveries`)."""
    children = [
        through(relation, child)
        if isinstance(child, Q)
        else Q(**{f"{relation}__{child[0]}": child[1]})
        for child in rule.children
    ]
    return Q(*children, _connector=rule.connector, _negated=rule.negated)


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


@dataclass
class CampaignStats:
    sent: int = 0
    opened: int = 0
    opens: int = 0
    clicked: int = 0
    clicks: int = 0
    unsubscribed: int = 0
    bounced: int = 0
    complained: int = 0
    orders: int = 0
    revenue_cents: int = 0
    open_rate: float | None = None
    click_rate: float | None = None
    unsubscribe_rate: float | None = None
    bounce_rate: float | None = None


def campaign_stats(campaign: Campaign) -> CampaignStats:
    """One query for the deliveries' figures, one for the attributed sales."""
    row = Delivery.objects.filter(campaign=campaign).aggregate(
        sent=Count("pk", filter=SENT),
        opened=Count("pk", filter=Q(opened_at__isnull=False)),
        opens=Sum("opens", default=0),
        clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
        clicks=Sum("clicks", default=0),
        unsubscribed=Count("pk", filter=Q(unsubscribed_at__isnull=False)),
        bounced=Count("pk", filter=Q(bounced_at__isnull=False)),
        complained=Count("pk", filter=Q(complained_at__isnull=False)),
    )
    sales = Attribution.objects.filter(campaign=campaign).aggregate(
        orders=Count("pk"), revenue_cents=Sum("amount_cents", default=0)
    )
    stats = CampaignStats(**row, **sales)
    stats.open_rate = _rate(stats.opened, stats.sent)
    stats.click_rate = _rate(stats.clicked, stats.sent)
    stats.unsubscribe_rate = _rate(stats.unsubscribed, stats.sent)
    stats.bounce_rate = _rate(stats.bounced, stats.sent)
    return stats


def link_stats(campaign: Campaign) -> list[dict]:
    """Each registered link: clicks, people who clicked, orders and revenue credited to it."""
    links = (
        TrackedLink.objects.filter(campaign=campaign)
        .annotate(people=Count("click_rows__delivery", distinct=True))
        .order_by("-clicks", "pk")
    )
    sales = {
        r["link"]: r
        for r in Attribution.objects.filter(campaign=campaign, link__isnull=False)
        .values("link")
        .annotate(orders=Count("pk"), revenue_cents=Sum("amount_cents"))
    }
    return [
        {
            "link": link,
            "clicks": link.clicks,
            "people": link.people,
            "orders": sales.get(link.pk, {}).get("orders", 0),
            "revenue_cents": sales.get(link.pk, {}).get("revenue_cents") or 0,
        }
        for link in links
    ]


@dataclass
class Curve:
    unit: str  # "hour" or "day"
    labels: list[str] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)


def campaign_curve(campaign: Campaign, *, now=None) -> Curve:
    """First opens, clicks and attributed orders per hour (first three days) or per day."""
    start = campaign.started_at or campaign.scheduled_at or campaign.created_at
    return messages_curve([campaign.pk], start=start, now=now)


def messages_curve(campaign_ids: list[int], *, start=None, now=None) -> Curve:
    """The curve of one or several messages (a journey's email and its first-timer variant):
    sends, first opens, clicks and attributed orders over time."""
    now = now or timezone.now()
    first_sent = (
        Delivery.objects.filter(campaign_id__in=campaign_ids, sent_at__isnull=False)
        .order_by("sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    start = min(filter(None, [start, first_sent])) if (start or first_sent) else now
    hourly = now - start <= timedelta(days=3)
    trunc = TruncHour if hourly else TruncDay
    tz = timezone.get_current_timezone()
    series: dict = {}

    def add(queryset, column: str, name: str) -> None:
        for r in (
            queryset.annotate(slot=trunc(column, tzinfo=tz))
            .values("slot")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            series.setdefault(r["slot"], {"sent": 0, "opens": 0, "clicks": 0, "orders": 0})
            series[r["slot"]][name] = r["n"]

    deliveries = Delivery.objects.filter(campaign_id__in=campaign_ids)
    add(deliveries.filter(sent_at__isnull=False), "sent_at", "sent")
    add(deliveries.filter(opened_at__isnull=False), "opened_at", "opens")
    add(LinkClick.objects.filter(delivery__campaign_id__in=campaign_ids), "occurred_at", "clicks")
    add(Attribution.objects.filter(campaign_id__in=campaign_ids), "ordered_at", "orders")
    curve = Curve(unit="hour" if hourly else "day")
    for slot in sorted(series):
        local = timezone.localtime(slot, tz)
        label = local.strftime("%d/%m %Hh") if hourly else local.strftime("%d/%m/%Y")
        curve.labels.append(label)
        curve.rows.append({"label": label, **series[slot]})
    return curve


def targeting_report() -> list[dict]:
    """Open and click rates of sent newsletters and mailings, targeted against send-to-all
    (journeys' emails and service notices apart; sent by the SENT rule, as the statistics
    page counts them)."""
    campaigns = (
        Campaign.objects.filter(status=Campaign.Status.SENT)
        .exclude(kind__in=[Campaign.Kind.JOURNEY, Campaign.Kind.NOTICE])
        .annotate(
            n_sent=Count("deliveries", filter=through("deliveries", SENT)),
            n_opened=Count("deliveries", filter=Q(deliveries__opened_at__isnull=False)),
            n_clicked=Count("deliveries", filter=Q(deliveries__clicked_at__isnull=False)),
        )
    )
    groups = {
        True: {"targeted": True, "campaigns": 0, "sent": 0, "opened": 0, "clicked": 0},
        False: {"targeted": False, "campaigns": 0, "sent": 0, "opened": 0, "clicked": 0},
    }
    for c in campaigns:
        g = groups[c.targeted]
        g["campaigns"] += 1
        g["sent"] += c.n_sent
        g["opened"] += c.n_opened
        g["clicked"] += c.n_clicked
    for g in groups.values():
        g["open_rate"] = _rate(g["opened"], g["sent"])
        g["click_rate"] = _rate(g["clicked"], g["sent"])
    return [groups[True], groups[False]]


# --- Operations ----------------------------------------------------------------------------
def operations_with_totals():
    """Operations with their attributed orders and revenue (subqueries: joining both the
    attributions and the campaigns would count each sale once per campaign)."""
    sales = Attribution.objects.filter(operation=OuterRef("pk")).order_by().values("operation")
    return Operation.objects.annotate(
        orders=Coalesce(Subquery(sales.annotate(n=Count("pk")).values("n")), 0),
        revenue_cents=Coalesce(
            Subquery(sales.annotate(total=Sum("amount_cents")).values("total")), 0
        ),
    ).order_by("-created_at")


@dataclass
class Channel:
    kind: str  # "campaign", "link", "promo_code"
    label: str
    obj: object = None
    clicks: int = 0
    orders: int = 0
    revenue_cents: int = 0


@dataclass
class OperationReport:
    operation: Operation
    channels: list[Channel]
    orders: int
    revenue_cents: int
    cost_cents: int
    return_ratio: float | None


def operation_report(operation: Operation) -> OperationReport:
    attributions = Attribution.objects.filter(operation=operation)
    by_campaign = {
        r["campaign"]: r
        for r in attributions.filter(campaign__isnull=False)
        .values("campaign")
        .annotate(orders=Count("pk"), revenue=Sum("amount_cents"))
    }
    by_link = {
        r["link"]: r
        for r in attributions.filter(channel=Attribution.Channel.LINK, link__isnull=False)
        .values("link")
        .annotate(orders=Count("pk"), revenue=Sum("amount_cents"))
    }
    by_code = {
        r["promo_code"]: r
        for r in attributions.filter(channel=Attribution.Channel.PROMO_CODE)
        .values("promo_code")
        .annotate(orders=Count("pk"), revenue=Sum("amount_cents"))
    }
    channels: list[Channel] = []
    for campaign in operation.campaigns.annotate(
        n_clicks=Sum("deliveries__clicks", default=0)
    ).order_by("pk"):
        r = by_campaign.get(campaign.pk, {})
        channels.append(
            Channel(
                "campaign",
                campaign.name,
                campaign,
                campaign.n_clicks,
                r.get("orders", 0),
                r.get("revenue") or 0,
            )
        )
    for link in operation.links.order_by("pk"):
        r = by_link.get(link.pk, {})
        channels.append(
            Channel(
                "link",
                link.label or link.url,
                link,
                link.clicks,
                r.get("orders", 0),
                r.get("revenue") or 0,
            )
        )
    for code in operation.promo_codes or []:
        code = str(code).upper()
        r = by_code.get(code, {})
        channels.append(
            Channel("promo_code", code, None, 0, r.get("orders", 0), r.get("revenue") or 0)
        )
    total = attributions.aggregate(n=Count("pk"), revenue=Sum("amount_cents", default=0))
    ratio = round(total["revenue"] / operation.cost_cents, 2) if operation.cost_cents else None
    return OperationReport(
        operation, channels, total["n"], total["revenue"], operation.cost_cents, ratio
    )
