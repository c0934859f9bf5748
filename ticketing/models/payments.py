"""Online payments: a venue's payment provider settings, each payment attempt (one per
provider intent), the provider's customers (saved cards) and the provider events received."""

import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenants.crypto import EncryptedTextField

from .inventory import Hold
from .orders import Order, Payment

# What the counter can take, in the order of its shortcuts (Alt+1 … Alt+4).
COUNTER_METHODS = (
    Payment.Method.CASH,
    Payment.Method.CARD_COUNTER,
    Payment.Method.CHEQUE,
    Payment.Method.VOUCHER,
)


def all_counter_methods() -> list[str]:
    return [m.value for m in COUNTER_METHODS]


class PaymentSettings(models.Model):
    """One row per venue: its own Stripe account's keys. The secret ones are encrypted at
    rest (tenants.crypto) and never shown again in full."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    stripe_publishable_key = models.CharField(max_length=200, blank=True)
    stripe_secret_key = EncryptedTextField(blank=True)
    stripe_webhook_secret = EncryptedTextField(blank=True)
    # The methods the counter offers (a venue without a card terminal switches card off).
    counter_methods = ArrayField(
        models.CharField(max_length=20, choices=[(m.value, m.label) for m in COUNTER_METHODS]),
        default=all_counter_methods,
        size=len(COUNTER_METHODS),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="payment_settings_one_row")
        ]

    @classmethod
    def current(cls) -> "PaymentSettings":
        return cls.objects.filter(singleton=True).first() or cls()


class OnlinePayment(models.Model):
    """One payment attempt of the storefront: the cart it pays for, exactly the amount
    quoted, what to sell once the provider says it is paid (tariffs, buyer, places) and the
    order written then. No order exists before the money does."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for payment")
        FAILED = "failed", _("Declined (may be tried again)")
        SUCCEEDED = "succeeded", _("Paid")
        CANCELED = "canceled", _("Cancelled")

    class Outcome(models.TextChoices):
        NONE = "", _("Not settled yet")
        ORDER = "order", _("Order written")
        REFUNDED = "refunded", _("Refunded: places no longer available")
        REFUNDED_PRICE = "refunded_price", _("Refunded: the price changed during the payment")

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.CharField(max_length=20)
    intent_id = models.CharField(max_length=120, unique=True)
    hold = models.ForeignKey(
        Hold, null=True, blank=True, on_delete=models.SET_NULL, related_name="online_payments"
    )
    order = models.OneToOneField(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="online_payment"
    )
    # A payment link's payment (a phone sale, a reservation): the pending order it pays,
    # whose seats are already taken; `order` is set once it is paid, as for a cart.
    pending_order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="link_payments"
    )
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True, default="")
    performance_id = models.IntegerField()
    places = models.JSONField(default=dict)  # {"seat_ids": [...], "zones": {id: quantity}}
    tariffs = models.JSONField(default=dict)  # specs.TariffChoice as JSON
    buyer = models.JSONField(default=dict)  # specs.Buyer as JSON
    extras = models.JSONField(default=dict, blank=True)  # {extra id: quantity} sold with it
    # What the checkout added (referral, promo code, companions: services.orders.spectators.
    # CheckoutAdditions as JSON), recorded with the order when it is written.
    additions = models.JSONField(default=dict, blank=True)
    customer_id = models.CharField(max_length=120, blank=True)
    save_card = models.BooleanField(default=False)
    refunded_cents = models.PositiveIntegerField(default=0)
    disputed = models.BooleanField(default=False)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(status="pending"), name="onlinepay_pending"
            )
        ]


class PaymentCustomer(models.Model):
    """A contact's customer at the venue's provider, whose saved card pays in one tap."""

    contact = models.OneToOneField(
        "crm.Contact", on_delete=models.CASCADE, related_name="payment_customer"
    )
    provider = models.CharField(max_length=20)
    customer_id = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)


class ProviderEvent(models.Model):
    """A webhook event received: its unique id makes a second delivery change nothing."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=120)
    type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=120, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="provider_event_once")
        ]
