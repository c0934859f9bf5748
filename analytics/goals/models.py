"""A goal on one of the venue's key indicators, and the monthly digest's once-a-month row."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Goal(models.Model):
    class Mode(models.TextChoices):
        ABSOLUTE = "absolute", _("Reach a value")
        PERCENT = "percent", _("Grow by a percentage over the previous season")
        UNITS = "units", _("Grow by an amount over the previous season")

    # A key of analytics.indicators' registry (checked by the services, not a choice list:
    # indicators are registered by code, and a goal outlives a renamed one as "no data").
    indicator = models.CharField(max_length=40)
    season = models.CharField(max_length=9)  # "2026-2027", crm.behaviour's naming
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.ABSOLUTE)
    # In the indicator's own scale: a share is 0..1, money is cents. PERCENT: the growth in
    # percent (10 = +10 %); UNITS: the growth in the indicator's scale (+0.3 seats).
    amount = models.DecimalField(max_digits=16, decimal_places=4)
    # Where the venue started, for a rate that is not per season (the integrity of the
    # base when the goal was set); None: the previous season's value, or nothing.
    start_value = models.FloatField(null=True, blank=True)
    label = models.CharField(max_length=120, blank=True)
    starts_on = models.DateField()
    deadline = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "analytics"
        ordering = ["deadline", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__gte=models.F("starts_on")),
                name="analytics_goal_dates",
            )
        ]

    def __str__(self) -> str:
        return self.label or f"{self.indicator} {self.season}"


class GoalDigest(models.Model):
    """The month's goals email to the admins, sent once (this row's uniqueness): claimed
    before sending, marked sent after."""

    month = models.DateField(unique=True)  # the month's first day (venue time)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveSmallIntegerField(default=0)
    goals = models.PositiveSmallIntegerField(default=0)

    class Meta:
        app_label = "analytics"
        ordering = ["-month"]
