"""Who a campaign goes to, decided at send time (one owner for the rule; the composer's
preview and the send both call it).

The selection is the campaign's saved segment, its ad-hoc definition or its fixed list
(press, relay), else every active contact. Then, in this order, the ones left out are counted:
no usable address (none, or it bounced), no email consent (marketing messages only: consent
must be True, not unknown), over the periodicity cap ("ni trop": at most `cap_count` marketing
emails in `cap_days` days, this campaign's own deliveries not counted). Service notices
(marketing=False) skip consent and cap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from crm.models import Contact
from crm.segments.definition import segment_queryset
from crm.segments.definition.compiler import active_contacts

from ..models import Campaign, CommunicationSettings, Delivery


@dataclass(frozen=True)
class AudiencePreview:
    selected: int
    no_address: int
    no_consent: int
    capped: int
    recipients: int


def communication_settings() -> CommunicationSettings:
    settings, _created = CommunicationSettings.objects.get_or_create(singleton=True)
    return settings


def selected_contacts(campaign: Campaign, *, now: datetime | None = None) -> QuerySet[Contact]:
    if campaign.segment_id:
        return segment_queryset(campaign.segment.definition, now=now)
    if campaign.audience_definition:
        return segment_queryset(campaign.audience_definition, now=now)
    if campaign.list_contact_ids:
        return active_contacts().filter(pk__in=campaign.list_contact_ids)
    return active_contacts()


def capped_contact_ids(
    *, now: datetime, settings: CommunicationSettings, exclude_campaign_id: int | None = None
) -> QuerySet:
    """Contacts who already had `cap_count` marketing emails in the last `cap_days` days (a
    delivery counts from when it was written: one being sent counts already)."""
    since = now - timedelta(days=settings.cap_days)
    recent = Delivery.objects.filter(
        campaign__marketing=True, created_at__gte=since, contact__isnull=False
    ).exclude(status__in=[Delivery.Status.SKIPPED, Delivery.Status.FAILED])
    if exclude_campaign_id:
        recent = recent.exclude(campaign_id=exclude_campaign_id)
    return (
        recent.values("contact_id")
        .annotate(n=Count("id"))
        .filter(n__gte=settings.cap_count)
        .values("contact_id")
    )


def _steps(campaign: Campaign, *, now: datetime):
    settings = communication_settings()
    selected = selected_contacts(campaign, now=now)
    addressed = selected.exclude(email="").filter(email_bounced_at__isnull=True)
    if not campaign.marketing:
        return selected, addressed, addressed, addressed
    consenting = addressed.filter(email_consent=True)
    capped = capped_contact_ids(now=now, settings=settings, exclude_campaign_id=campaign.pk)
    return selected, addressed, consenting, consenting.exclude(pk__in=capped)


def recipients(campaign: Campaign, *, now: datetime | None = None) -> QuerySet[Contact]:
    """The contacts this campaign goes to now."""
    return _steps(campaign, now=now or timezone.now())[3]


def audience_preview(*, campaign: Campaign, now: datetime | None = None) -> AudiencePreview:
    """The counts shown before sending (one query)."""
    selected, addressed, consenting, final = _steps(campaign, now=now or timezone.now())
    counts = selected.aggregate(
        selected=Count("pk"),
        addressed=Count("pk", filter=Q(pk__in=addressed.values("pk"))),
        consenting=Count("pk", filter=Q(pk__in=consenting.values("pk"))),
        final=Count("pk", filter=Q(pk__in=final.values("pk"))),
    )
    return AudiencePreview(
        selected=counts["selected"],
        no_address=counts["selected"] - counts["addressed"],
        no_consent=counts["addressed"] - counts["consenting"],
        capped=counts["consenting"] - counts["final"],
        recipients=counts["final"],
    )


def silent_contacts(*, now: datetime | None = None) -> QuerySet[Contact]:
    """ "Ni trop peu": consenting contacts with an address who had no marketing email for
    `silence_days` days (nor ever)."""
    now = now or timezone.now()
    settings = communication_settings()
    since = now - timedelta(days=settings.silence_days)
    heard = Delivery.objects.filter(
        campaign__marketing=True, created_at__gte=since, contact__isnull=False
    ).values("contact_id")
    return (
        active_contacts()
        .filter(email_consent=True, email_bounced_at__isnull=True)
        .exclude(email="")
        .exclude(pk__in=heard)
    )
