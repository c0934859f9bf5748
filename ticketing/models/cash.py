"""The till: desks (a counter position) and their cash sessions (opened with a float, closed
by counting the drawer). Every counter payment belongs to the open session of its desk
(Payment.cash_session)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Desk(models.Model):
    """A counter position with its own drawer (the browser remembers which one it is)."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CashSession(models.Model):
    """From opening (the float counted into the drawer) to closing (the drawer counted by
    denomination). `expected_cents` is computed at closing (float + cash kept by the sales −
    cash refunds, services.cash), `difference_cents` = counted − expected, explained by
    `comment` when not zero. A manager may reopen a closed session (audited)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Session in progress")
        CLOSED = "closed", _("Session closed")

    desk = models.ForeignKey(Desk, on_delete=models.PROTECT, related_name="sessions")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    float_cents = models.PositiveIntegerField(_("float"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # {denomination in cents (as a string): count} as counted at the last closing.
    counted = models.JSONField(default=dict, blank=True)
    counted_cents = models.IntegerField(null=True, blank=True)
    expected_cents = models.IntegerField(null=True, blank=True)
    difference_cents = models.IntegerField(null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    reopened_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["desk"], condition=Q(status="open"), name="cash_session_one_open_per_desk"
            )
        ]

    def __str__(self) -> str:
        return f"{self.desk} · {self.opened_at:%Y-%m-%d %H:%M}"
