"""Reads of the events app: webhook endpoints and their delivery log, and the outbox's state."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import ConsumerFailure, Event, WebhookDelivery, WebhookEndpoint


def webhook_endpoints() -> QuerySet[WebhookEndpoint]:
    """Every endpoint with its delivery counts (one query)."""
    return WebhookEndpoint.objects.annotate(
        delivered=Count("deliveries", filter=Q(deliveries__status="succeeded")),
        failing=Count("deliveries", filter=Q(deliveries__status__in=["failed", "given_up"])),
    ).order_by("id")


def endpoint_deliveries(endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The endpoint's delivery log, newest first, with the event of each."""
    return WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event").order_by("-id")


def due_delivery_ids(*, limit: int = 500) -> list[int]:
    """Deliveries whose next attempt has come (first attempts whose task was lost, retries,
    attempts whose worker died and whose lease ran out)."""
    return list(
        WebhookDelivery.objects.filter(
            status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.FAILED],
            next_attempt_at__lte=timezone.now(),
        )
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )


@dataclass(frozen=True)
class OutboxState:
    undispatched: int
    oldest_undispatched_at: object  # datetime | None
    failures: list[ConsumerFailure]


def outbox_state(*, failures: int = 20) -> OutboxState:
    backlog = Event.objects.filter(dispatched_at__isnull=True).order_by("id")
    oldest = backlog.values_list("occurred_at", flat=True).first()
    return OutboxState(
        undispatched=backlog.count(),
        oldest_undispatched_at=oldest,
        failures=list(
            ConsumerFailure.objects.select_related("event").order_by("-last_failed_at")[:failures]
        ),
    )
