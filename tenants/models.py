"""The cooperative (public schema): venues and their host names."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

SLUG_PATTERN = r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$"
slug_validator = RegexValidator(
    SLUG_PATTERN,
    _("Use 3 to 40 lowercase letters, digits or hyphens, starting with a letter."),
)


class Venue(TenantMixin):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    class Kind(models.TextChoices):
        """What kind of venue it is: a venue compares its figures with venues of its kind."""

        SCENE_NATIONALE = "scene_nationale", _("National stage (scène nationale)")
        CENTRE_DRAMATIQUE = "centre_dramatique", _("Drama centre (centre dramatique)")
        SMAC = "smac", _("Contemporary music venue (SMAC)")
        MUNICIPAL = "municipal", _("Municipal theatre")
        SMALL = "small", _("Company or small venue")
        FESTIVAL = "festival", _("Festival")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    slug = models.CharField(_("slug"), max_length=40, unique=True, validators=[slug_validator])
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    street = models.CharField(_("street"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="FR")
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    locale = models.CharField(_("language"), max_length=8, default="fr")
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    website = models.URLField(_("website"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="branding/", blank=True)
    accent_color = models.CharField(
        _("accent colour"),
        max_length=7,
        default="#8a1538",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #8a1538."))],
    )
    # Set by the cooperative (onboarding, console); "other" until then. db_default: a schema
    # deployed before this column was added keeps inserting rows (expand, then contract).
    kind = models.CharField(
        _("kind of venue"),
        max_length=30,
        choices=Kind.choices,
        default=Kind.OTHER,
        db_default=Kind.OTHER,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    suspended_at = models.DateTimeField(_("suspended"), null=True, blank=True)

    # Schemas are created explicitly by tenants.services.create_venue (clone of the template).
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["name"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.schema_name == "public"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("host name")
        verbose_name_plural = _("host names")


class VenueFigures(models.Model):
    """One aggregate figure of one venue for one season, shared with the cooperative.

    Written only by tenants.services.publish_venue_figures, whose allow-list
    (tenants.figures.SHAREABLE_FIGURES) says which figures may leave a venue's schema: counts,
    amounts and rates, never a person. `season` is "" for a figure of the venue as it is now
    (the integrity of its contact base, its recent activity). Read through tenants.selectors,
    which logs every read and gives other venues only medians of at least three venues."""

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="figures")
    season = models.CharField(max_length=9, blank=True, default="")
    key = models.CharField(max_length=40)
    value = models.FloatField(null=True)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["venue", "season", "key"], name="tenants_venuefigures_key"
            )
        ]
        indexes = [models.Index(fields=["season", "key"], name="tenants_venuefigures_sk")]

    def __str__(self) -> str:
        return f"{self.venue_id} {self.season or 'now'} {self.key}={self.value}"


class TemplateSnapshot(models.Model):
    """The venue template schema as SQL (from pg_dump), replayed to create a venue.

    Keyed by a fingerprint of the template's applied migrations: a deploy that migrates the
    template makes a new one. Internal to onboarding (tenants.schema_clone); never shown.
    """

    fingerprint = models.CharField(max_length=64, unique=True)
    sql = models.TextField()
    # Settings the script changes with SET LOCAL; restored when it has run.
    local_settings = models.JSONField(default=list)
    pg_dump_version = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"template snapshot {self.fingerprint[:12]} ({self.created_at:%Y-%m-%d %H:%M})"
