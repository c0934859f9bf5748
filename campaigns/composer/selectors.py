"""The composer's reads: the campaign list (one query), a campaign's deliveries by status
(one query), the shows a block may present, the stats page's address."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from ..models import Campaign, Delivery
from .services import COMPOSED_KINDS


def campaigns() -> QuerySet[Campaign]:
    """Newsletters, press and relay mailings, newest first, with their sent count."""
    return (
        Campaign.objects.filter(kind__in=COMPOSED_KINDS)
        .select_related("segment")
        .annotate(sent_count=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SENT)))
        .order_by("-created_at", "-id")
    )


def delivery_counts(campaign: Campaign) -> list[dict]:
    """{status, label, count} of the campaign's deliveries, every status, in one query."""
    counts = dict(
        Delivery.objects.filter(campaign=campaign)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [
        {"status": s.value, "label": s.label, "count": counts.get(s.value, 0)}
        for s in Delivery.Status
    ]


def stats_url(campaign_id: int) -> str:
    """The campaign's stats page (campaigns.tracking's)."""
    return reverse("campaigns:stats", args=[campaign_id])


def show_choices() -> list[tuple[int, str]]:
    """Shows with a performance to come first, then the others (at most 300)."""
    from ticketing.models import Show

    soon = timezone.now()
    shows = Show.objects.annotate(
        coming=Count("performances", filter=Q(performances__starts_at__gte=soon))
    ).order_by("-coming", "title")[:300]
    return [(s.pk, s.title) for s in shows]
