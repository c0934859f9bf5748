"""The mailbox providers' tracking webhooks, through django-anymail: its views check the
request (HTTP basic auth with ANYMAIL["WEBHOOK_SECRET"], plus the provider's own signature
where it has one: Mailgun's signing key) and turn the provider's payload into an
`AnymailTrackingEvent`; `on_tracking` below maps it to the delivery and records it.

Mounted on the venue's host (/m/hooks/<provider>/tracking/), so the event is handled in that
venue's schema; the delivery is found by the `metadata={"delivery": token}` every message
carries (campaigns.rendering.build_message), else by the Message-ID we set
(`<token@domain>`). A provider that is not configured answers 404, never an unauthenticated
200: an unsigned webhook could unsubscribe anyone."""

from __future__ import annotations

import logging
import re

from anymail.signals import tracking
from anymail.webhooks.brevo import BrevoTrackingWebhookView
from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from django.conf import settings
from django.http import Http404
from django.views.decorators.csrf import csrf_exempt

from . import services

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"^<?([A-Za-z0-9_-]{10,32})@")

PROVIDERS = {
    # provider: (anymail's view, the settings it needs besides WEBHOOK_SECRET)
    "postmark": (PostmarkTrackingWebhookView, ()),
    "mailgun": (MailgunTrackingWebhookView, ("MAILGUN_WEBHOOK_SIGNING_KEY",)),
    "brevo": (BrevoTrackingWebhookView, ()),
}


def _configured(provider: str) -> bool:
    anymail = getattr(settings, "ANYMAIL", {}) or {}
    _view, needed = PROVIDERS[provider]
    return bool(anymail.get("WEBHOOK_SECRET")) and all(anymail.get(name) for name in needed)


@csrf_exempt
def provider_webhook(request, provider: str):
    if provider not in PROVIDERS or not _configured(provider):
        raise Http404("This provider's webhook is not configured.")
    view, _needed = PROVIDERS[provider]
    return view.as_view()(request)


def token_of(event) -> str:
    """The delivery token an anymail tracking event is about ("" when unknown)."""
    token = str((event.metadata or {}).get("delivery") or "")
    if token:
        return token[:32]
    found = _TOKEN.match(str(event.message_id or "").strip())
    return found.group(1) if found else ""


def on_tracking(sender, event, esp_name, **kwargs) -> None:
    token = token_of(event)
    delivery = services.delivery_for(token) if token else None
    if delivery is None:
        logger.info("%s %s event for no known delivery", esp_name, event.event_type)
        return
    kind = event.event_type
    if kind == "bounced":
        services.record_bounce(delivery=delivery, description=str(event.description or ""))
    elif kind == "complained":
        services.record_complaint(delivery=delivery)
    elif kind == "unsubscribed":
        services.unsubscribe(delivery=delivery)
    elif kind == "opened":
        services.record_open(token=delivery.token)


tracking.connect(on_tracking, dispatch_uid="campaigns.tracking.on_tracking")
