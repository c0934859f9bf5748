"""Programme-change notices: a performance cancelled or rescheduled, every ticket holder told.

One **ProgrammeNotice** per domain event (unique `event_id`): its Campaign (kind "notice",
not marketing) holds the email, one Delivery per contact (unique per campaign, contact and
occurrence). A **NoticeSms** is the text message to one contact about one notice, written
before it is sent (unique per notice and contact), claimed by a conditional UPDATE: a consumer
or task run twice sends nobody twice."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models.messages import Campaign


class ProgrammeNotice(models.Model):
    class Kind(models.TextChoices):
        CANCELLED = "cancelled", _("Performance cancelled")
        RESCHEDULED = "rescheduled", _("Performance rescheduled")

    event_id = models.BigIntegerField(unique=True)
    kind = models.CharField(_("change"), max_length=12, choices=Kind.choices)
    performance_id = models.BigIntegerField()
    show_id = models.BigIntegerField(null=True, blank=True)
    show_title = models.CharField(max_length=200, blank=True, default="")
    old_starts_at = models.DateTimeField(null=True, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    campaign = models.OneToOneField(
        Campaign, on_delete=models.PROTECT, related_name="programme_notice"
    )
    holders = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "campaigns"
        ordering = ["-created_at", "-id"]


class NoticeSms(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("To send")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    notice = models.ForeignKey(ProgrammeNotice, on_delete=models.CASCADE, related_name="sms")
    contact = models.ForeignKey(
        "crm.Contact", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    phone = models.CharField(max_length=20)
    language = models.CharField(max_length=8, default="fr")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        app_label = "campaigns"
        constraints = [
            models.UniqueConstraint(fields=["notice", "contact"], name="notice_sms_once")
        ]
