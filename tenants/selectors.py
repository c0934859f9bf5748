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


# --- The figures venues share (tenants.figures): every read is logged --------------------


def _log_read(*, actor, reader: Venue | None, data: dict) -> None:
    """One event in the cooperative's audit trail (public schema) per read of shared figures.

    `reader` is the venue whose staff member reads (a comparison), None for the cooperative
    console. A venue's staff member has no account in the public schema: the event names them
    in words (actor_label), with no link to a public user."""
    from django_tenants.utils import get_public_schema_name, schema_context

    from tenants.accounts.audit import new_event, record_event
    from tenants.accounts.models import AuditEvent

    with schema_context(get_public_schema_name()):
        if reader is None:
            record_event(code="tenants.figures.read", actor=actor, object_type="", data=data)
            return
        event = new_event(
            code="tenants.figures.compared",
            object_type="tenants.venue",
            object_id=reader.pk,
            data={"venue": reader.slug, **data},
        )
        event.actor_id = event.api_token_id = None
        if actor is not None and getattr(actor, "pk", None):
            event.actor_kind = AuditEvent.ActorKind.USER
            event.actor_label = f"{actor} ({reader.name})"[:200]
        event.save(force_insert=True)


def published_seasons() -> list[str]:
    """Seasons some venue has published figures for, newest first."""
    from .models import VenueFigures

    return list(
        VenueFigures.objects.exclude(season="")
        .order_by("-season")
        .values_list("season", flat=True)
        .distinct()
    )


@dataclass
class VenueFiguresRow:
    venue: Venue
    figures: dict[str, float | None]  # the season's and the "now" ones
    computed_at: datetime | None
    health: VenueHealth | None

    @property
    def last_sale_on(self):
        days = self.figures.get("last_sale_days")
        if days is None or self.computed_at is None:
            return None
        from datetime import timedelta

        from django.utils import timezone

        return timezone.localdate(self.computed_at) - timedelta(days=int(days))


@dataclass
class CooperativeTotals:
    season: str
    rows: list[VenueFiguresRow]
    totals: dict[str, float | None]  # over every venue (sums, online share weighted)
    medians: dict[str, float | None]  # the median venue, per figure


def cooperative_totals(season: str, *, actor=None) -> CooperativeTotals:
    """The cooperative console's figures: per venue (its published figures of `season` and
    of now, its health) and over all of them. Only aggregates; logged."""
    from statistics import median

    from .figures import SHAREABLE_FIGURES
    from .models import VenueFigures

    venues = list(list_venues())
    health = venue_health(venues)
    figures: dict[int, dict[str, float | None]] = {v.pk: {} for v in venues}
    computed: dict[int, datetime] = {}
    for venue_id, key, value, at in VenueFigures.objects.filter(
        season__in=[season, ""], venue__in=venues
    ).values_list("venue_id", "key", "value", "computed_at"):
        figures[venue_id][key] = value
        if venue_id not in computed or at > computed[venue_id]:
            computed[venue_id] = at
    rows = [VenueFiguresRow(v, figures[v.pk], computed.get(v.pk), health.get(v.pk)) for v in venues]
    totals: dict[str, float | None] = {}
    medians: dict[str, float | None] = {}
    for key in SHAREABLE_FIGURES:
        values = [r.figures[key] for r in rows if r.figures.get(key) is not None]
        medians[key] = median(values) if values else None
    for key in ("tickets", "revenue", "tickets_30d"):
        values = [r.figures[key] for r in rows if r.figures.get(key) is not None]
        totals[key] = sum(values) if values else None
    weighted = [
        (r.figures["online_share"], r.figures["tickets"])
        for r in rows
        if r.figures.get("online_share") is not None and r.figures.get("tickets")
    ]
    tickets = sum(t for _s, t in weighted)
    totals["online_share"] = sum(s * t for s, t in weighted) / tickets if tickets else None
    _log_read(actor=actor, reader=None, data={"season": season, "venues": len(venues)})
    return CooperativeTotals(season=season, rows=rows, totals=totals, medians=medians)


@dataclass(frozen=True)
class Median:
    value: float | None  # None: fewer than MIN_VENUES venues to compare with
    venues: int  # how many venues have a value (the venue itself excluded)


def _medians(*, venue: Venue, season: str, keys: list[str], kind: str | None) -> dict:
    from django.db import connection

    from .figures import MIN_VENUES, SHAREABLE_FIGURES

    keys = [k for k in keys if k in SHAREABLE_FIGURES and SHAREABLE_FIGURES[k].compared]
    found: dict[str, tuple[float, int]] = {}
    if keys:
        sql = (
            "SELECT f.key, percentile_cont(0.5) WITHIN GROUP (ORDER BY f.value), count(*) "
            "FROM public.tenants_venuefigures f JOIN public.tenants_venue v ON v.id = f.venue_id "
            "WHERE f.season = %s AND f.key = ANY(%s) AND f.value IS NOT NULL "
            "AND f.venue_id <> %s AND v.status = %s AND v.schema_name <> 'public'"
        )
        params = [season, keys, venue.pk, Venue.Status.ACTIVE]
        if kind is not None:
            sql += " AND v.kind = %s"
            params.append(kind)
        with connection.cursor() as cursor:
            cursor.execute(sql + " GROUP BY f.key", params)
            found = {key: (value, count) for key, value, count in cursor.fetchall()}
    result = {}
    for key in keys:
        value, count = found.get(key, (None, 0))
        result[key] = Median(value if count >= MIN_VENUES else None, count)
    return result


def medians(
    *, venue: Venue, season: str, keys: list[str], kind: str | None, actor=None
) -> dict[str, Median]:
    """Per figure, the median of the other active venues (of `kind`, or all of them with
    None) for `season` ("" for the figures of now). The median is given only when at least
    MIN_VENUES other venues have a value: a venue never learns another's figure. Neither the
    venues' names nor their values leave the database: PostgreSQL computes the median.
    One logged read, whatever the number of figures."""
    result = _medians(venue=venue, season=season, keys=keys, kind=kind)
    _log_read(
        actor=actor,
        reader=venue,
        data={"season": season, "kind": kind or "", "keys": list(result)},
    )
    return result


def venue_comparison(
    *, venue: Venue, keys_by_season: dict[str, list[str]], actor=None
) -> dict[str, dict[str, dict[str, Median]]]:
    """The venue's comparison page in one logged read: per season ("" for now), the medians
    of its kind's venues ("kind") and of all venues ("all"); see medians."""
    result = {
        season: {
            "kind": _medians(venue=venue, season=season, keys=keys, kind=venue.kind),
            "all": _medians(venue=venue, season=season, keys=keys, kind=None),
        }
        for season, keys in keys_by_season.items()
    }
    _log_read(
        actor=actor,
        reader=venue,
        data={
            "season": " ".join(s for s in keys_by_season if s),
            "kind": venue.kind,
            "keys": sorted({k for keys in keys_by_season.values() for k in keys}),
        },
    )
    return result


def median_of_kind(
    *, kind: str | None, season: str, key: str, exclude_venue: Venue, actor=None
) -> Median:
    """One figure's median over the other venues of `kind` (None: all venues); see medians."""
    return medians(venue=exclude_venue, season=season, keys=[key], kind=kind, actor=actor)[key]
