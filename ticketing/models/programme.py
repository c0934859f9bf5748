from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import JSONField, Value
from django.utils.translation import gettext_lazy as _

from .halls import Layout


class Show(models.Model):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    subtitle = models.CharField(_("subtitle"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    artists = models.TextField(_("artists"), blank=True)
    genres = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    image = models.ImageField(_("image"), upload_to="shows/", blank=True)
    # db_default on the new columns: code not yet deployed may insert shows meanwhile.
    image_alt = models.CharField(_("image description"), max_length=200, blank=True, db_default="")
    # Smaller copies made at upload (services/images.py): {"480": {"name", "w", "h"}, …}.
    image_renditions = models.JSONField(default=dict, blank=True, db_default=Value({}, JSONField()))
    # Shown only after a click: no third party sees the visitor before they choose.
    video_url = models.URLField(_("video"), max_length=300, blank=True, db_default="")
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), null=True, blank=True
    )
    age_guidance = models.CharField(_("age guidance"), max_length=60, blank=True)
    accessibility_notes = models.TextField(_("accessibility"), blank=True)
    # The show tax ("taxe sur les spectacles": variety shows, and theatre through the ASTP)
    # on ticket revenue excluding VAT, in basis points; 0: the show is not subject to it.
    show_tax_rate_bp = models.PositiveIntegerField(
        _("show tax (basis points of ticket revenue excl. VAT)"), default=0, db_default=0
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("show")
        verbose_name_plural = _("shows")

    def __str__(self) -> str:
        return self.title


class Performance(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ON_SALE = "on_sale", _("On sale")
        SOLD_OUT = "sold_out", _("Sold out")
        CANCELLED = "cancelled", _("Cancelled")
        RESCHEDULED = "rescheduled", _("Rescheduled")

    show = models.ForeignKey(Show, on_delete=models.PROTECT, related_name="performances")
    layout = models.ForeignKey(Layout, on_delete=models.PROTECT, related_name="performances")
    starts_at = models.DateTimeField(_("starts at"))
    doors_open_at = models.DateTimeField(_("doors open"), null=True, blank=True)
    sale_opens_at = models.DateTimeField(_("sale opens"), null=True, blank=True)
    sale_closes_at = models.DateTimeField(_("sale closes"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    access_info = models.TextField(_("access (transport, parking)"), blank=True)
    # Best-available and public sale keep these seats for spectators who ask for them.
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("performance")
        verbose_name_plural = _("performances")

    def __str__(self) -> str:
        return f"{self.show} — {self.starts_at:%Y-%m-%d %H:%M}"

    # A rescheduled performance sells at its new date; spectators see "New date".
    SELLABLE = (Status.ON_SALE, Status.RESCHEDULED)

    @property
    def is_sellable(self) -> bool:
        return self.status in self.SELLABLE


class ProgrammeChange(models.Model):
    """A cancelled or rescheduled performance; campaigns tell every ticket holder from it."""

    class Kind(models.TextChoices):
        CANCELLED = "cancelled", _("Cancelled")
        RESCHEDULED = "rescheduled", _("Rescheduled")

    performance = models.ForeignKey(Performance, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    previous_starts_at = models.DateTimeField()
    new_starts_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When every ticket holder's notice email left (campaigns.notices).
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
