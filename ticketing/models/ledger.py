"""The inalterable sales ledger (ticketing.ledger): one chained, numbered entry per sale,
payment, refund, exchange, cancellation and closing, and the signed periodic closings.

Each venue has its own schema, so numbering is per venue. Rows are only ever inserted: the
migration installs a trigger that refuses UPDATE, DELETE and TRUNCATE on both tables, and
`LedgerHead` (the one row every append locks) carries the last number and hash. No foreign
keys: an entry keeps the order's id and reference as they were, whatever becomes of the order.
docs/ledger.md describes the format and what each rule of the French cash-register law asks.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The hash the first entry chains to (64 zeros, as in the exported archive).
GENESIS_HASH = "0" * 64


class LedgerHead(models.Model):
    """The chain's head: the last number given and its hash, one row per venue. Appending
    entries updates it (`ticketing_ledger_append`, the migration's SQL function) as the last
    statement of the sale's transaction, so its row lock is held only until the commit."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    number = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="ledger_head_one_row")
        ]


class LedgerEntryFields(models.Model):
    """What an entry records (everything but its number and hashes)."""

    kind = models.CharField(max_length=20)
    order_id = models.BigIntegerField(null=True, blank=True)
    order_reference = models.CharField(max_length=12, blank=True)
    payment_id = models.BigIntegerField(null=True, blank=True)
    method = models.CharField(max_length=20, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    # Signed: what the entry adds to the venue's takings (a refund is negative).
    total_cents = models.BigIntegerField(default=0)
    # Amounts including VAT by VAT rate in basis points ({"550": 2800}); fees apart.
    vat_cents = models.JSONField(default=dict, blank=True)
    fee_cents = models.BigIntegerField(default=0)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        abstract = True


class LedgerPending(LedgerEntryFields):
    """The journal a business write appends to in its own transaction (an INSERT, no shared
    row): entries recorded, not yet numbered. The chaining (`ticketing_ledger_chain`, the
    migration's SQL function) moves them, oldest first, into the numbered, chained ledger in
    one transaction: a row leaves this table only as an entry of the ledger. UPDATE and
    TRUNCATE are refused, DELETE is allowed only to that function."""

    body = models.TextField()  # the canonical text the entry's hash will cover


class LedgerEntry(models.Model):
    class Kind(models.TextChoices):
        SALE = "sale", _("Sale")
        PAYMENT = "payment", _("Payment")
        REFUND = "refund", _("Refund")
        EXCHANGE = "exchange", _("Exchange")
        CANCELLATION = "cancellation", _("Cancellation")
        CLOSING = "closing", _("Closing")

    number = models.BigIntegerField(unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    order_id = models.BigIntegerField(null=True, blank=True)
    order_reference = models.CharField(max_length=12, blank=True)
    payment_id = models.BigIntegerField(null=True, blank=True)
    method = models.CharField(max_length=20, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    # Signed: what the entry adds to the venue's takings (a refund is negative).
    total_cents = models.BigIntegerField(default=0)
    # Amounts including VAT by VAT rate in basis points ({"550": 2800}); fees apart.
    vat_cents = models.JSONField(default=dict, blank=True)
    fee_cents = models.BigIntegerField(default=0)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["number"]
        indexes = [models.Index(fields=["created_at"], name="ledger_entry_created")]

    def __str__(self) -> str:
        return f"#{self.number} {self.kind}"


class LedgerClosing(models.Model):
    """A signed closing of a day, month or year (venue time): the period's totals, the
    perpetual grand totals, the last entry it covers and its hash, signed with the venue's
    ledger key. Unique per period: closing twice changes nothing."""

    class Period(models.TextChoices):
        DAY = "day", _("Day")
        MONTH = "month", _("Month")
        YEAR = "year", _("Year")

    period = models.CharField(max_length=5, choices=Period.choices)
    start = models.DateField()  # first day of the period (venue time)
    end = models.DateField()  # first day after it
    first_number = models.BigIntegerField(null=True, blank=True)
    last_number = models.BigIntegerField(null=True, blank=True)
    chain_number = models.BigIntegerField()  # the chain's head when closed
    chain_hash = models.CharField(max_length=64)
    totals = models.JSONField(default=dict)
    payload = models.TextField()  # the canonical JSON that was signed
    signature = models.CharField(max_length=128)  # Ed25519, base64url
    key_id = models.CharField(max_length=16)
    entry_number = models.BigIntegerField()  # the ledger's "closing" entry for it
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-start", "period"]
        constraints = [
            models.UniqueConstraint(fields=["period", "start"], name="ledger_closing_once")
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.start}"


class LedgerKey(models.Model):
    """The venue's Ed25519 key signing closings and archives (ticketing.ledger.signing); a
    key of its own, not the ticket key (see there why). One row per venue, made on first use."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    private_key = models.TextField()  # encrypted (ticketing.tickets.keys.seal)
    public_key = models.CharField(max_length=64)
    key_id = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="ledger_key_one_row")
        ]
