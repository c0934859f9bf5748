"""What tickets need besides the ticket row: the venue's signing key, the emails sent about an
order (one row each: the exactly-once claim) and the promotion printed on tickets."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .orders import Order
from .programme import Show


class TicketSigningKey(models.Model):
    """The venue's Ed25519 key that signs every ticket's QR code (ticketing.tickets.keys).
    One row per venue schema, made on first use; the unique `singleton` makes two processes
    that both find none agree on one key. `private_key` is a Fernet token under
    PARTERRE_FIELD_KEY (ticketing.tickets.keys)."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    private_key = models.TextField()  # encrypted
    public_key = models.CharField(max_length=64)  # raw 32 bytes, base64url without padding
    key_id = models.CharField(max_length=8)  # hex of the first 4 bytes of SHA-256(public key)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="ticket_signing_key_one_row")
        ]

    def __str__(self) -> str:
        return f"Ed25519 {self.key_id}"


class OrderEmail(models.Model):
    """One email about an order, claimed before it is sent (ticketing.services.emails).

    pending → sending (claimed: `claimed_at`, by one worker) → sent, or failed after
    MAX_ATTEMPTS errors. The first confirmation of an order is unique per (order, kind): the
    event consumer that creates it runs once, and so does its email. A re-send asked by staff
    or the API is a new row of kind `resend`."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", _("Confirmation")
        RESEND = "resend", _("Tickets sent again")
        RESERVATION_REMINDER = "reservation_reminder", _("Reservation reminder")
        PAYMENT_LINK = "payment_link", _("Payment link")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    to = models.EmailField(blank=True)  # empty: the buyer's address when sent
    language = models.CharField(max_length=8, blank=True)
    # Fixed when the row is made: a message sent again after a crash is the same message.
    message_id = models.CharField(max_length=200)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # After an SMTP error: not before this (1 min, 2, 4… capped at 1 h).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "kind"],
                condition=Q(kind="confirmation"),
                name="order_email_one_confirmation",
            ),
            # A reservation is reminded once, whoever runs the reminder first.
            models.UniqueConstraint(
                fields=["order", "kind"],
                condition=Q(kind="reservation_reminder"),
                name="order_email_one_reminder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order} {self.kind} ({self.status})"


class TicketPromotion(models.Model):
    """A short offer printed on tickets for a targeted upcoming show, until `expires_at`
    (then no ticket carries it any more). Set by staff in the back office."""

    show = models.ForeignKey(
        Show, on_delete=models.CASCADE, related_name="ticket_promotions", verbose_name=_("show")
    )
    message = models.CharField(_("message"), max_length=200)
    code = models.CharField(_("promo code"), max_length=40, blank=True)
    expires_at = models.DateTimeField(_("valid until"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ticket promotion")

    def __str__(self) -> str:
        return f"{self.show}: {self.message}"
