"""Behaviour kept by crm from what ticketing reports: per-season, per-genre and per-quarter
counts, affinities, and the venue's settings of the automatic criteria."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .contacts import Contact


class SeasonStats(models.Model):
    """Behaviour per contact and season, kept current by the record_* services."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="season_stats")
    season = models.CharField(max_length=9)  # "2026-2027": starts on the venue's season start
    purchases = models.PositiveIntegerField(default=0)
    tickets = models.PositiveIntegerField(default=0)
    spend_cents = models.BigIntegerField(default=0)
    attendances = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "season"], name="crm_season_stats_unique")
        ]
        indexes = [models.Index(fields=["season", "attendances"], name="crm_season_attendances")]


class GenreStats(models.Model):
    """Behaviour per contact and genre (dance, theatre…), kept current by record_*."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="genre_stats")
    genre = models.CharField(max_length=40)
    purchases = models.PositiveIntegerField(default=0)
    attendances = models.PositiveIntegerField(default=0)
    last_purchased_at = models.DateTimeField(null=True, blank=True)
    last_attended_at = models.DateTimeField(null=True, blank=True)
    # Attendances (timeline events of this genre) at or after BehaviourSettings.recent_since,
    # i.e. over the last RECENT_DAYS days give or take the hour the periodic task moves the
    # window by (crm/windows.py): "≥ 3 dance shows in 24 months" reads one index.
    recent_attendances = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "genre"], name="crm_genre_stats_unique")
        ]
        indexes = [
            models.Index(fields=["genre", "last_attended_at"], name="crm_genre_recent"),
            models.Index(
                fields=["genre", "recent_attendances"],
                include=["contact_id"],
                name="crm_genre_seg_recent",
                condition=Q(recent_attendances__gte=1),
            ),
        ]


class QuarterStats(models.Model):
    """Attendances per contact and calendar quarter (its first day), for "lapsed" criteria."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="quarter_stats")
    quarter = models.DateField()
    attendances = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "quarter"], name="crm_quarter_stats_unique")
        ]
        indexes = [
            # Segments: the lapsed pattern reads the regular quarters (two visits or more).
            models.Index(
                fields=["quarter"],
                include=["contact_id"],
                name="crm_quarter_seg_regular",
                condition=Q(attendances__gte=2),
            )
        ]


class Affinity(models.Model):
    """How much a contact is drawn to a genre, a theme or a keyword (purchases, quiz answers,
    clicks add weight)."""

    class Kind(models.TextChoices):
        GENRE = "genre", _("Genre")
        THEME = "theme", _("Theme")
        KEYWORD = "keyword", _("Keyword")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="affinities")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=60)
    weight = models.FloatField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-weight", "key"]
        verbose_name_plural = _("affinities")
        constraints = [
            models.UniqueConstraint(fields=["contact", "kind", "key"], name="crm_affinity_unique")
        ]
        indexes = [
            # Covering contact_id: segments read who has an affinity from the index alone.
            models.Index(
                fields=["kind", "key", "weight"], include=["contact_id"], name="crm_affinity_key"
            )
        ]


class BehaviourSettings(models.Model):
    """One row per venue (its schema): when its season starts and the thresholds of its
    automatic criteria (crm.behaviour.decide_criteria reads them)."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    season_start_month = models.PositiveSmallIntegerField(
        _("month the season starts"),
        default=9,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("1 = January … 9 = September."),
    )
    regular_min_shows = models.PositiveSmallIntegerField(
        _("regular: shows this season, at least"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    lapsed_after_months = models.PositiveSmallIntegerField(
        _("lapsed: months without coming, at least"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    relay_min_referred = models.PositiveSmallIntegerField(
        _("relay: buyers brought, at least"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
    )
    big_spender_min_cents = models.PositiveIntegerField(
        _("big spender: spent this season, at least (cents)"),
        default=20000,
        validators=[MinValueValidator(100), MaxValueValidator(100_000_000)],
    )
    # The season the periodic task last re-decided season-based criteria for (a new season
    # takes "first-timer", "regular"… off those who have not come yet).
    swept_season = models.CharField(max_length=9, blank=True, default="", editable=False)
    # Where GenreStats.recent_attendances starts counting (crm/windows.py; NULL: since ever).
    recent_since = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("behaviour settings")
        verbose_name_plural = _("behaviour settings")
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="crm_behaviour_settings_one"),
            models.CheckConstraint(
                condition=Q(season_start_month__gte=1, season_start_month__lte=12),
                name="crm_behaviour_settings_month",
            ),
        ]

    def __str__(self) -> str:
        return "behaviour settings"

    @classmethod
    def current(cls) -> "BehaviourSettings":
        found, _created = cls.objects.get_or_create(singleton=True)
        return found
