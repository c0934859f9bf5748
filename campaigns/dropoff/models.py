"""Drop-off alerts ("décrochage"): the venue's thresholds, the alerts, and one row per week for
the detection run and the staff digest (what makes the weekly work idempotent).

Registered with the `campaigns` app (`app_label`), not an app of their own."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = ["DropoffAlert", "DropoffDigest", "DropoffRun", "DropoffSettings"]


class DropoffSettings(models.Model):
    """One row per venue. The defaults are the documented method's (docs/dropoff.md)."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    enabled = models.BooleanField(_("detect drop-offs every week"), default=True)
    min_history_quarters = models.PositiveSmallIntegerField(
        _("history needed before the recent window (quarters)"),
        default=6,
        validators=[MinValueValidator(2), MaxValueValidator(40)],
    )
    min_history_visits = models.PositiveSmallIntegerField(
        _("visits needed before the recent window"),
        default=4,
        validators=[MinValueValidator(2), MaxValueValidator(100)],
    )
    lookback_days = models.PositiveSmallIntegerField(
        _("recent window (days)"),
        default=365,
        validators=[MinValueValidator(91), MaxValueValidator(730)],
    )
    significance = models.FloatField(
        _("significance level"),
        default=0.05,
        validators=[MinValueValidator(0.001), MaxValueValidator(0.2)],
        help_text=_("Lower: fewer, surer alerts."),
    )
    min_drop_percent = models.PositiveSmallIntegerField(
        _("smallest drop worth an alert (%)"),
        default=30,
        validators=[MinValueValidator(10), MaxValueValidator(90)],
    )
    # A journey to offer on an alert (campaigns' journeys, when they exist): a plain id, no
    # foreign key, so this feature does not depend on them.
    journey_id = models.BigIntegerField(_("journey to offer"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "campaigns"
        verbose_name = _("drop-off settings")
        verbose_name_plural = _("drop-off settings")
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="campaigns_dropoff_one")
        ]

    def __str__(self) -> str:
        return "drop-off settings"

    @classmethod
    def current(cls) -> "DropoffSettings":
        found, _created = cls.objects.get_or_create(singleton=True)
        return found


class DropoffRun(models.Model):
    """One detection per venue and week (the week's Monday): a second run of the task finds
    the row and does nothing."""

    week = models.DateField(unique=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    contacts_judged = models.PositiveIntegerField(default=0)
    alerts_created = models.PositiveIntegerField(default=0)
    # Why nothing was judged ("venue_history"), the fitted model's parameters…
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        app_label = "campaigns"
        ordering = ["-week"]


class DropoffAlert(models.Model):
    class Kind(models.TextChoices):
        DRIFTING = "drifting", _("Comes less often")
        STOPPED = "stopped", _("Stopped coming")

    class State(models.TextChoices):
        OPEN = "open", _("To do")
        DISMISSED = "dismissed", _("Dismissed")
        ACTED = "acted", _("Done")
        # The contact came back, or a newer alert replaced this one.
        RESOLVED = "resolved", _("Resolved")

    contact = models.ForeignKey(
        "crm.Contact", on_delete=models.CASCADE, related_name="dropoff_alerts"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    week = models.DateField()
    score = models.FloatField()  # drift strength, 0–1: orders the list
    p_alive = models.FloatField()  # MBG/NBD: probability they have not stopped for good
    p_no_return = models.FloatField()  # MBG/NBD: no visit in the next quarter
    historical_rate = models.FloatField()  # visits per quarter before the recent window
    recent_rate = models.FloatField()  # visits per quarter in the recent window
    history_start = models.DateField()
    history_end = models.DateField()
    last_visit = models.DateField()
    reason = models.JSONField(default=dict)  # the facts of the sentence (method.reason_data)
    # What the alert is about: its kind and the contact's last visit. The same fingerprint is
    # never alerted twice (dismissed or not); a new visit or a change of kind makes a new one.
    fingerprint = models.CharField(max_length=40)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by_label = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        app_label = "campaigns"
        ordering = ["-score", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "fingerprint"], name="campaigns_dropoff_alert_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["-score"], name="campaigns_dropoff_open", condition=Q(state="open")
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.contact_id} ({self.week})"


class DropoffDigest(models.Model):
    """The week's email to the audience-relations staff, sent once (this row's uniqueness)."""

    week = models.DateField(unique=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveSmallIntegerField(default=0)
    alerts = models.PositiveIntegerField(default=0)

    class Meta:
        app_label = "campaigns"
        ordering = ["-week"]
