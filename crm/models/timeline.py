"""A contact's consents (append-only) and timeline (typed events, once each by their dedupe key)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .contacts import Contact, Source


class Consent(models.Model):
    """Append-only history: a contact's current consent on a channel is its latest row."""

    class Channel(models.TextChoices):
        EMAIL_NEWSLETTER = "email_newsletter", _("Newsletter by email")
        SMS = "sms", _("Text messages")
        # The storefront notes the shows a signed-in spectator looks at (interest signals).
        WEB_INTEREST = "web_interest", _("Shows looked at on the website")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("channel"), max_length=32, choices=Channel.choices)
    granted = models.BooleanField(_("granted"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    actor_label = models.CharField(max_length=200, blank=True)
    # The proof: the words the person was shown, where the choice came from (the browser's
    # address for a web form; the staff member is `actor_label`), and for a web newsletter
    # sign-up when the person confirmed it from their mailbox (double opt-in).
    wording = models.TextField(_("wording shown"), blank=True, default="", db_default="")
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed (double opt-in)"), null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [
            models.Index(
                fields=["contact", "channel", "-recorded_at", "-id"], name="crm_consent_latest"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}={'yes' if self.granted else 'no'}"


class TimelineEvent(models.Model):
    """What happened to a contact, append-only. `dedupe_key` makes a report idempotent: the
    same order, ticket or refund can only be recorded once per (code, contact)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="timeline")
    code = models.CharField(max_length=64)  # dotted: crm.contact.created, ticketing.purchase
    occurred_at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    # What the event is about, as ids in indexed columns (crm never joins ticketing tables:
    # these are plain integers), so "attended a dance show in 24 months" is a query here.
    show_id = models.BigIntegerField(null=True, blank=True)
    performance_id = models.BigIntegerField(null=True, blank=True)
    order_id = models.BigIntegerField(null=True, blank=True)
    campaign_id = models.BigIntegerField(null=True, blank=True)
    genre = models.CharField(max_length=40, blank=True)
    # NULL (no key) rather than "": NULLs never collide in the unique constraint below.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            # NULLs are distinct: events without a dedupe key are never constrained.
            models.UniqueConstraint(
                fields=["code", "contact", "dedupe_key"], name="crm_timeline_unique_dedupe"
            )
        ]
        indexes = [
            models.Index(fields=["contact", "-occurred_at"], name="crm_timeline_contact_recent"),
            models.Index(
                fields=["code", "show_id", "occurred_at"],
                name="crm_timeline_show",
                condition=Q(show_id__isnull=False),
            ),
            models.Index(
                fields=["code", "performance_id"],
                name="crm_timeline_performance",
                condition=Q(performance_id__isnull=False),
            ),
            models.Index(
                fields=["code", "campaign_id", "occurred_at"],
                name="crm_timeline_campaign",
                condition=Q(campaign_id__isnull=False),
            ),
            models.Index(
                fields=["order_id"], name="crm_timeline_order", condition=Q(order_id__isnull=False)
            ),
            # Segments: events of a kind in a period (clicks of the last 30 days), per genre
            # (dance attendances in 24 months), and a contact's purchases (clicked but did not
            # buy, viewed but did not buy), each readable from the index alone.
            models.Index(
                fields=["code", "occurred_at"],
                include=["contact_id"],
                name="crm_timeline_seg_code_time",
            ),
            models.Index(
                fields=["code", "genre", "occurred_at"],
                include=["contact_id"],
                name="crm_timeline_seg_genre",
                condition=~Q(genre=""),
            ),
            models.Index(
                fields=["contact", "occurred_at"],
                include=["show_id", "performance_id"],
                name="crm_timeline_seg_purchases",
                condition=Q(code="ticketing.purchase"),
            ),
            models.Index(
                fields=["show_id"],
                include=["contact_id"],
                name="crm_timeline_seg_show_buyers",
                condition=Q(code="ticketing.purchase", show_id__isnull=False),
            ),
            models.Index(
                fields=["performance_id"],
                include=["contact_id"],
                name="crm_timeline_seg_perf_buyers",
                condition=Q(code="ticketing.purchase", performance_id__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} @ {self.occurred_at:%Y-%m-%d %H:%M}"
