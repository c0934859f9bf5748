"""The post-show quiz ("Alors, c'était comment ?") and the spectators' words.

A **Survey** is the venue's quiz: its questions are JSON checked by
campaigns.surveys.questions.clean_questions on every save through the service. A
**SurveyInvitation** is one contact asked about one performance, made once (unique per survey,
contact and performance) with a random token: the address /m/s/<token>/ needs no login. A
**SurveyResponse** is the one answer to an invitation. A **SpectatorWord** is a free-text answer
its author agreed to publish: staff approve or reject it before it is shown anywhere."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_survey_token() -> str:
    """128 random bits, URL-safe: the key of a survey invitation's address."""
    return secrets.token_urlsafe(16)


class Survey(models.Model):
    title = models.CharField(_("title"), max_length=120)
    intro = models.CharField(_("introduction"), max_length=500, blank=True, default="")
    # [{"id", "kind": rating|choice|text, "label", "options": [{"id", "label", "kind", "key"}]}]
    questions = models.JSONField(_("questions"), default=list)
    # The venue's quiz of the J+3 email (one at most).
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "campaigns"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="survey_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.title


class SurveyInvitation(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    contact = models.ForeignKey("crm.Contact", on_delete=models.CASCADE, related_name="+")
    # Plain ids, like crm's timeline: what the quiz is about.
    performance_id = models.BigIntegerField()
    show_id = models.BigIntegerField(null=True, blank=True)
    token = models.CharField(max_length=32, unique=True, default=new_survey_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "campaigns"
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "contact", "performance_id"], name="survey_invitation_once"
            )
        ]
        indexes = [models.Index(fields=["show_id"], name="survey_invitation_show")]


class SurveyResponse(models.Model):
    invitation = models.OneToOneField(
        SurveyInvitation, on_delete=models.CASCADE, related_name="response"
    )
    # question id → answer (an int for a rating, a list of option ids, a text)
    answers = models.JSONField(default=dict)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    words = models.TextField(blank=True, default="")
    publish_consent = models.BooleanField(default=False)
    # The (affinity kind, key) pairs these answers added: a change within the edit window
    # takes back exactly these.
    tastes = models.JSONField(default=list)
    submitted_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "campaigns"
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="survey_response_rating_1_5",
            )
        ]


class SpectatorWord(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("To moderate")
        APPROVED = "approved", _("Published")
        REJECTED = "rejected", _("Rejected")

    response = models.OneToOneField(
        SurveyResponse, null=True, blank=True, on_delete=models.SET_NULL, related_name="word"
    )
    contact = models.ForeignKey(
        "crm.Contact", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("words"))
    # "Marie D.": first name and the initial of the last name, fixed when written.
    display_name = models.CharField(_("signed"), max_length=80, blank=True, default="")
    show_id = models.BigIntegerField(null=True, blank=True)
    performance_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "campaigns"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="spectator_word_status"),
            models.Index(
                fields=["show_id", "moderated_at"],
                condition=Q(status="approved"),
                name="spectator_word_show_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name}: {self.text[:40]}"
