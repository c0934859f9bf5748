"""The audience figures others read (the page, reports, goals, the cooperative's figures),
from the refreshed tables; the audience indicators of analytics.indicators."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy

from .. import geography as geo
from .. import indicators
from ..models import AudienceDepartment, AudienceSeason
from ..selectors import ratio


def _season_row(row: AudienceSeason, next_exists: bool) -> dict:
    return {
        "season": row.season,
        "performances": row.performances,
        "spectators": row.spectators,
        "new": row.new_spectators,
        "returning": row.spectators - row.new_spectators,
        "new_share": ratio(row.new_spectators, row.spectators),
        "renewed_next": row.renewed_next if next_exists else None,
        "renewal_rate": ratio(row.renewed_next, row.new_spectators) if next_exists else None,
        "seats": row.seats,
        "seats_per_spectator": ratio(row.seats, row.spectators),
        "tickets": row.tickets,
        "identified_tickets": row.identified_tickets,
        "unidentified_tickets": row.tickets - row.identified_tickets,
        "identified_share": ratio(row.identified_tickets, row.tickets),
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
