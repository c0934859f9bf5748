from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .programme import Performance


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
        if price_cents == 0:
            return 0
        return self.fee_cents + (price_cents * self.fee_percent_bp + 5000) // 10000


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
