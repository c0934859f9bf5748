"""Duplicate candidates, merges and the venue's dedup settings (in the venue's schema).

Imported at the end of crm/models.py, so they are crm's models (app label "crm").
"""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DedupSettings(models.Model):
    """One row per venue: the two thresholds of the merge queue, set by the data steward.

    A pair scoring at least `auto_merge_threshold` is merged without asking (reversibly); a pair
    between `review_threshold` and it waits in the review queue; below, nothing is kept."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    auto_merge_threshold = models.FloatField(_("automatic merge from"), default=0.99)
    review_threshold = models.FloatField(_("review from"), default=0.5)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by_label = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("deduplication settings")
        verbose_name_plural = _("deduplication settings")
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="crm_dedupsettings_one"),
            models.CheckConstraint(
                condition=Q(review_threshold__gt=0)
                & Q(review_threshold__lte=F("auto_merge_threshold"))
                & Q(auto_merge_threshold__lte=1),
                name="crm_dedupsettings_thresholds",
            ),
        ]

    def __str__(self) -> str:
        return f"review ≥ {self.review_threshold}, merge ≥ {self.auto_merge_threshold}"


class ContactMatchKey(models.Model):
    """A contact's blocking keys (crm.dedup.engine.blocking_keys, as strings) and normalised
    name and locality, kept by the candidate refresh: `find_duplicates_for` looks up the
    contacts sharing a key with one GIN-indexed query instead of loading the base."""

    contact = models.OneToOneField(
        "crm.Contact", on_delete=models.CASCADE, primary_key=True, related_name="match_key"
    )
    keys = ArrayField(models.CharField(max_length=200), default=list)
    first = models.CharField(max_length=150, blank=True)
    last_core = models.CharField(max_length=150, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    town = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            GinIndex(fields=["keys"], name="crm_matchkey_keys"),
            models.Index(fields=["first"], name="crm_matchkey_first"),
            models.Index(fields=["last_core"], name="crm_matchkey_last"),
            models.Index(fields=["postcode"], name="crm_matchkey_postcode"),
            models.Index(fields=["town"], name="crm_matchkey_town"),
        ]


class DuplicateCandidate(models.Model):
    """Two contacts that may be one person: the pair (lowest id first), the engine's score and
    the fields that agreed. Pending ones form the review queue."""

    class Status(models.TextChoices):
        PENDING = "pending", _("To review")
        MERGED = "merged", _("Merged")
        DISMISSED = "dismissed", _("Not the same person")

    contact_low = models.ForeignKey(
        "crm.Contact", on_delete=models.CASCADE, related_name="+", verbose_name=_("contact")
    )
    contact_high = models.ForeignKey(
        "crm.Contact", on_delete=models.CASCADE, related_name="+", verbose_name=_("contact")
    )
    score = models.FloatField(_("score"))
    reasons = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    scored_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by_label = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("duplicate candidate")
        verbose_name_plural = _("duplicate candidates")
        constraints = [
            models.UniqueConstraint(
                fields=["contact_low", "contact_high"], name="crm_duplicate_unique_pair"
            ),
            models.CheckConstraint(
                condition=Q(contact_low__lt=F("contact_high")), name="crm_duplicate_ordered"
            ),
        ]
        indexes = [
            models.Index(
                F("score").desc(),
                "id",
                name="crm_duplicate_queue",
                condition=Q(status="pending"),
            ),
            models.Index(fields=["contact_high"], name="crm_duplicate_high"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_low_id}≈{self.contact_high_id} ({self.score:.2f})"


class Merge(models.Model):
    """One merge: `absorbed` was folded into `kept`. `snapshot` holds what the merge changed,
    row by row (see crm.dedup.merging), so that `unmerge_contacts` puts both back."""

    kept = models.ForeignKey(
        "crm.Contact", on_delete=models.PROTECT, related_name="merges_kept", verbose_name=_("kept")
    )
    absorbed = models.ForeignKey(
        "crm.Contact",
        on_delete=models.PROTECT,
        related_name="merges_absorbed",
        verbose_name=_("absorbed"),
    )
    candidate = models.ForeignKey(
        DuplicateCandidate, null=True, blank=True, on_delete=models.SET_NULL, related_name="merges"
    )
    score = models.FloatField(null=True, blank=True)
    automatic = models.BooleanField(default=False)
    snapshot = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    actor_label = models.CharField(max_length=200, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by_label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        constraints = [
            # A contact is absorbed by one live merge at most.
            models.UniqueConstraint(
                fields=["absorbed"],
                condition=Q(undone_at__isnull=True),
                name="crm_merge_one_live_per_absorbed",
            ),
            models.CheckConstraint(condition=~Q(kept=F("absorbed")), name="crm_merge_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.absorbed_id} → {self.kept_id}"
