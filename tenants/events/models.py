"""The outbox and what reads it, in each venue's schema.

- `Event`: append-only. A service inserts one in the same transaction as the change it
  describes (tenants.events.services.publish); `dispatched_at` is set once every consumer
  that wants the event has handled it.
- `ConsumerReceipt`: one row per (event, consumer) handled — the idempotency key. A consumer
  runs in the transaction that inserts its receipt, so its database effects happen once even
  when an event is delivered twice.
- `ConsumerFailure`: the last error of a consumer on an event, and when it is tried again.
- `WebhookEndpoint` / `WebhookDelivery`: outgoing webhooks, the first consumer.
"""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .catalogue import matches


class Event(models.Model):
    id = models.BigAutoField(primary_key=True)
    code = models.CharField(_("code"), max_length=100)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    # The aggregate the event is about ("order:123"): events of one key reach each consumer
    # in id order.
    key = models.CharField(_("key"), max_length=100)
    data = models.JSONField(_("data"), default=dict, encoder=DjangoJSONEncoder)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    actor_label = models.CharField(_("by"), max_length=200, blank=True)
    # {"type": "user" | "token" | "system", "id": …}
    actor = models.JSONField(_("actor"), default=dict, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            # Only the backlog is indexed: small, and what the dispatcher reads in id order.
            models.Index(
                fields=["id"], name="events_undispatched", condition=Q(dispatched_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} #{self.pk} ({self.key})"


class ConsumerReceipt(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="receipts")
    consumer = models.CharField(max_length=100)
    handled_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "consumer"], name="events_receipt_once")
        ]


class ConsumerFailure(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="failures")
    consumer = models.CharField(max_length=100)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    first_failed_at = models.DateTimeField(default=timezone.now)
    last_failed_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "consumer"], name="events_failure_once")
        ]


class WebhookEndpoint(models.Model):
    url = models.CharField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # Exact codes of the catalogue, or patterns such as "ticketing.order.*".
    event_codes = models.JSONField(_("events"), default=list)
    secret = models.CharField(_("signing secret"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url

    def wants(self, code: str) -> bool:
        return any(matches(pattern, code) for pattern in self.event_codes)


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed, will retry")
        GIVEN_UP = "given_up", _("Given up")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    # When the next attempt may start; also a lease while an attempt is under way.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # Start of the current series of attempts (creation, or a manual re-send): retries stop
    # 24 hours after it.
    retry_since = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="events_delivery_once")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="events_delivery_due",
                # Two equalities rather than IN: PostgreSQL prints them back as written, so a
                # venue cloned from the template's dump has the very same index.
                condition=Q(status="pending") | Q(status="failed"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} ({self.status})"
