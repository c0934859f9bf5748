"""The core of campaigns: operations, messages (campaigns), tracked links and deliveries.

A **Delivery** is one message to one contact. It is written (status `pending`) before anything
is sent, unique per (campaign, contact, occurrence): a newsletter has one occurrence (""), a
journey step one per trigger occurrence (e.g. "order:123:perf:45"). Sending claims a pending
row, sends, and marks it `sent`; a worker that dies between claim and mark leaves a `sending`
row whose Message-ID is its token, so a retry sends the same message (collapsed by mail stores)
rather than forgetting it. Tracking (open pixel, clicks, unsubscribe, bounces) is keyed by the
delivery's random token."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_token() -> str:
    """128 random bits, URL-safe: the key of a delivery's tracking links."""
    return secrets.token_urlsafe(16)


class CommunicationSettings(models.Model):
    """The venue's sending rules (one row): the periodicity cap both ways, the sending rate,
    the attribution window and the sender."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    # "Ni trop": no more than cap_count marketing emails to one person in cap_days days.
    cap_count = models.PositiveSmallIntegerField(_("at most … marketing emails"), default=4)
    cap_days = models.PositiveSmallIntegerField(_("… in so many days"), default=30)
    # "Ni trop peu": consenting contacts who heard nothing for this long are flagged.
    silence_days = models.PositiveSmallIntegerField(_("flag silence after (days)"), default=120)
    # Emails per minute for this venue (0: as fast as the workers go).
    rate_per_minute = models.PositiveIntegerField(_("emails per minute (0: no limit)"), default=0)
    # A purchase within this many days of a click is credited to the campaign.
    attribution_days = models.PositiveSmallIntegerField(_("attribution window (days)"), default=7)
    from_name = models.CharField(_("sender name"), max_length=120, blank=True, default="")
    reply_to = models.EmailField(_("reply-to address"), blank=True, default="")

    class Meta:
        verbose_name = _("communication settings")


class Operation(models.Model):
    """A communication operation (a season launch, a partner offer, a poster campaign, a
    press push): it groups its channels (emails, tracked links and QR codes, promo codes)
    with its cost, so its return can be measured."""

    class Kind(models.TextChoices):
        SEASON_LAUNCH = "season_launch", _("Season launch")
        PARTNER_OFFER = "partner_offer", _("Partner offer")
        POSTERS = "posters", _("Poster campaign")
        PRESS = "press", _("Press push")
        SOCIAL = "social", _("Social media")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    cost_cents = models.BigIntegerField(_("cost (cents)"), default=0)
    currency = models.CharField(max_length=3, default="EUR")
    # Promo codes given to partners for this operation (ticketing's codes, matched by text).
    promo_codes = models.JSONField(_("promo codes"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(cost_cents__gte=0), name="operation_cost_positive")
        ]

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    """A message: a newsletter, a press or relay mailing, or the email of a journey step.

    `content` is {"<language>": {"subject": str, "preheader": str, "blocks": [block, …]}};
    French is required, other languages are optional and chosen by the contact's language.
    The audience (newsletters) is a saved segment or an ad-hoc definition, evaluated at send
    time, always narrowed to contacts with email consent and under the periodicity cap."""

    class Kind(models.TextChoices):
        NEWSLETTER = "newsletter", _("Newsletter")
        PRESS = "press", _("Press mailing")
        RELAY = "relay", _("Relay mailing")
        JOURNEY = "journey", _("Journey email")
        NOTICE = "notice", _("Service notice")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        PAUSED = "paused", _("Paused")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.NEWSLETTER)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    # Marketing messages count towards the periodicity cap and need email consent; service
    # notices (a cancelled performance) do neither.
    marketing = models.BooleanField(_("marketing"), default=True)
    operation = models.ForeignKey(
        Operation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaigns",
        verbose_name=_("operation"),
    )
    content = models.JSONField(_("content"), default=dict, blank=True)
    segment = models.ForeignKey(
        "crm.Segment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("segment"),
    )
    audience_definition = models.JSONField(_("ad-hoc audience"), null=True, blank=True)
    # Press and relay mailings may go to a fixed list of contacts instead of a segment.
    list_contact_ids = models.JSONField(default=list, blank=True)
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Counted when the audience is frozen at send time.
    recipients = models.PositiveIntegerField(default=0)
    excluded_cap = models.PositiveIntegerField(default=0)
    excluded_consent = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["scheduled_at"], condition=Q(status="scheduled"), name="campaign_due"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def targeted(self) -> bool:
        """Sent to a chosen audience rather than to every consenting contact."""
        return bool(self.segment_id or self.audience_definition or self.list_contact_ids)


class TrackedLink(models.Model):
    """A link whose clicks are counted: a link of a campaign's content (registered when the
    campaign is compiled for sending: only these redirect, so no open redirect), or a link of
    an operation for print and social posts (`slug`, shown as a QR code)."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email link")
        PRINT = "print", _("Printed QR code")
        SOCIAL = "social", _("Social post")
        OTHER = "other", _("Other link")

    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="links"
    )
    operation = models.ForeignKey(
        Operation, null=True, blank=True, on_delete=models.CASCADE, related_name="links"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.EMAIL)
    url = models.URLField(_("destination"), max_length=2000)
    label = models.CharField(_("label"), max_length=200, blank=True, default="")
    slug = models.SlugField(max_length=40, null=True, blank=True, unique=True)
    clicks = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "url"],
                condition=Q(campaign__isnull=False),
                name="trackedlink_campaign_url",
            ),
            models.CheckConstraint(
                condition=Q(campaign__isnull=False) | Q(operation__isnull=False),
                name="trackedlink_has_owner",
            ),
        ]


class Delivery(models.Model):
    """One message to one contact, written before it is sent (see the module's docstring)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("To send")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        BOUNCED = "bounced", _("Bounced")
        SKIPPED = "skipped", _("Skipped")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deliveries")
    contact = models.ForeignKey(
        "crm.Contact", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurrence = models.CharField(max_length=100, blank=True, default="")
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    email = models.EmailField()
    language = models.CharField(max_length=8, default="fr")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # After a temporary error (SMTP 4xx), not claimed again before this (campaigns/sending).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True, default="")
    opened_at = models.DateTimeField(null=True, blank=True)
    opens = models.PositiveIntegerField(default=0)
    clicked_at = models.DateTimeField(null=True, blank=True)
    clicks = models.PositiveIntegerField(default=0)
    bounced_at = models.DateTimeField(null=True, blank=True)
    complained_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "contact", "occurrence"], name="delivery_once"
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="delivery_campaign_status"),
            models.Index(fields=["contact", "sent_at"], name="delivery_contact_sent"),
        ]


class LinkClick(models.Model):
    """One click on a tracked link: from an email (delivery known) or from a QR code or post
    (delivery null). Attribution reads the latest clicks of a buyer."""

    link = models.ForeignKey(TrackedLink, on_delete=models.CASCADE, related_name="click_rows")
    delivery = models.ForeignKey(
        Delivery, null=True, blank=True, on_delete=models.CASCADE, related_name="click_rows"
    )
    contact_id = models.BigIntegerField(null=True, blank=True)
    visitor = models.CharField(max_length=32, blank=True, default="")  # cookie, QR visitors
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["contact_id", "occurred_at"], name="linkclick_contact"),
            models.Index(fields=["visitor", "occurred_at"], name="linkclick_visitor"),
        ]
