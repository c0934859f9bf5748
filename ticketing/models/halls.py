"""Halls and their seat maps: a layout has sections → seats, and/or general-admission zones."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Hall(models.Model):
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("hall")
        verbose_name_plural = _("halls")

    def __str__(self) -> str:
        return self.name


class Layout(models.Model):
    """One arrangement of a hall (e.g. "seated", "standing", "cabaret")."""

    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="layouts")
    name = models.CharField(_("name"), max_length=120)
    # Stage position in map coordinates, used to rank "near the stage" and to draw the map.
    stage_x = models.FloatField(default=0)
    stage_y = models.FloatField(default=0)
    stage_label = models.CharField(max_length=60, default="Scène")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["hall__name", "name"]
        unique_together = [("hall", "name")]

    def __str__(self) -> str:
        return f"{self.hall} — {self.name}"

    @property
    def seated_capacity(self) -> int:
        return Seat.objects.filter(section__layout=self, is_blocked=False).count()


class Section(models.Model):
    layout = models.ForeignKey(Layout, on_delete=models.CASCADE, related_name="sections")
    name = models.CharField(_("name"), max_length=80)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        unique_together = [("layout", "name")]

    def __str__(self) -> str:
        return self.name


class Seat(models.Model):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="seats")
    row = models.CharField(_("row"), max_length=8)
    number = models.PositiveSmallIntegerField(_("number"))
    label = models.CharField(_("label"), max_length=40)
    x = models.FloatField()
    y = models.FloatField()
    # Lower is better (1 = best seats). Best-available picks lower ranks first.
    rank = models.PositiveSmallIntegerField(_("rank"), default=1)
    wheelchair = models.BooleanField(_("wheelchair space"), default=False)
    companion = models.BooleanField(_("companion seat"), default=False)
    restricted_view = models.BooleanField(_("restricted view"), default=False)
    hearing_loop = models.BooleanField(_("near the stage for hard-of-hearing"), default=False)
    # Reached without steps from the entrance (reduced mobility).
    # db_default: code not yet deployed may insert seats while this column exists.
    step_free = models.BooleanField(_("step-free access"), default=False, db_default=False)
    # Permanently out of sale in this layout (broken seat, technical position...).
    is_blocked = models.BooleanField(_("unavailable"), default=False)

    class Meta:
        ordering = ["section__order", "row", "number"]
        constraints = [
            models.UniqueConstraint(fields=["section", "row", "number"], name="seat_unique_place"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_accessible_only(self) -> bool:
        return self.wheelchair or self.companion


class Zone(models.Model):
    """A general-admission (placement libre) area with a capacity."""

    layout = models.ForeignKey(Layout, on_delete=models.CASCADE, related_name="zones")
    name = models.CharField(_("name"), max_length=80)
    capacity = models.PositiveIntegerField(_("capacity"))

    class Meta:
        ordering = ["name"]
        unique_together = [("layout", "name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.capacity})"
