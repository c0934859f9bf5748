from django.db import models
from django.db.models import JSONField, Q, Value
from django.utils.translation import gettext_lazy as _

from .programme import Performance


class FeeBearer(models.TextChoices):
    """Who bears the booking fee: the buyer pays it on top of the price, the venue takes it
    off its revenue, or each half (the buyer's half rounded down)."""

    SPECTATOR = "spectator", _("The spectator")
    VENUE = "venue", _("The venue")
    SPLIT = "split", _("Shared (half each)")


class SalesSettings(models.Model):
    """One row per venue (its schema): per-ticket fee, hold time, single-price mode."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    currency = models.CharField(max_length=3, default="EUR")
    fee_cents = models.PositiveIntegerField(_("per-ticket fee (cents)"), default=0)
    fee_percent_bp = models.PositiveIntegerField(
        _("per-ticket fee (basis points of the price)"), default=0
    )
    hold_minutes = models.PositiveSmallIntegerField(_("cart hold (minutes)"), default=10)
    single_price_mode = models.BooleanField(_("one single price for everyone"), default=False)
    # Who bears the booking fee: the venue's default, then per channel ({channel: bearer});
    # a tariff's own setting (Tariff.fee_bearer) overrides both.
    fee_bearer = models.CharField(
        _("who bears the booking fee"),
        max_length=10,
        choices=FeeBearer.choices,
        default=FeeBearer.SPECTATOR,
        db_default=FeeBearer.SPECTATOR,
    )
    fee_bearer_by_channel = models.JSONField(
        default=dict, blank=True, db_default=Value({}, JSONField())
    )
    # Reservations (pay later) and phone sales (pay by a link): seats are kept until the
    # deadline — so many hours from now, but never later than `reservation_cutoff_hours`
    # before the performance — then released (ticketing.services.orders.reservations).
    reservation_hours = models.PositiveSmallIntegerField(
        _("reservation: time to pay (hours)"), default=72, db_default=72
    )
    reservation_cutoff_hours = models.PositiveSmallIntegerField(
        _("reservation: paid at the latest (hours before the performance)"),
        default=1,
        db_default=1,
    )
    reservation_reminder_hours = models.PositiveSmallIntegerField(
        _("reservation: reminder (hours before the deadline)"), default=24, db_default=24
    )
    phone_payment_hours = models.PositiveSmallIntegerField(
        _("phone sale: time to pay by the link (hours)"), default=24, db_default=24
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="sales_settings_one_row")
        ]

    @classmethod
    def current(cls) -> "SalesSettings":
        settings, _created = cls.objects.get_or_create(singleton=True)
        return settings

    def fee_for(self, price_cents: int) -> int:
        """The whole booking fee of a ticket at this price (whoever bears it)."""
        if price_cents == 0:
            return 0
        return self.fee_cents + (price_cents * self.fee_percent_bp + 5000) // 10000

    def fee_bearer_for(self, channel: str | None, tariff: "Tariff | None" = None) -> str:
        """Who bears the fee of a ticket sold on `channel` at `tariff`: the tariff's own
        setting, else the channel's, else the venue's."""
        if tariff is not None and tariff.fee_bearer:
            return tariff.fee_bearer
        by_channel = self.fee_bearer_by_channel or {}
        return by_channel.get(channel or "", "") or self.fee_bearer

    def fee_split(
        self, price_cents: int, channel: str | None, tariff: "Tariff | None" = None
    ) -> tuple[int, int]:
        """(what the buyer pays, what the venue bears) of a ticket's booking fee."""
        fee = self.fee_for(price_cents)
        bearer = self.fee_bearer_for(channel, tariff)
        if bearer == FeeBearer.VENUE:
            return 0, fee
        if bearer == FeeBearer.SPLIT:
            return fee // 2, fee - fee // 2
        return fee, 0


class Tariff(models.Model):
    class Kind(models.TextChoices):
        FULL = "full", _("Full price")
        SINGLE = "single", _("Single price")
        REDUCED = "reduced", _("Reduced")
        FREE = "free", _("Free / invitation")
        PROFESSIONAL = "professional", _("Professional")

    name = models.CharField(_("name"), max_length=80)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.FULL)
    # VAT in basis points: 550 = 5.5 % (live performances in France).
    tax_rate_bp = models.PositiveIntegerField(_("tax rate (basis points)"), default=550)
    public = models.BooleanField(_("sold online"), default=True)
    # Who bears the booking fee at this tariff ("": as the channel or the venue says).
    fee_bearer = models.CharField(
        _("booking fee borne by"),
        max_length=10,
        choices=FeeBearer.choices,
        blank=True,
        default="",
        db_default="",
    )
    is_active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class PriceCategory(models.Model):
    """A group of seats/zones sharing prices for one performance (e.g. "Cat. 1")."""

    performance = models.ForeignKey(
        Performance, on_delete=models.CASCADE, related_name="categories"
    )
    name = models.CharField(_("name"), max_length=60)
    color = models.CharField(max_length=7, default="#8a1538")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        unique_together = [("performance", "name")]

    def __str__(self) -> str:
        return self.name


class Price(models.Model):
    category = models.ForeignKey(PriceCategory, on_delete=models.CASCADE, related_name="prices")
    tariff = models.ForeignKey(Tariff, on_delete=models.PROTECT, related_name="prices")
    amount_cents = models.PositiveIntegerField(_("amount (cents)"))

    class Meta:
        unique_together = [("category", "tariff")]
        ordering = ["category__order", "tariff__order"]

    def __str__(self) -> str:
        return f"{self.category} / {self.tariff}: {self.amount_cents / 100:.2f}"
