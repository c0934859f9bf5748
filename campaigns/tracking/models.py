"""Attribution: which campaign, link, operation or promo code an order is credited to (one row
per order at most, decided by campaigns.tracking.attribution.attribute_order)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Attribution(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        LINK = "link", _("Tracked link or QR code")
        PROMO_CODE = "promo_code", _("Promo code")

    # ticketing's order (a plain id: an attribution outlives nothing, it is a report).
    order_id = models.BigIntegerField(unique=True)
    order_reference = models.CharField(max_length=40, blank=True, default="")
    contact_id = models.BigIntegerField(null=True, blank=True)
    channel = models.CharField(max_length=12, choices=Channel.choices)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attributions",
    )
    operation = models.ForeignKey(
        "campaigns.Operation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attributions",
    )
    link = models.ForeignKey(
        "campaigns.TrackedLink",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attributions",
    )
    delivery = models.ForeignKey(
        "campaigns.Delivery",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attributions",
    )
    promo_code = models.CharField(max_length=40, blank=True, default="")
    amount_cents = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3, default="EUR")
    clicked_at = models.DateTimeField(null=True, blank=True)
    ordered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "campaigns"
        indexes = [
            models.Index(fields=["campaign", "ordered_at"], name="attribution_campaign"),
            models.Index(fields=["operation"], name="attribution_operation"),
        ]
