"""Privacy settings of a venue and the contacts waiting for an erasure decision."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import Contact


class PrivacySettings(models.Model):
    """One row per venue (its schema): the retention rule and what the public page says."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    retention_years = models.PositiveSmallIntegerField(
        _("retention (years without activity)"),
        default=3,
        help_text=_("Contacts inactive for this long are proposed for anonymisation."),
    )
    controller_name = models.CharField(
        _("data controller"), max_length=200, blank=True, help_text=_("Legal name of the venue.")
    )
    privacy_email = models.EmailField(_("privacy contact email"), blank=True)
    extra_purposes = models.TextField(
        _("other purposes"), blank=True, help_text=_("One per line, shown on the public page.")
    )

    class Meta:
        verbose_name = _("privacy settings")

    def __str__(self) -> str:
        return "privacy settings"


class ErasureRequest(models.Model):
    """A request to anonymise one contact: asked by the person (spectator space), proposed by
    the retention rule, or raised by staff. Staff decide; the decision is kept."""

    class Origin(models.TextChoices):
        PERSON = "person", _("Asked by the person")
        RETENTION = "retention", _("Retention rule")
        STAFF = "staff", _("Staff")

    class Status(models.TextChoices):
        PENDING = "pending", _("To decide")
        DONE = "done", _("Anonymised")
        KEPT = "kept", _("Kept")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="erasure_requests")
    origin = models.CharField(_("origin"), max_length=12, choices=Origin.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.CharField(_("decided by"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # At most one open request per contact: the retention sweep can run again safely.
            models.UniqueConstraint(
                fields=["contact"],
                condition=models.Q(status="pending"),
                name="crm_erasure_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"erasure {self.contact_id} ({self.status})"
