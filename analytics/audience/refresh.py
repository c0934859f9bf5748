"""The audience tables, recomputed whole from ticketing's tickets and crm's contacts (see
analytics.audience)."""

from __future__ import annotations

import time
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from crm.behaviour import behaviour_settings

from .. import geography as geo
from ..models import AudienceRefresh, AudienceSeason
from ..services import venue_timezone

PAID = "('paid', 'partially_refunded', 'refunded')"


def _season_sql(start_month: int) -> tuple[str, str]:
    """(first year, season name) of a performance `p`, as SQL (crm.behaviour.season_of)."""
    first = (
        f"EXTRACT(YEAR FROM (p.starts_at AT TIME ZONE %(tz)s) "
        f"- make_interval(months => {int(start_month) - 1}))::int"
    )
    if start_month == 1:
        return first, f"({first})::text"
    return first, f"({first})::text || '-' || ({first} + 1)::text"


REFRESH = """
-- Dropped at commit; also here, for a second refresh in one transaction (tests).
DROP TABLE IF EXISTS pg_temp.aud_t, pg_temp.aud_p, pg_temp.aud_sp, pg_temp.aud_seat,
    pg_temp.aud_first, pg_temp.aud_season_person, pg_temp.aud_pt;

CREATE TEMP TABLE aud_t ON COMMIT DROP AS
SELECT t.performance_id, t.order_id, o.contact_id AS buyer, t.holder_contact_id AS holder
FROM ticketing_ticket t JOIN ticketing_order o ON o.id = t.order_id
WHERE t.status = 'valid' AND o.status IN {paid};

CREATE TEMP TABLE aud_p ON COMMIT DROP AS
SELECT p.id, p.starts_at, {first} AS first_year, {season} AS season,
       left(s.title, 300) AS title
FROM ticketing_performance p JOIN ticketing_show s ON s.id = p.show_id
WHERE p.id IN (SELECT DISTINCT performance_id FROM aud_t);

-- One seat per known person and performance: the named companions, each order's buyer.
CREATE TEMP TABLE aud_sp ON COMMIT DROP AS
SELECT DISTINCT x.performance_id, COALESCE(c.merged_into_id, c.id) AS person,
       x.companion
FROM (SELECT performance_id, holder AS person, true AS companion FROM aud_t
      WHERE holder IS NOT NULL
      UNION ALL
      SELECT DISTINCT performance_id, buyer, false FROM aud_t
      WHERE buyer IS NOT NULL AND holder IS NULL) x
JOIN crm_contact c ON c.id = x.person;

-- A person who was both buyer and companion at a performance holds one seat there.
CREATE TEMP TABLE aud_seat ON COMMIT DROP AS
SELECT sp.performance_id, sp.person, p.season, p.first_year, p.starts_at
FROM (SELECT DISTINCT performance_id, person FROM aud_sp) sp
JOIN aud_p p ON p.id = sp.performance_id;

CREATE TEMP TABLE aud_first ON COMMIT DROP AS
SELECT DISTINCT ON (person) person, performance_id, season, first_year
FROM aud_seat ORDER BY person, starts_at, performance_id;

CREATE TEMP TABLE aud_season_person ON COMMIT DROP AS
SELECT person, season, first_year, count(*) AS seats FROM aud_seat GROUP BY 1, 2, 3;
CREATE INDEX ON aud_season_person (person, first_year);

DELETE FROM analytics_audienceseason;
DELETE FROM analytics_audiencedepartment;
DELETE FROM analytics_audienceperformance;

CREATE TEMP TABLE aud_pt ON COMMIT DROP AS
SELECT performance_id, count(*) AS tickets, count(holder) AS companion_tickets,
       count(holder) + count(DISTINCT order_id) FILTER (WHERE buyer IS NOT NULL
                                                        AND holder IS NULL) AS identified
FROM aud_t GROUP BY 1;

INSERT INTO analytics_audienceperformance (performance_id, season, starts_at, title, tickets,
    identified_tickets, spectators, first_timers)
SELECT p.id, p.season, p.starts_at, p.title, pt.tickets, pt.identified,
       COALESCE(s.n, 0), COALESCE(f.n, 0)
FROM aud_p p JOIN aud_pt pt ON pt.performance_id = p.id
LEFT JOIN (SELECT performance_id, count(*) AS n FROM aud_seat GROUP BY 1) s
  ON s.performance_id = p.id
LEFT JOIN (SELECT performance_id, count(*) AS n FROM aud_first GROUP BY 1) f
  ON f.performance_id = p.id;

INSERT INTO analytics_audienceseason (season, first_year, performances, tickets,
    identified_tickets, companion_tickets, companions, spectators, seats, new_spectators,
    renewed_next)
WITH per AS (
    SELECT p.season, min(p.first_year) AS first_year, count(*) AS performances,
           sum(pt.tickets) AS tickets, sum(pt.identified) AS identified,
           sum(pt.companion_tickets) AS companion_tickets, sum(a.spectators) AS seats
    FROM aud_p p JOIN aud_pt pt ON pt.performance_id = p.id
    JOIN analytics_audienceperformance a ON a.performance_id = p.id
    GROUP BY 1),
comp AS (
    SELECT q.season, count(DISTINCT sp.person) AS n
    FROM aud_sp sp JOIN aud_p q ON q.id = sp.performance_id WHERE sp.companion GROUP BY 1),
people AS (SELECT season, count(*) AS n FROM aud_season_person GROUP BY 1),
fresh AS (
    SELECT f.season, count(*) AS n, count(nx.person) AS renewed
    FROM aud_first f LEFT JOIN aud_season_person nx
      ON nx.person = f.person AND nx.first_year = f.first_year + 1
    GROUP BY 1)
SELECT per.season, per.first_year, per.performances, per.tickets, per.identified,
       per.companion_tickets, COALESCE(comp.n, 0), COALESCE(people.n, 0), per.seats,
       COALESCE(fresh.n, 0), COALESCE(fresh.renewed, 0)
FROM per LEFT JOIN comp USING (season) LEFT JOIN people USING (season)
LEFT JOIN fresh USING (season);

INSERT INTO analytics_audiencedepartment (season, department, spectators, new_spectators)
SELECT sp.season,
       CASE WHEN c.department <> '' THEN c.department
            WHEN c.postcode <> '' AND upper(c.country) NOT IN ('FR', '') THEN '{abroad}'
            ELSE '' END,
       count(*), count(*) FILTER (WHERE f.first_year = sp.first_year)
FROM aud_season_person sp JOIN crm_contact c ON c.id = sp.person
JOIN aud_first f ON f.person = sp.person
GROUP BY 1, 2;
"""


@transaction.atomic
def refresh_audience(*, now: datetime | None = None) -> int:
    """Recompute the audience tables whole from ticketing's tickets and crm's contacts, in
    the current venue schema; returns the number of seasons. Idempotent: the same rows
    every time for the same tickets. Two refreshes never run at once (an advisory lock)."""
    started = time.perf_counter()
    first, season = _season_sql(behaviour_settings().season_start_month)
    statements = REFRESH.format(paid=PAID, first=first, season=season, abroad=geo.ABROAD).split(
        ";\n"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('analytics.audience'))")
        for statement in statements:
            if statement.strip():
                cursor.execute(statement, {"tz": venue_timezone()})
    AudienceRefresh.objects.update_or_create(
        singleton=True,
        defaults={
            "computed_at": now or timezone.now(),
            "duration_ms": round((time.perf_counter() - started) * 1000),
        },
    )
    return AudienceSeason.objects.count()


def refreshed_at() -> datetime | None:
    found = AudienceRefresh.objects.filter(singleton=True).values_list("computed_at", flat=True)
    return found.first()


def ensure_refreshed() -> datetime:
    """When the audience tables were computed; computed now for a venue whose tables never
    were (its first visit: the hourly task keeps them afterwards)."""
    computed_at = refreshed_at()
    if computed_at is None:
        refresh_audience()
        computed_at = refreshed_at()
    return computed_at
