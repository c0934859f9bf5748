"""Journeys' tables (app label "campaigns"): Journey, JourneyRun, StaffTask."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Trigger(models.TextChoices):
    # Domain events (campaigns/journeys/consumers.py).
    BEFORE_PERFORMANCE = "before_performance", _("Before a performance the contact booked")
    AFTER_ATTENDANCE = "after_attendance", _("After the contact came to a performance")
    ABANDONED_CART = "abandoned_cart", _("Abandoned cart (a known spectator's hold expired)")
    # Time-based, evaluated by the tick (campaigns/journeys/triggers.py).
    FAVOURITE_SALE_OPEN = "favourite_sale_open", _("Favourite show: sale opening")
    FAVOURITE_FEW_SEATS = "favourite_few_seats", _("Favourite show: few seats left")
    UNUSED_CREDIT = "unused_credit", _("Card credit unused for N days")


EVENT_TRIGGERS = {Trigger.BEFORE_PERFORMANCE, Trigger.AFTER_ATTENDANCE, Trigger.ABANDONED_CART}
# The anchor of each trigger, in words (the form and docs show it).
ANCHORS = {
    Trigger.BEFORE_PERFORMANCE: _("the performance's start"),
    Trigger.AFTER_ATTENDANCE: _("the check-in at the door"),
    Trigger.ABANDONED_CART: _("the cart's expiry"),
    Trigger.FAVOURITE_SALE_OPEN: _("the sale's opening"),
    Trigger.FAVOURITE_FEW_SEATS: _("the moment few seats are left"),
    Trigger.UNUSED_CREDIT: _("the contact's last purchase"),
}


class Action(models.TextChoices):
    EMAIL = "email", _("Send an email")
    SMS = "sms", _("Send a text message")
    ADD_TAG = "add_tag", _("Add a tag")
    CREATE_TASK = "create_task", _("Create a task for a staff member")


class Journey(models.Model):
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=500, blank=True, default="")
    enabled = models.BooleanField(_("switched on"), default=False)
    trigger = models.CharField(_("trigger"), max_length=30, choices=Trigger.choices)
    # Signed minutes from the trigger's anchor: -4320 = three days before the performance,
    # +4320 = three days after the check-in.
    offset_minutes = models.IntegerField(_("delay (minutes, negative: before)"), default=0)
    # Conditions: a saved segment, or an ad-hoc definition (crm.segments), evaluated when the
    # step runs. Neither: everyone the trigger brings.
    segment = models.ForeignKey(
        "crm.Segment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("only contacts of the segment"),
    )
    conditions = models.JSONField(_("conditions"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "journey"},
        verbose_name=_("email to send"),
    )
    first_timer_campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "journey"},
        verbose_name=_("email for first-timers"),
    )
    sms_text = models.CharField(_("text message"), max_length=640, blank=True, default="")
    tag = models.CharField(_("tag"), max_length=50, blank=True, default="")
    task_title = models.CharField(_("task"), max_length=200, blank=True, default="")
    task_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    # The show a re-engagement email promotes ("a chosen upcoming show", J+40).
    performance = models.ForeignKey(
        "ticketing.Performance",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("performance promoted"),
    )
    # Few seats left: at most this many free places; unused credit: after this many days.
    threshold = models.PositiveIntegerField(_("threshold"), default=0)
    # Counters, kept by the services (opened/clicked/converted are read from deliveries).
    entered = models.PositiveIntegerField(default=0)
    sent = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        app_label = "campaigns"
        ordering = ["name", "id"]
        verbose_name = _("journey")
        indexes = [
            models.Index(fields=["trigger"], condition=Q(enabled=True), name="journey_enabled")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def offset_days(self) -> int:
        """The delay in whole days, without its sign (the form's "days before/after")."""
        return abs(round(self.offset_minutes / 1440))

    @property
    def offset_hours(self) -> int:
        return abs(round(self.offset_minutes / 60))


class JourneyRun(models.Model):
    """One step for one contact and one trigger occurrence ("perf:45", "show:7",
    "credit:2026-10-01"): written when the trigger fires, run by the tick when due."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="runs")
    contact = models.ForeignKey("crm.Contact", on_delete=models.CASCADE, related_name="+")
    occurrence = models.CharField(max_length=100)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    # Why a run was skipped, failed or cancelled (a code: no_consent, not_in_segment…).
    outcome = models.CharField(max_length=40, blank=True, default="")
    done_at = models.DateTimeField(null=True, blank=True)
    delivery = models.ForeignKey(
        "campaigns.Delivery", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the occurrence is about (plain ids: moves and cancellations find their runs).
    performance_id = models.BigIntegerField(null=True, blank=True)
    order_id = models.BigIntegerField(null=True, blank=True)
    first_time = models.BooleanField(default=False)
    context = models.JSONField(default=dict, blank=True)  # e.g. an expired cart's seat ids
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "campaigns"
        constraints = [
            models.UniqueConstraint(
                fields=["journey", "contact", "occurrence"], name="journeyrun_once"
            )
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status="scheduled"), name="journeyrun_due"),
            models.Index(
                fields=["performance_id"],
                condition=Q(status="scheduled"),
                name="journeyrun_performance",
            ),
            models.Index(
                fields=["order_id"], condition=Q(status="scheduled"), name="journeyrun_order"
            ),
            models.Index(fields=["journey", "-due_at"], name="journeyrun_journey"),
        ]


class StaffTask(models.Model):
    """Something a staff member should do for a contact (a journey's "create a task")."""

    title = models.CharField(_("task"), max_length=200)
    contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    journey = models.ForeignKey(
        Journey, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "campaigns"
        ordering = ["done_at", "due_on", "id"]
        verbose_name = _("staff task")
