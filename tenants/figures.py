"""What a venue may share with the cooperative: the allow-list of aggregate figures.

A venue's data stays in its schema. The only figures that leave it are the ones listed here,
published by the venue's own daily task (analytics.cooperative) through
tenants.services.publish_venue_figures, which refuses any other key. Each is a count, an
amount or a rate over a whole season (or over the venue as it is now): never a person, a
name or a list. Adding a figure to the comparison is a decision taken here, in one place —
a new indicator in analytics' registry is not shared until it is listed below.

Reads (tenants.selectors) are logged in the cooperative's audit trail; another venue only
ever sees a median of at least MIN_VENUES venues, without their names.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# A venue sees the median of other venues only when at least this many have a value: below
# it, a "median" of one or two venues would give away their figures.
MIN_VENUES = 3


@dataclass(frozen=True)
class SharedFigure:
    key: str
    label: str | Promise
    # As analytics_ui.cell_text writes it: "int", "money" (cents), "percent" (0..1),
    # "decimal"; "days" for an age in days.
    kind: str
    # Measured per season; False: of the venue as it is now (stored with season "").
    per_season: bool = True
    # Offered to venues for comparison (a median); False: seen by the cooperative only.
    compared: bool = True


SHAREABLE_FIGURES: dict[str, SharedFigure] = {
    f.key: f
    for f in (
        SharedFigure("tickets", _("Tickets sold"), "int"),
        SharedFigure("revenue", _("Ticket revenue"), "money"),
        SharedFigure("online_share", _("Online share"), "percent"),
        SharedFigure("fill_rate", _("Fill rate"), "percent"),
        SharedFigure("basket_seats", _("Seats per order"), "decimal"),
        # The audience (analytics.audience): counts of people, never the people.
        SharedFigure("spectators", _("Spectators"), "int"),
        SharedFigure("new_spectators", _("New spectators"), "int"),
        SharedFigure("seats_per_spectator", _("Seats per spectator"), "decimal"),
        SharedFigure("identified_share", _("Attendees identified"), "percent"),
        SharedFigure(
            "integrity", _("Integrity rate of the contact base"), "percent", per_season=False
        ),
        # Activity: how alive the box office is, for the cooperative's follow-up.
        SharedFigure("tickets_30d", _("Tickets sold in the last 30 days"), "int", per_season=False),
        SharedFigure(
            "last_sale_days",
            _("Days since the last sale"),
            "days",
            per_season=False,
            compared=False,
        ),
    )
}


def shareable(key: str) -> SharedFigure | None:
    return SHAREABLE_FIGURES.get(key)


def figure_text(value, kind: str, currency: str = "EUR") -> str:
    """A shared figure in words, in the active language ("—" when there is none)."""
    from django.utils.formats import number_format

    if value is None:
        return "—"
    if kind == "money":
        amount = number_format(round(value / 100), 0, force_grouping=True)
        return f"{amount}\u00a0€" if currency == "EUR" else f"{amount}\u00a0{currency}"
    if kind == "percent":
        return f"{number_format(value * 100, 1)}\u00a0%"
    if kind == "decimal":
        return number_format(value, 2)
    return number_format(round(value), 0, force_grouping=True)
