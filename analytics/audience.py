"""The audience (statistics page "Public"): spectators per season, new spectators and how
many came back, seats per spectator, first-timers per performance, the share of attendees
identified, companions, lapsed and drop-off counts, and where spectators come from.

Who is a spectator
    A contact holding a valid ticket of a paid order (invitations included) for a
    performance: the companion a buyer named holds their ticket (ticketing's
    `Ticket.holder_contact`), the order's buyer holds the others' first seat — one seat per
    order and performance. The seats of unnamed guests are "not identified": the survey
    behind Parterre found about 30 % of a hall unknown. A performance's season is
    crm.behaviour's (its date, the venue's season start).

Speed
    Grouping a million tickets per page view is out of the question: `refresh_audience()`
    recomputes four small tables whole (analytics.models.Audience*) in one transaction — a
    periodic task per venue (analytics.audience_refresh, hourly) — and the page reads them
    (a handful of queries whatever the venue's size), with their age shown. Only the counts
    of crm's criteria (lapsed, first-timers, regulars) and the open drop-off alerts are read
    live: they are the lists the figures link to.

Functions others call: `season_audience(season)`, `geography(season)`; indicators
registered: spectators, new_spectators, seats_per_spectator, identified_share."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.dropoff.models import DropoffAlert
from crm.behaviour import FIRST_TIMER, LAPSED, REGULAR, behaviour_settings, current_season
from crm.models import Contact

from . import geography as geo
from . import indicators
from .dashboard import Column, Table
from .models import AudienceDepartment, AudiencePerformance, AudienceRefresh, AudienceSeason
from .services import venue_timezone

PAID = "('paid', 'partially_refunded', 'refunded')"


# --- The refresh -------------------------------------------------------------------------


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


# --- What others call --------------------------------------------------------------------


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def _season_row(row: AudienceSeason, next_exists: bool) -> dict:
    return {
        "season": row.season,
        "performances": row.performances,
        "spectators": row.spectators,
        "new": row.new_spectators,
        "returning": row.spectators - row.new_spectators,
        "new_share": _ratio(row.new_spectators, row.spectators),
        "renewed_next": row.renewed_next if next_exists else None,
        "renewal_rate": _ratio(row.renewed_next, row.new_spectators) if next_exists else None,
        "seats": row.seats,
        "seats_per_spectator": _ratio(row.seats, row.spectators),
        "tickets": row.tickets,
        "identified_tickets": row.identified_tickets,
        "unidentified_tickets": row.tickets - row.identified_tickets,
        "identified_share": _ratio(row.identified_tickets, row.tickets),
        "companion_tickets": row.companion_tickets,
        "companions": row.companions,
    }


def seasons() -> list[dict]:
    """Every season's figures (season_audience's dicts), oldest first, with the change of
    seats per spectator from the season before (`seats_change`, None for the first)."""
    rows = list(AudienceSeason.objects.order_by("first_year"))
    out = []
    for index, row in enumerate(rows):
        next_exists = index + 1 < len(rows) and rows[index + 1].first_year == row.first_year + 1
        figures = _season_row(row, next_exists)
        before = out[-1] if out and out[-1]["first_year"] == row.first_year - 1 else None
        figures["first_year"] = row.first_year
        figures["seats_change"] = (
            figures["seats_per_spectator"] - before["seats_per_spectator"]
            if before
            and before["seats_per_spectator"] is not None
            and figures["seats_per_spectator"] is not None
            else None
        )
        out.append(figures)
    return out


def season_audience(season: str) -> dict:
    """The audience of a season ("2026-2027"), from the audience tables (refresh_audience):

    - spectators: distinct known people holding a seat (buyers and named companions)
    - new: those whose first performance at the venue is in this season; returning: the rest
    - renewed_next / renewal_rate: of the new ones, those who are spectators of the next
      season too (None while there is no next season)
    - seats: known people × performances; seats_per_spectator = seats / spectators, and
      seats_change, its difference with the season before (None without one)
    - tickets, identified_tickets, identified_share (0..1): tickets whose spectator is known
    - companion_tickets, companions: tickets held by named companions, distinct companions
    - performances
    Every figure is 0 (shares None) for a season without sales."""
    for row in seasons():
        if row["season"] == season:
            return row
    empty = _season_row(AudienceSeason(season=season, first_year=0), False)
    return {**empty, "first_year": None, "seats_change": None}


def geography(season: str) -> list[dict]:
    """Where the spectators of a season live, most spectators first: per département (crm's
    code of the postcode, "2A"/"2B" for Corsica, "971"… overseas; geo.ABROAD for a
    foreign postcode, "" when unknown), `{"department", "name", "region_code", "region",
    "spectators", "new"}`."""
    rows = AudienceDepartment.objects.filter(season=season).values(
        "department", "spectators", "new_spectators"
    )
    out = [
        {**geo.place(r["department"]), "spectators": r["spectators"], "new": r["new_spectators"]}
        for r in rows
    ]
    return sorted(out, key=lambda r: (-r["spectators"], r["department"] or "~"))


def regions(places: list[dict]) -> list[dict]:
    """geography()'s rows summed per region (abroad and unknown as their own rows)."""
    found: dict[str, dict] = {}
    for place in places:
        key = place["region_code"] or place["department"] or "?"
        row = found.setdefault(
            key,
            {
                "region_code": place["region_code"],
                "region": place["region"],
                "spectators": 0,
                "new": 0,
            },
        )
        row["spectators"] += place["spectators"]
        row["new"] += place["new"]
    return sorted(found.values(), key=lambda r: (-r["spectators"], r["region"]))


# --- The page ----------------------------------------------------------------------------


@dataclass
class Audience:
    season: str
    seasons: list[str]
    figures: dict
    kpis: list[dict]
    computed_at: datetime | None
    tables: dict[str, Table] = field(default_factory=dict)
    map_counts: dict[str, int] = field(default_factory=dict)
    overseas: list[dict] = field(default_factory=list)

    def table(self, key: str) -> Table | None:
        return self.tables.get(key)

    @property
    def freshness_s(self) -> float | None:
        if self.computed_at is None:
            return None
        return max((timezone.now() - self.computed_at).total_seconds(), 0.0)


def _contacts_url(**params) -> str:
    return reverse("crm:contact_list") + "?" + urlencode(params)


def _live_counts() -> dict[str, int]:
    """crm's criteria counts now (the contact list's filter, each read through the GIN
    index on criteria) and the open drop-off alerts."""
    active = Contact.objects.filter(merged_into__isnull=True)
    counts = {
        key: active.filter(criteria__contains=[code]).count()
        for key, code in (("lapsed", LAPSED), ("first_timers", FIRST_TIMER), ("regulars", REGULAR))
    }
    counts["dropoff"] = DropoffAlert.objects.filter(
        state=DropoffAlert.State.OPEN,
        contact__merged_into__isnull=True,
        contact__anonymised_at__isnull=True,
    ).count()
    return counts


def ensure_refreshed() -> datetime:
    """When the audience tables were computed; computed now for a venue whose tables never
    were (its first visit: the hourly task keeps them afterwards)."""
    computed_at = refreshed_at()
    if computed_at is None:
        refresh_audience()
        computed_at = refreshed_at()
    return computed_at


def build(*, season: str | None = None) -> Audience:
    computed_at = ensure_refreshed()
    all_seasons = seasons()
    names = [s["season"] for s in all_seasons]
    now = current_season()
    season = season if season in names else (now if now in names or not names else names[-1])
    figures = season_audience(season)
    places = geography(season)
    board = Audience(
        season=season,
        seasons=sorted(set(names) | {season}, reverse=True),
        figures=figures,
        kpis=_kpis(figures, _live_counts(), season, season == now),
        computed_at=computed_at,
    )
    page = reverse("analytics:audience")
    board.tables["seasons"] = _seasons_table(all_seasons, page)
    board.tables["seats"] = _seats_table(all_seasons, page)
    board.tables["renewal"] = _renewal_table(all_seasons, page)
    board.tables["identified"] = _identified_table(all_seasons, page)
    board.tables["firsts"] = _performances_table(season)
    board.tables["departments"] = _departments_table(places)
    board.tables["regions"] = _regions_table(regions(places))
    board.map_counts = {p["department"]: p["spectators"] for p in places if p["department"]}
    board.overseas = [p for p in places if len(p["department"]) == 3]
    return board


def _kpis(f: dict, live: dict, season: str, current: bool) -> list[dict]:
    def kpi(key, label, value, kind, url, detail="", capability=""):
        return {
            "key": key,
            "label": label,
            "value": value,
            "kind": kind,
            "url": url,
            "detail": detail,
            # Who may open the list behind it (the page drops the link for the others).
            "capability": capability,
        }

    change = f.get("seats_change")
    return [
        kpi("spectators", _("Spectators"), f["spectators"], "int", "#firsts"),
        kpi(
            "new",
            _("New spectators"),
            f["new"],
            "int",
            _contacts_url(criterion=FIRST_TIMER) if current else "#renewal",
        ),
        kpi(
            "renewal",
            _("New spectators who came back the next season"),
            f["renewal_rate"],
            "percent",
            "#renewal",
        ),
        kpi(
            "seats",
            _("Seats per spectator"),
            f["seats_per_spectator"],
            "decimal",
            "#seats",
            (_("%(change)+.2f on the season before") % {"change": change})
            if change is not None
            else "",
        ),
        kpi(
            "identified", _("Attendees identified"), f["identified_share"], "percent", "#identified"
        ),
        kpi("companions", _("Companions identified"), f["companions"], "int", "#identified"),
        kpi(
            "lapsed", _("Lapsed spectators"), live["lapsed"], "int", _contacts_url(criterion=LAPSED)
        ),
        kpi("regulars", _("Regulars"), live["regulars"], "int", _contacts_url(criterion=REGULAR)),
        kpi(
            "dropoff",
            _("Drop-off alerts to act on"),
            live["dropoff"],
            "int",
            reverse("dropoff:page"),
            capability="campaigns.manage",
        ),
    ]


def _seasons_table(rows: list[dict], page: str) -> Table:
    return Table(
        key="seasons",
        title=_("Spectators per season"),
        columns=[
            Column("season", _("Season")),
            Column("spectators", _("Spectators"), "int"),
            Column("returning", _("Returning spectators"), "int"),
            Column("new", _("New spectators"), "int"),
            Column("performances", _("Performances"), "int"),
        ],
        rows=[{**r, "link": f"{page}?{urlencode({'season': r['season']})}"} for r in rows],
        chart={
            "type": "stacked",
            "x": "season",
            "series": [
                ("returning", _("Returning spectators"), "y"),
                ("new", _("New spectators"), "y"),
            ],
        },
    )


def _seats_table(rows: list[dict], page: str) -> Table:
    return Table(
        key="seats",
        title=_("Seats per spectator"),
        columns=[
            Column("season", _("Season")),
            Column("seats_per_spectator", _("Seats per spectator"), "decimal"),
            Column("seats_change", _("Change on the season before"), "decimal"),
            Column("seats", _("Seats of known spectators"), "int"),
            Column("spectators", _("Spectators"), "int"),
        ],
        rows=[{**r, "link": f"{page}?{urlencode({'season': r['season']})}"} for r in rows],
        chart={
            "type": "line",
            "x": "season",
            "series": [("seats_per_spectator", _("Seats per spectator"), "d")],
        },
        note=_(
            "Seats per spectator: how many performances a known spectator held a seat at "
            "in the season, on average."
        ),
    )


def _renewal_table(rows: list[dict], page: str) -> Table:
    return Table(
        key="renewal",
        title=_("New spectators and renewal"),
        columns=[
            Column("season", _("Season")),
            Column("new", _("New spectators"), "int"),
            Column("new_share", _("Share of the season's spectators"), "percent"),
            Column("renewed_next", _("Came back the next season"), "int"),
            Column("renewal_rate", _("Renewal rate"), "percent"),
        ],
        rows=[{**r, "link": f"{page}?{urlencode({'season': r['season']})}"} for r in rows],
        chart={
            "type": "bar",
            "x": "season",
            "series": [
                ("new", _("New spectators"), "y"),
                ("renewal_rate", _("Renewal rate"), "p"),
            ],
        },
        note=_(
            "A new spectator's first performance at the venue is in that season. No renewal "
            "figure while the next season has no sales."
        ),
    )


def _identified_table(rows: list[dict], page: str) -> Table:
    return Table(
        key="identified",
        title=_("Attendees identified"),
        columns=[
            Column("season", _("Season")),
            Column("tickets", _("Tickets"), "int"),
            Column("identified_tickets", _("Attendees identified"), "int"),
            Column("unidentified_tickets", _("Attendees unknown"), "int"),
            Column("identified_share", _("Share identified"), "percent"),
            Column("companion_tickets", _("Seats of named companions"), "int"),
            Column("companions", _("Companions identified"), "int"),
        ],
        rows=[{**r, "link": f"{page}?{urlencode({'season': r['season']})}"} for r in rows],
        chart={
            "type": "stacked",
            "x": "season",
            "series": [
                ("identified_tickets", _("Attendees identified"), "y"),
                ("unidentified_tickets", _("Attendees unknown"), "y"),
            ],
        },
        note=_(
            "An attendee is identified when their ticket names them: the buyer's own seat, "
            "or a companion the buyer named at checkout. The others are the buyers' unnamed "
            "guests."
        ),
    )


def _performances_table(season: str) -> Table:
    rows = []
    orders = reverse("ticketing:order_list")
    today = timezone.now()
    for p in AudiencePerformance.objects.filter(season=season).order_by("starts_at", "pk"):
        rows.append(
            {
                "performance": f"{p.title} · {timezone.localtime(p.starts_at):%d/%m/%Y %H:%M}",
                "when": _("upcoming") if p.starts_at >= today else _("past"),
                "tickets": p.tickets,
                "spectators": p.spectators,
                "first_timers": p.first_timers,
                "first_share": _ratio(p.first_timers, p.spectators),
                "identified_share": _ratio(p.identified_tickets, p.tickets),
                "link": f"{orders}?{urlencode({'performance': p.performance_id})}",
            }
        )
    return Table(
        key="firsts",
        title=_("First-timers per performance"),
        columns=[
            Column("performance", _("Performance")),
            Column("when", _("Past or upcoming")),
            Column("tickets", _("Tickets"), "int"),
            Column("spectators", _("Spectators identified"), "int"),
            Column("first_timers", _("First-timers"), "int"),
            Column("first_share", _("Share of first-timers"), "percent"),
            Column("identified_share", _("Share identified"), "percent"),
        ],
        rows=rows,
        chart={
            "type": "bar",
            "x": "performance",
            "series": [
                ("first_timers", _("First-timers"), "y"),
                ("first_share", _("Share of first-timers"), "p"),
            ],
        },
        note=_("A first-timer's first performance at the venue is this one."),
    )


def _departments_table(places: list[dict]) -> Table:
    rows = []
    for p in places:
        code = p["department"]
        link = _contacts_url(department=code) if code in geo.DEPARTMENTS else ""
        rows.append(
            {
                "name": p["name"] if code in ("", geo.ABROAD) else f"{p['name']} ({code})",
                "region": p["region"] if p["region_code"] else "",
                "spectators": p["spectators"],
                "new": p["new"],
                "link": link,
            }
        )
    total = sum(p["spectators"] for p in places)
    for row in rows:
        row["share"] = _ratio(row["spectators"], total)
    return Table(
        key="departments",
        title=_("Spectators by département"),
        columns=[
            Column("name", _("Département")),
            Column("region", _("Region")),
            Column("spectators", _("Spectators"), "int"),
            Column("share", _("Share"), "percent"),
            Column("new", _("New spectators"), "int"),
        ],
        rows=rows,
        note=_("Where a spectator lives: the département of the postcode on their contact."),
    )


def _regions_table(rows: list[dict]) -> Table:
    total = sum(r["spectators"] for r in rows)
    return Table(
        key="regions",
        title=_("Spectators by region"),
        columns=[
            Column("region", _("Region")),
            Column("spectators", _("Spectators"), "int"),
            Column("share", _("Share"), "percent"),
            Column("new", _("New spectators"), "int"),
        ],
        rows=[{**r, "share": _ratio(r["spectators"], total)} for r in rows],
        chart={
            "type": "hbar",
            "x": "region",
            "series": [("spectators", _("Spectators"), "y")],
        },
    )


# --- Indicators (analytics.indicators) -----------------------------------------------------


def _figure(name: str):
    def measure(season: str) -> float | None:
        """None for a season without sales (as the sales indicators)."""
        figures = season_audience(season)
        value = figures[name] if figures["first_year"] is not None else None
        return float(value) if value is not None else None

    measure.__name__ = f"audience_{name}"
    return measure


def _audience_link(season: str) -> str:
    return f"{reverse('analytics:audience')}?{urlencode({'season': season})}"


for _key, _label, _kind, _name in (
    ("spectators", gettext_lazy("Spectators"), "int", "spectators"),
    ("new_spectators", gettext_lazy("New spectators"), "int", "new"),
    ("seats_per_spectator", gettext_lazy("Seats per spectator"), "decimal", "seats_per_spectator"),
    ("identified_share", gettext_lazy("Attendees identified"), "percent", "identified_share"),
):
    indicators.register(
        indicators.Indicator(_key, _label, _kind, _figure(_name), link=_audience_link)
    )
