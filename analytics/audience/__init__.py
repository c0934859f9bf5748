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

from .page import Audience, build
from .refresh import ensure_refreshed, refresh_audience, refreshed_at
from .selectors import geography, regions, season_audience, seasons

__all__ = [
    "Audience",
    "build",
    "ensure_refreshed",
    "geography",
    "refresh_audience",
    "refreshed_at",
    "regions",
    "season_audience",
    "seasons",
]
