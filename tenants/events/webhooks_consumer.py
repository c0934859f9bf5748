"""Outgoing webhooks, the first consumer of the outbox: each event becomes one pending delivery
per active endpoint that chose its code (the HTTP request is a Celery task, sent on commit)."""

from .models import Event, WebhookEndpoint
from .registry import consumer
from .services.dispatch import batch_memo
from .services.webhooks import queue_deliveries


def _endpoints() -> list[WebhookEndpoint]:
    """The active endpoints, read once per dispatcher batch."""
    return batch_memo(
        "webhooks.endpoints", lambda: list(WebhookEndpoint.objects.filter(active=True))
    )


def _some_endpoint_wants(code: str) -> bool:
    # Without an endpoint for the code, the event costs this consumer nothing (no receipt).
    return any(endpoint.wants(code) for endpoint in _endpoints())


@consumer("webhooks", codes=["*"], active=_some_endpoint_wants)
def queue_webhooks(event: Event) -> None:
    queue_deliveries(event, _endpoints())
