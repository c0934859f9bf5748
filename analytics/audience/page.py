"""The statistics page "Public": its key figures and tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.dropoff.models import DropoffAlert
from crm.behaviour import FIRST_TIMER, LAPSED, REGULAR, current_season
from crm.models import Contact

from .. import geography as geo
from ..dashboard import Column, Table
from ..models import AudiencePerformance
from ..selectors import ratio
from .refresh import ensure_refreshed
from .selectors import geography, regions, season_audience, seasons


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
                "first_share": ratio(p.first_timers, p.spectators),
                "identified_share": ratio(p.identified_tickets, p.tickets),
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
        row["share"] = ratio(row["spectators"], total)
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
        rows=[{**r, "share": ratio(r["spectators"], total)} for r in rows],
        chart={
            "type": "hbar",
            "x": "region",
            "series": [("spectators", _("Spectators"), "y")],
        },
    )
