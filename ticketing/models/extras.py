"""Extras sold with the tickets of a performance: a drink or a meal before or after the show,
parking, the programme book. Each has a price, a VAT rate and, if limited, a stock."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .orders import Order
from .programme import Performance


class Extra(models.Model):
    class Kind(models.TextChoices):
        DRINK = "drink", _("Drink")
        MEAL = "meal", _("Meal")
        PARKING = "parking", _("Parking")
        PROGRAMME = "programme", _("Programme book")
        OTHER = "other", _("Other")

    performance = models.ForeignKey(Performance, on_delete=models.CASCADE, related_name="extras")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.OTHER)
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=200, blank=True)
    price_cents = models.PositiveIntegerField(_("price (cents)"))
    # VAT in basis points, included in the price (10 % on drinks served, 20 % on parking…).
    tax_rate_bp = models.PositiveIntegerField(_("VAT (basis points)"), default=2000)
    stock = models.PositiveIntegerField(
        _("stock"), null=True, blank=True, help_text=_("Leave empty when not limited.")
    )
    # Sold so far: moved only by ticketing.services.inventory.extras (conditional UPDATEs).
    sold = models.PositiveIntegerField(_("sold"), default=0, editable=False)
    public = models.BooleanField(_("sold online"), default=True)
    is_active = models.BooleanField(_("on sale"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name", "id"]
        verbose_name = _("extra")
        verbose_name_plural = _("extras")
        constraints = [
            models.CheckConstraint(
                condition=Q(stock__isnull=True) | Q(sold__lte=F("stock")),
                name="extra_sold_within_stock",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def left(self) -> int | None:
        """How many are left (None: not limited)."""
        return None if self.stock is None else max(self.stock - self.sold, 0)


class OrderExtra(models.Model):
    """Extras on an order: a line per extra, at the price and VAT rate of the sale."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="extras")
    extra = models.ForeignKey(Extra, on_delete=models.PROTECT, related_name="order_lines")
    quantity = models.PositiveSmallIntegerField()
    unit_price_cents = models.PositiveIntegerField()
    tax_rate_bp = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.VALID)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_extra_quantity_gte_1")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.extra_id}"

    @property
    def amount_cents(self) -> int:
        return self.quantity * self.unit_price_cents
