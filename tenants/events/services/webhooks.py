"""Outgoing webhooks: endpoints a venue admin registers, and the deliveries of events to them.

The webhook consumer (tenants/events/webhooks_consumer.py) creates one delivery per event and
matching endpoint inside the dispatcher's transaction; the HTTP request is made later by the
Celery task `events.deliver_webhook`, never inside a sale. An attempt first claims its
delivery with a conditional UPDATE that pushes `next_attempt_at` forward (a lease), so two
workers never send the same attempt, and a worker that dies mid-request leaves a delivery the
sweep retries when the lease ends. Failures are retried after 1 min, 2, 4, … capped at 1 h,
until 24 hours after the first attempt (or the last manual re-send); then the delivery is
given up.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.accounts.audit import changed_fields, record_event
from tenants.errors import ValidationFailed

from .. import transport
from ..catalogue import EVENT_TYPES, codes_matching, is_pattern
from ..models import Event, WebhookDelivery, WebhookEndpoint

RETRY_FIRST = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(hours=24)
# How long an attempt holds its delivery: longer than any request (TIMEOUT_S per step).
LEASE = timedelta(minutes=2)
MAX_CODES = 50
Status = WebhookDelivery.Status


# --- Input ------------------------------------------------------------------------------------
def clean_url(url: str) -> str:
    """An HTTPS URL of at most 500 characters, without credentials, not naming a loopback,
    private or local address (host names are resolved and checked again at each attempt)."""
    url = (url or "").strip()
    if len(url) > transport.MAX_URL_LENGTH:
        raise ValidationFailed(
            _("The URL is too long (500 characters at most)."),
            code="webhooks.url_too_long",
            field="url",
        )
    invalid = ValidationFailed(_("Enter a valid URL."), code="webhooks.url_invalid", field="url")
    if not url or any(c.isspace() or ord(c) < 32 for c in url):
        raise invalid
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        raise invalid from None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and transport.allow_http()):
        raise ValidationFailed(
            _("The URL must start with https://."), code="webhooks.url_not_https", field="url"
        )
    if not parts.hostname:
        raise invalid
    if parts.username or parts.password:
        raise ValidationFailed(
            _("The URL may not contain a user name or password."),
            code="webhooks.url_credentials",
            field="url",
        )
    if not transport.allow_private():
        literal = transport.literal_address(parts.hostname)
        if transport.local_name(parts.hostname) or (
            literal is not None and not transport.address_allowed(literal)
        ):
            raise ValidationFailed(
                _("Webhooks can only be sent to public internet addresses."),
                code="webhooks.url_private",
                field="url",
            )
    return url


def clean_event_codes(codes) -> list[str]:
    """Codes of the catalogue, or patterns (`ticketing.order.*`, `*`) that match some."""
    if not isinstance(codes, list | tuple) or not codes:
        raise ValidationFailed(
            _("Choose at least one event type."), code="webhooks.no_event_code", field="event_codes"
        )
    if len(codes) > MAX_CODES:
        raise ValidationFailed(
            _("Too many event types (50 at most)."),
            code="webhooks.too_many_event_codes",
            field="event_codes",
        )
    cleaned: list[str] = []
    for code in codes:
        known = (
            isinstance(code, str)
            and len(code) <= 100
            and (code in EVENT_TYPES or (is_pattern(code) and codes_matching(code)))
        )
        if not known:
            raise ValidationFailed(
                _("Unknown event type “%(code)s”.") % {"code": str(code)[:100]},
                code="webhooks.unknown_event_code",
                field="event_codes",
            )
        if code not in cleaned:
            cleaned.append(code)
    return cleaned


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


# --- Endpoints --------------------------------------------------------------------------------
@transaction.atomic
def create_webhook_endpoint(
    *, url: str, event_codes: list[str], description: str = "", active: bool = True, actor=None
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.create(
        url=clean_url(url),
        event_codes=clean_event_codes(event_codes),
        description=(description or "").strip()[:200],
        secret=new_secret(),
        active=bool(active),
    )
    record_event(
        code="events.webhook.created",
        actor=actor,
        obj=endpoint,
        data={"url": endpoint.url, "events": endpoint.event_codes},
    )
    return endpoint


@transaction.atomic
def update_webhook_endpoint(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    event_codes: list[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
    actor=None,
) -> WebhookEndpoint:
    """Change what is given (None: unchanged)."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    values = {}
    if url is not None:
        values["url"] = clean_url(url)
    if event_codes is not None:
        values["event_codes"] = clean_event_codes(event_codes)
    if description is not None:
        values["description"] = description.strip()[:200]
    if active is not None:
        values["active"] = bool(active)
    changes = changed_fields(endpoint, values)
    if changes:
        for name, (_old, new) in changes.items():
            setattr(endpoint, name, new)
        endpoint.save(update_fields=[*changes, "updated_at"])
        record_event(
            code="events.webhook.updated",
            actor=actor,
            obj=endpoint,
            changes=changes,
            data={"url": endpoint.url},
        )
    return endpoint


@transaction.atomic
def rotate_webhook_secret(*, endpoint: WebhookEndpoint, actor=None) -> WebhookEndpoint:
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    record_event(code="events.webhook.secret_rotated", actor=actor, obj=endpoint)
    return endpoint


@transaction.atomic
def delete_webhook_endpoint(*, endpoint: WebhookEndpoint, actor=None) -> None:
    """The endpoint and its delivery log go; the events stay in the outbox."""
    record_event(
        code="events.webhook.deleted", actor=actor, obj=endpoint, data={"url": endpoint.url}
    )
    endpoint.delete()


# --- Deliveries -------------------------------------------------------------------------------
def queue_deliveries(event: Event, endpoints: list[WebhookEndpoint]) -> list[WebhookDelivery]:
    """One pending delivery per endpoint that wants the event; each is sent by a task once the
    caller's transaction commits. Called by the webhook consumer (exactly once per event)."""
    wanted = [e for e in endpoints if e.active and e.wants(event.code)]
    if not wanted:
        return []
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(endpoint=e, event=event, next_attempt_at=now, retry_since=now)
            for e in wanted
        ]
    )
    ids = [d.pk for d in deliveries]
    schema = connection.schema_name
    transaction.on_commit(lambda: send_deliveries(ids, schema=schema), robust=True)
    return deliveries


def send_deliveries(ids: list[int], *, schema: str | None = None) -> None:
    """Send one `events.deliver_webhook` task per delivery, in the venue's schema."""
    from . import DELIVER_TASK, send_task

    headers = {"_schema_name": schema or connection.schema_name}
    for delivery_id in ids:
        send_task(DELIVER_TASK, args=[delivery_id], headers=headers)


def retry_delay(attempts: int) -> timedelta:
    return min(RETRY_FIRST * (2 ** max(0, attempts - 1)), RETRY_MAX)


def payload(event: Event) -> bytes:
    """The JSON body: {id, code, version, occurred_at, venue, data}."""
    body = {
        "id": event.pk,
        "code": event.code,
        "version": event.version,
        "occurred_at": event.occurred_at.isoformat(),
        "venue": getattr(connection.tenant, "slug", connection.schema_name),
        "data": event.data,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def deliver_webhook(*, delivery_id: int) -> WebhookDelivery | None:
    """One attempt at a delivery that is due: claim it, POST it (outside any transaction),
    record the outcome. None when it was not due (sent, given up, or another worker is on it)."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status__in=[Status.PENDING, Status.FAILED], next_attempt_at__lte=now
    ).update(next_attempt_at=now + LEASE, attempts=F("attempts") + 1, last_attempt_at=now)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint", "event").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.active:
        return _record(delivery, status=None, error=_("The endpoint is disabled."), final=True)
    body = payload(delivery.event)
    headers = {
        transport.SIGNATURE_HEADER: transport.sign(endpoint.secret, body),
        transport.EVENT_ID_HEADER: str(delivery.event_id),
    }
    try:
        response = transport.post(endpoint.url, body, headers)
    except transport.AddressRefused as error:
        return _record(delivery, status=None, error=_("Address refused: %s") % error)
    except OSError as error:
        return _record(delivery, status=None, error=str(error) or type(error).__name__)
    if 200 <= response.status < 300:
        return _record(delivery, status=response.status, error="")
    return _record(
        delivery,
        status=response.status,
        error=f"HTTP {response.status}: {response.excerpt[:200]}",
    )


def _record(
    delivery: WebhookDelivery, *, status: int | None, error: str, final: bool = False
) -> WebhookDelivery:
    now = timezone.now()
    delivery.last_status_code = status
    delivery.last_error = error[:500]
    if not error:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            Status.SUCCEEDED,
            now,
            None,
        )
    elif final or now - delivery.retry_since >= GIVE_UP_AFTER:
        delivery.status, delivery.next_attempt_at = Status.GIVEN_UP, None
    else:
        delivery.status = Status.FAILED
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    delivery.save(
        update_fields=[
            "status",
            "last_status_code",
            "last_error",
            "next_attempt_at",
            "delivered_at",
        ]
    )
    return delivery


@transaction.atomic
def resend_webhook_delivery(*, delivery: WebhookDelivery, actor=None) -> WebhookDelivery:
    """Send again now, whatever its state; retries start a new 24-hour series."""
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=Status.PENDING, next_attempt_at=now, retry_since=now
    )
    delivery = WebhookDelivery.objects.select_related("event", "endpoint").get(pk=delivery.pk)
    record_event(
        code="events.webhook.resent",
        actor=actor,
        object_type="events.webhookendpoint",
        object_id=delivery.endpoint_id,
        data={"delivery": delivery.pk, "event": delivery.event_id, "code": delivery.event.code},
    )
    ids, schema = [delivery.pk], connection.schema_name
    transaction.on_commit(lambda: send_deliveries(ids, schema=schema), robust=True)
    return delivery
