"""Outgoing webhooks, the first consumer of the outbox: each event becomes one pending delivery
per active endpoint that chose its code (the HTTP request is a Celery task, sent on commit)."""

from .models import Event, WebhookEndpoint
from .registry import consumer
from .services.dispatch import batch_memo
from .services.webhooks import queue_deliveries


@consumer("webhooks", codes=["*"])
def queue_webhooks(event: Event) -> None:
    endpoints = batch_memo(
        "webhooks.endpoints", lambda: list(WebhookEndpoint.objects.filter(active=True))
    )
    queue_deliveries(event, endpoints)
