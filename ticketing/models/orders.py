"""Orders, tickets and payments (their history is the audit trail: accounts.AuditEvent)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .halls import Seat
from .inventory import Hold, PerformanceZone
from .pricing import Tariff
from .programme import Performance

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def new_ticket_code() -> str:
    return secrets.token_urlsafe(12)


class Channel(models.TextChoices):
    BOX_OFFICE = "box_office", _("Box office")
    WEB = "web", _("Online")
    PHONE = "phone", _("Phone")
    API = "api", _("API")


class InvitationReason(models.TextChoices):
    PRESS = "press", _("Press")
    ARTIST = "artist", _("Artist")
    PARTNER = "partner", _("Partner")
    PROFESSIONAL = "professional", _("Professional")
    STAFF = "staff", _("Staff")
    OTHER = "other", _("Other")


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending payment")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")
        PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")

    reference = models.CharField(max_length=12, unique=True, default=new_reference)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.WEB)
    contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    sold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders_sold",
    )
    hold = models.OneToOneField(
        Hold, null=True, blank=True, on_delete=models.SET_NULL, related_name="order"
    )
    currency = models.CharField(max_length=3, default="EUR")
    total_cents = models.IntegerField(default=0)  # tickets + fees
    fee_cents = models.IntegerField(default=0)
    refunded_cents = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # A reservation (status PENDING, seats taken) is paid by this time or released.
    pay_by = models.DateTimeField(null=True, blank=True)
    # An invitation: free tickets, counted apart in every report. Who invites (an artist,
    # a partner) is a contact; the staff member who issued it is `sold_by`.
    invitation_reason = models.CharField(
        max_length=20, choices=InvitationReason.choices, blank=True, default="", db_default=""
    )
    invited_by = models.ForeignKey(
        "crm.Contact",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invitations_given",
    )
    # An anonymous counter buyer's postcode, when that is all they gave: where the audience
    # comes from, without a contact record made of a postcode alone.
    buyer_postcode = models.CharField(max_length=20, blank=True, default="", db_default="")
    # The storefront visitor's marketing reference (campaigns' first-party cookie, set by a
    # tracked link or QR code), so a purchase can be credited to the operation it came from.
    marketing_ref = models.CharField(max_length=32, blank=True, default="", db_default="")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference

    def tickets_in_hand(self):
        """The tickets a sale just wrote, without a query (services.orders sets them), else
        this order's tickets."""
        issued = self.__dict__.get("issued_tickets")
        return issued if issued is not None else self.tickets.all()

    def extras_in_hand(self):
        """The extras a sale just wrote (none: no query), else this order's extras."""
        issued = self.__dict__.get("issued_extras")
        return issued if issued is not None else self.extras.all()

    @property
    def paid_cents(self) -> int:
        return sum(
            p.amount_cents for p in self.payments.all() if p.status == Payment.Status.SUCCEEDED
        )


class Ticket(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")
        EXCHANGED = "exchanged", _("Exchanged")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="tickets")
    # Indexed by ticket_perf_status, which starts with it (one index less to write per ticket).
    performance = models.ForeignKey(
        Performance, on_delete=models.PROTECT, related_name="tickets", db_index=False
    )
    seat = models.ForeignKey(Seat, null=True, blank=True, on_delete=models.PROTECT)
    performance_zone = models.ForeignKey(
        PerformanceZone, null=True, blank=True, on_delete=models.PROTECT
    )
    tariff = models.ForeignKey(Tariff, on_delete=models.PROTECT)
    price_cents = models.IntegerField()
    # The booking fee the buyer paid on top of the price (their share: SalesSettings.fee_split).
    fee_cents = models.IntegerField(default=0)
    # The share of the booking fee the venue bears: not charged, it comes off the venue's
    # revenue (receipts statements show it). fee_cents + venue_fee_cents = the whole fee.
    venue_fee_cents = models.IntegerField(default=0, db_default=0)
    tax_rate_bp = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.VALID)
    code = models.CharField(max_length=32, unique=True, default=new_ticket_code)
    exchanged_to = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="exchanged_from"
    )
    checked_in_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When it stopped being valid (cancelled, refunded, exchanged): door devices fetch the
    # tickets revoked since their last sync (ticketing.selectors.tickets.revoked_ticket_ids).
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Who the ticket is for when not the buyer (a companion named at checkout); NULL: the buyer.
    holder_contact = models.ForeignKey(
        "crm.Contact",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="held_tickets",
        db_index=False,
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            # The last line of defence: a seat is sold at most once per performance.
            models.UniqueConstraint(
                fields=["performance", "seat"],
                condition=Q(status="valid", seat__isnull=False),
                name="ticket_seat_sold_once",
            ),
            models.CheckConstraint(
                condition=(
                    Q(seat__isnull=False, performance_zone__isnull=True)
                    | Q(seat__isnull=True, performance_zone__isnull=False)
                ),
                name="ticket_seat_xor_zone",
            ),
        ]
        indexes = [
            models.Index(fields=["performance", "status"], name="ticket_perf_status"),
            models.Index(
                fields=["holder_contact"],
                name="ticket_holder",
                condition=Q(holder_contact__isnull=False),
            ),
        ]


class Payment(models.Model):
    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        CARD_COUNTER = "card_counter", _("Card (counter)")
        CHEQUE = "cheque", _("Cheque")
        ONLINE = "online", _("Online card")
        CARD_CREDIT = "card_credit", _("Card credit")
        VOUCHER = "voucher", _("Voucher")
        OFFLINE_TEST = "offline_test", _("Test payment (offline)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    method = models.CharField(max_length=20, choices=Method.choices)
    amount_cents = models.IntegerField()  # negative for a refund
    # Cash handed over above what was due, given back: the drawer kept `amount_cents`.
    change_cents = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SUCCEEDED)
    provider_reference = models.CharField(max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A counter payment (or refund) belongs to the open cash session of its desk.
    cash_session = models.ForeignKey(
        "ticketing.CashSession",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )

    class Meta:
        ordering = ["created_at", "id"]
