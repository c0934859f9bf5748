"""Per-performance inventory. PostgreSQL enforces the invariants:

- one PerformanceSeat row per (performance, seat) and every change of its status is a
  conditional UPDATE (… WHERE status = 'available' …), so two buyers can never both get a seat;
- a general-admission zone's counters carry CHECK (held + sold <= capacity);
- a held seat carries its hold's expiry, so a confirmation (… AND hold_expires_at > now())
  and a take-over of an expired hold (… AND hold_expires_at <= now()) exclude each other.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .halls import Seat, Zone
from .pricing import PriceCategory
from .programme import Performance


class Allocation(models.Model):
    """Seats held back from public sale (box office, press, partners, pay-it-forward...)."""

    class Kind(models.TextChoices):
        BOX_OFFICE = "box_office", _("Box office")
        PRESS = "press", _("Press")
        PARTNER = "partner", _("Partners")
        PAY_IT_FORWARD = "pay_it_forward", _("Pay it forward")
        ACCESSIBILITY = "accessibility", _("Accessibility")
        OTHER = "other", _("Other")

    performance = models.ForeignKey(
        Performance, on_delete=models.CASCADE, related_name="allocations"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Hold(models.Model):
    """A cart: seats and places reserved for a buyer until `expires_at`."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CONFIRMED = "confirmed", _("Confirmed")
        RELEASED = "released", _("Released")
        EXPIRED = "expired", _("Expired")

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    performance = models.ForeignKey(Performance, on_delete=models.CASCADE, related_name="holds")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    # Searched only among active carts: hold_active_expiry below (every order writes a cart,
    # confirmed at once, that an index of all carts would gain for nothing).
    expires_at = models.DateTimeField()
    channel = models.CharField(max_length=20, default="web")
    seat_count = models.PositiveSmallIntegerField(default=0)  # seats to find at confirmation
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # The spectator, when the storefront knows them (signed in, or the checkout's email of a
    # known contact): an expired cart of theirs is an abandoned cart (journeys).
    contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["expires_at"], condition=Q(status="active"), name="hold_active_expiry"
            ),
        ]


class PerformanceSeat(models.Model):
    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        HELD = "held", _("Held")
        SOLD = "sold", _("Sold")
        BLOCKED = "blocked", _("Blocked")

    performance = models.ForeignKey(
        Performance, on_delete=models.CASCADE, related_name="seat_states"
    )
    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="states")
    category = models.ForeignKey(PriceCategory, on_delete=models.PROTECT, related_name="seats")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.AVAILABLE)
    hold = models.ForeignKey(
        Hold, null=True, blank=True, on_delete=models.SET_NULL, related_name="seats"
    )
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    allocation = models.ForeignKey(
        Allocation, null=True, blank=True, on_delete=models.SET_NULL, related_name="seats"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["performance", "seat"], name="perfseat_unique"),
            models.CheckConstraint(
                condition=(
                    Q(status="held", hold__isnull=False, hold_expires_at__isnull=False)
                    | (~Q(status="held") & Q(hold__isnull=True))
                ),
                name="perfseat_held_has_hold",
            ),
        ]
        indexes = [models.Index(fields=["performance", "status"], name="perfseat_perf_status")]

    # The one rule of "this seat can be taken now": free, or held by a cart whose time is up.
    # The clock is the application's (a parameter, never SQL now()), so every expiry decision
    # uses the same clock, frozen clocks in tests included. Hand-written SQL (the hot path)
    # and the ORM (`takeable`) both come from here.
    @classmethod
    def takeable_sql(cls, alias: str = "") -> str:
        """`(status = 'available' OR (status = 'held' AND hold_expires_at <= %s))`, with
        `alias.` before the columns; one parameter: the current time."""
        col = f"{alias}." if alias else ""
        return (
            f"({col}status = '{cls.Status.AVAILABLE}' OR ({col}status = '{cls.Status.HELD}' "
            f"AND {col}hold_expires_at <= %s))"
        )

    @classmethod
    def takeable(cls, now) -> Q:
        return Q(status=cls.Status.AVAILABLE) | Q(status=cls.Status.HELD, hold_expires_at__lte=now)


class PerformanceZone(models.Model):
    performance = models.ForeignKey(
        Performance, on_delete=models.CASCADE, related_name="zone_states"
    )
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="states")
    category = models.ForeignKey(PriceCategory, on_delete=models.PROTECT, related_name="zones")
    capacity = models.PositiveIntegerField()
    held = models.IntegerField(default=0)
    sold = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["performance", "zone"], name="perfzone_unique"),
            models.CheckConstraint(
                condition=Q(held__gte=0) & Q(sold__gte=0), name="perfzone_counts_positive"
            ),
            models.CheckConstraint(
                condition=Q(held__lte=F("capacity") - F("sold")), name="perfzone_within_capacity"
            ),
        ]

    @property
    def available(self) -> int:
        return self.capacity - self.held - self.sold


class HoldZoneItem(models.Model):
    hold = models.ForeignKey(Hold, on_delete=models.CASCADE, related_name="zone_items")
    performance_zone = models.ForeignKey(PerformanceZone, on_delete=models.CASCADE)
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hold", "performance_zone"], name="holdzone_unique"),
        ]
