"""Writes over the cooperative: onboarding, suspending and profiling venues, and the
aggregate figures venues share with it."""

import math
import re
import time
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import (
    get_public_schema_name,
    schema_context,
    schema_exists,
    tenant_context,
)

from tenants.accounts.audit import as_system, changed_fields, record_event
from tenants.accounts.models import User
from tenants.accounts.services import invite_staff

from .errors import Conflict, ValidationFailed
from .figures import SHAREABLE_FIGURES
from .models import SLUG_PATTERN, Domain, Venue, VenueFigures
from .schema_clone import (
    applied_migrations,
    clone_template,
    current_snapshot,
    expected_tenant_migrations,
)

RESERVED_SLUGS = {
    "www",
    "api",
    "admin",
    "static",
    "media",
    "public",
    "template",
    "mail",
    "smtp",
    "cooperative",
    "console",
    "status",
    "help",
    "support",
    "docs",
}
SCHEMA_PATTERN = re.compile(r"^[a-z][a-z0-9_]{2,40}$")


def schema_name_for(slug: str) -> str:
    """The schema is derived server-side from the validated slug, never typed by anyone."""
    schema = "v_" + slug.replace("-", "_")
    assert SCHEMA_PATTERN.match(schema), schema
    return schema


def validate_slug(slug: str) -> str:
    slug = (slug or "").strip().lower()
    if not re.match(SLUG_PATTERN, slug):
        raise ValidationFailed(
            _(
                "“%(slug)s” is not a valid address: use 3 to 40 lowercase letters, digits or "
                "hyphens, starting with a letter."
            )
            % {"slug": slug},
            code="venue.slug_invalid",
            field="slug",
        )
    if slug in RESERVED_SLUGS:
        raise ValidationFailed(
            _("“%(slug)s” is reserved, please choose another address.") % {"slug": slug},
            code="venue.slug_reserved",
            field="slug",
        )
    if (
        Venue.objects.filter(slug=slug).exists()
        or Domain.objects.filter(domain=f"{slug}.{settings.PARTERRE_BASE_DOMAIN}").exists()
    ):
        raise Conflict(
            _("The address “%(slug)s” is already taken by another venue.") % {"slug": slug},
            code="venue.slug_taken",
            field="slug",
        )
    return slug


def template_is_current() -> bool:
    """True when the template schema exists and has every tenant migration applied.

    Two cheap queries; the set of migrations on disk is computed once per process."""
    base = settings.TENANT_BASE_SCHEMA
    if not schema_exists(base):
        return False
    return expected_tenant_migrations() <= applied_migrations(base)


def ensure_template_schema(*, verbosity: int = 0) -> None:
    """Create or bring up to date the data-free schema that new venues are cloned from, and
    snapshot it (when pg_dump is available) so that the next venue creation is fast."""
    base = settings.TENANT_BASE_SCHEMA
    if not schema_exists(base):
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {connection.ops.quote_name(base)}")
    call_command(
        "migrate_schemas",
        schema_name=base,
        tenant=True,
        interactive=False,
        verbosity=verbosity,
        skip_template=True,
    )
    connection.set_schema_to_public()
    current_snapshot()


@dataclass(frozen=True)
class CreatedVenue:
    venue: Venue
    admin: User
    invitation_url: str
    seconds: float
    # How the schema was made: "snapshot" (the template's, replayed), "clone_schema"
    # (django-tenants' function, the fallback) or "migrations" (every migration run).
    schema_method: str = "snapshot"


def create_venue(
    *,
    name: str,
    slug: str,
    admin_email: str,
    admin_name: str = "",
    actor: User | None = None,
    timezone_name: str = "Europe/Paris",
    city: str = "",
    kind: str = Venue.Kind.OTHER,
) -> CreatedVenue:
    """Onboard a venue: clone the template schema, add its host name, invite its first admin.

    The schema is a copy of the template (tenants.schema_clone), migration records included,
    so no migration runs; with TENANT_CREATION_FAKES_MIGRATIONS off (benchmarks) every
    migration runs instead, as for a schema created from nothing."""
    started = time.perf_counter()
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Give the venue a name."), code="venue.name_missing", field="name")
    slug = validate_slug(slug)
    admin_email = (admin_email or "").strip().lower()
    if "@" not in admin_email:
        raise ValidationFailed(
            _("“%(email)s” is not a valid email address.") % {"email": admin_email},
            code="venue.admin_email_invalid",
            field="admin_email",
        )
    if kind not in Venue.Kind.values:
        raise ValidationFailed(_("Unknown kind of venue."), code="venue.kind_invalid", field="kind")
    if not template_is_current():
        ensure_template_schema()
    with transaction.atomic():
        venue = Venue.objects.create(
            name=name,
            slug=slug,
            schema_name=schema_name_for(slug),
            timezone=timezone_name,
            city=city,
            kind=kind,
        )
        # Venue.auto_create_schema is off: saving the row created no schema.
        if settings.TENANT_CREATION_FAKES_MIGRATIONS:
            schema_method = clone_template(venue.schema_name).method
        else:
            venue.create_schema(check_if_exists=False, verbosity=0)
            schema_method = "migrations"
        Domain.objects.create(
            domain=f"{slug}.{settings.PARTERRE_BASE_DOMAIN}", tenant=venue, is_primary=True
        )
        record_event(
            code="tenants.venue.created",
            actor=actor,
            obj=venue,
            data={"venue": venue.slug, "admin_email": admin_email, "kind": kind},
        )
        # In the venue's trail, the first invitation is the platform's: the cooperative admin
        # who onboarded it has no account there.
        with tenant_context(venue), as_system():
            admin, url = invite_staff(
                venue=venue,
                email=admin_email,
                full_name=admin_name,
                role=User.Role.ADMIN,
                actor=None,
            )
    connection.set_schema_to_public()
    return CreatedVenue(
        venue=venue,
        admin=admin,
        invitation_url=url,
        seconds=time.perf_counter() - started,
        schema_method=schema_method,
    )


@transaction.atomic
def suspend_venue(*, venue: Venue, actor: User | None) -> Venue:
    if venue.is_public:
        raise ValidationFailed(_("The cooperative itself cannot be suspended."))
    changes = changed_fields(venue, {"status": Venue.Status.SUSPENDED})
    venue.status = Venue.Status.SUSPENDED
    venue.suspended_at = timezone.now()
    venue.save(update_fields=["status", "suspended_at"])
    record_event(
        code="tenants.venue.suspended",
        actor=actor,
        obj=venue,
        changes=changes,
        data={"venue": venue.slug},
    )
    return venue


@transaction.atomic
def reactivate_venue(*, venue: Venue, actor: User | None) -> Venue:
    changes = changed_fields(venue, {"status": Venue.Status.ACTIVE})
    venue.status = Venue.Status.ACTIVE
    venue.suspended_at = None
    venue.save(update_fields=["status", "suspended_at"])
    record_event(
        code="tenants.venue.reactivated",
        actor=actor,
        obj=venue,
        changes=changes,
        data={"venue": venue.slug},
    )
    return venue


PROFILE_FIELDS = (
    "name",
    "street",
    "postcode",
    "city",
    "contact_email",
    "contact_phone",
    "website",
    "accent_color",
    "timezone",
    "locale",
)


@transaction.atomic
def update_venue_profile(*, venue: Venue, actor: User | None, logo=None, **fields) -> Venue:
    """Called from the venue's own settings screen (tenant context): the row is the venue's."""
    unknown = sorted(set(fields) - set(PROFILE_FIELDS))
    if unknown:
        raise ValidationFailed(_("Unknown field %(field)s.") % {"field": unknown[0]})
    changes = changed_fields(venue, fields)
    if logo is not None:
        changes["logo"] = (venue.logo, getattr(logo, "name", ""))
    for key, (_old, value) in changes.items():
        setattr(venue, key, logo if key == "logo" else value)
    if changes:
        venue.full_clean(exclude=["schema_name", "slug"])
        venue.save(update_fields=list(changes))
        record_event(
            code="tenants.venue.profile_updated",
            actor=actor,
            obj=venue,
            changes=changes,
            data={"fields": list(changes)},
        )
    return venue


@transaction.atomic
def set_venue_kind(*, venue: Venue, kind: str, actor: User | None) -> Venue:
    """The cooperative says what kind of venue it is (what it is compared with)."""
    if venue.is_public:
        raise ValidationFailed(_("The cooperative itself has no kind."))
    if kind not in Venue.Kind.values:
        raise ValidationFailed(_("Unknown kind of venue."), code="venue.kind_invalid", field="kind")
    changes = changed_fields(venue, {"kind": kind})
    if changes:
        venue.kind = kind
        venue.save(update_fields=["kind"])
        record_event(
            code="tenants.venue.kind_changed",
            actor=actor,
            obj=venue,
            changes=changes,
            data={"venue": venue.slug},
        )
    return venue


def publish_venue_figures(
    *, venue: Venue, season: str, figures: dict[str, float | None]
) -> list[VenueFigures]:
    """Share a venue's aggregate figures of one season with the cooperative (season "" for
    the figures of the venue as it is now). Only the keys of the allow-list
    (tenants.figures.SHAREABLE_FIGURES) are accepted, only numbers or None; the season's
    figures are replaced whole (a key left out is removed), so publishing again is harmless.
    Logged in the cooperative's audit trail."""
    if venue.is_public:
        raise ValidationFailed(_("The cooperative itself has no figures."))
    # From a venue's schema (its task), a venue publishes its own figures only.
    current = getattr(connection, "tenant", None)
    if current is not None and not getattr(current, "is_public", True) and current.pk != venue.pk:
        raise ValidationFailed(
            _("A venue publishes only its own figures."), code="figures.other_venue"
        )
    season = (season or "").strip()
    if len(season) > 9:
        raise ValidationFailed(_("Unknown season."), code="figures.season_invalid")
    clean: dict[str, float | None] = {}
    for key, value in figures.items():
        shared = SHAREABLE_FIGURES.get(key)
        if shared is None:
            raise ValidationFailed(
                _("“%(key)s” is not a figure venues share with the cooperative.") % {"key": key},
                code="figures.not_shareable",
                field=key,
            )
        if shared.per_season != bool(season):
            raise ValidationFailed(
                _("“%(key)s” is not published for this season.") % {"key": key},
                code="figures.season_mismatch",
                field=key,
            )
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
                raise ValidationFailed(
                    _("“%(key)s” must be a number.") % {"key": key},
                    code="figures.not_a_number",
                    field=key,
                )
            value = float(value)
            if not math.isfinite(value):
                value = None
        clean[key] = value
    now = timezone.now()
    with schema_context(get_public_schema_name()), transaction.atomic():
        VenueFigures.objects.filter(venue=venue, season=season).exclude(key__in=clean).delete()
        rows = [
            VenueFigures(venue=venue, season=season, key=k, value=v, computed_at=now)
            for k, v in clean.items()
        ]
        VenueFigures.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["venue", "season", "key"],
            update_fields=["value", "computed_at"],
        )
        record_event(
            code="tenants.figures.published",
            obj=venue,
            data={"venue": venue.slug, "season": season, "keys": sorted(clean)},
        )
    return rows
