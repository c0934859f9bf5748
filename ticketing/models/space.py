"""What the online sale records besides the order itself: the venue's after-sale rules for
spectators, promo codes, which referral link or code an order came through, and the checkout
steps the storefront's visitors reached (no personal data)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .orders import Order
from .programme import Performance, Show


class AfterSaleRule(models.Model):
    """What a spectator may do with their own tickets in their space: cancel (refunded, minus a
    fee per ticket) or exchange for another date of the same show, until some hours before the
    performance. One row without a performance is the venue's rule; a row for a performance
    overrides it. Without any row, spectators can neither cancel nor exchange online."""

    performance = models.OneToOneField(
        Performance,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="aftersale_rule",
    )
    cancel_allowed = models.BooleanField(_("spectators may cancel online"), default=False)
    exchange_allowed = models.BooleanField(_("spectators may exchange online"), default=False)
    until_hours_before = models.PositiveIntegerField(
        _("until how many hours before the performance"), default=48
    )
    cancel_fee_cents = models.PositiveIntegerField(
        _("fee kept per cancelled ticket (cents)"), default=0
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # One venue-wide rule (performance NULL) and at most one per performance.
            models.UniqueConstraint(
                fields=["performance"], nulls_distinct=False, name="aftersale_rule_one_per"
            )
        ]

    def __str__(self) -> str:
        return f"{self.performance_id or 'venue'}: {self.until_hours_before} h"


class PromoCode(models.Model):
    """A code a spectator types at checkout. Minimal on purpose: whether a code is accepted
    (selectors.promotions.validate_promo_code) and which order used it; what it takes off the
    price comes with the pricing work."""

    code = models.CharField(_("code"), max_length=40, unique=True)  # stored upper case
    label = models.CharField(_("partner or purpose"), max_length=120, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    show = models.ForeignKey(
        Show,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="promo_codes",
        verbose_name=_("only for this show"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.code


class OrderAttribution(models.Model):
    """How an online order came: a friend's referral link (the prescriber, a crm contact id)
    and/or a promo code. A row only for orders that came through one, written after the
    order: the sale's one-statement INSERT stays as it is for every other order."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="attribution")
    referred_by_contact_id = models.BigIntegerField(null=True, blank=True)
    referral_show_id = models.BigIntegerField(null=True, blank=True)
    promo_code = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(
                fields=["referred_by_contact_id"],
                name="attribution_prescriber",
                condition=Q(referred_by_contact_id__isnull=False),
            ),
            models.Index(
                fields=["promo_code"], name="attribution_promo", condition=~Q(promo_code="")
            ),
        ]


class CheckoutStep(models.Model):
    """A step of the purchase a storefront visitor reached, once per visit (a random id in a
    browser-session cookie, nothing else about the person) and show, for the funnel
    show → seats → cart → payment → confirmation."""

    class Step(models.IntegerChoices):
        SHOW = 1, _("Show page")
        SEATS = 2, _("Seats")
        CART = 3, _("Cart")
        PAYMENT = 4, _("Payment")
        CONFIRMATION = 5, _("Confirmation")

    visit = models.CharField(max_length=32)
    step = models.PositiveSmallIntegerField(choices=Step.choices)
    show_id = models.BigIntegerField()
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["visit", "show_id", "step"], name="checkout_step_once")
        ]
        indexes = [models.Index(fields=["day", "show_id", "step"], name="checkout_step_day")]
