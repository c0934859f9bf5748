"""Reads over the cooperative (public schema)."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from .models import Domain, Venue


def get_cooperative() -> Venue:
    return Venue.objects.get(schema_name="public")


def get_venue_for_host(hostname: str) -> Venue | None:
    domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
    if domain is None or domain.tenant.schema_name == "public":
        return None
    return domain.tenant


def list_venues():
    return Venue.objects.exclude(schema_name="public").prefetch_related("domains")


@dataclass(frozen=True)
class VenueHealth:
    staff_count: int
    active_staff_count: int
    last_staff_login: datetime | None
    size_bytes: int


def venue_health(venues: list[Venue]) -> dict[int, VenueHealth]:
    """Health figures for many venues in two queries, whatever their number.

    Figures are counts and sizes only: the cooperative never reads a venue's people or sales.
    """
    schemas = [v.schema_name for v in venues]
    if not schemas:
        return {}
    quoted = {s: connection.ops.quote_name(s) for s in schemas}
    select = "SELECT %s, count(*), count(*) FILTER (WHERE is_active), max(last_login) FROM "
    union = " UNION ALL ".join(select + quoted[s] + ".accounts_user" for s in schemas)
    with connection.cursor() as cursor:
        cursor.execute(union, schemas)
        staff = {row[0]: row[1:] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT n.nspname, coalesce(sum(pg_total_relation_size(c.oid)), 0) "
            "FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid "
            "AND c.relkind = 'r' WHERE n.nspname = ANY(%s) GROUP BY n.nspname",
            [schemas],
        )
        sizes = dict(cursor.fetchall())
    return {
        v.pk: VenueHealth(
            staff_count=staff.get(v.schema_name, (0, 0, None))[0],
            active_staff_count=staff.get(v.schema_name, (0, 0, None))[1],
            last_staff_login=staff.get(v.schema_name, (0, 0, None))[2],
            size_bytes=int(sizes.get(v.schema_name, 0)),
        )
        for v in venues
    }


def venue_url(venue: Venue, path: str = "/") -> str:
    from django.conf import settings

    # Iterating .all() uses list_venues()' prefetch instead of one query per venue.
    domain = next((d for d in venue.domains.all() if d.is_primary), None)
    host = domain.domain if domain else f"{venue.slug}.{settings.PARTERRE_BASE_DOMAIN}"
    return f"{settings.PARTERRE_SCHEME}://{host}{settings.PARTERRE_PORT_SUFFIX}{path}"
