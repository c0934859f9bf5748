"""Progress of the venue's goals: each goal's indicator measured now (analytics.indicators),
its baseline, its target, the share of the way done and whether it keeps pace.

The pace is linear: halfway between the goal's start and its deadline, half the way from
the baseline to the target should be done. Sales follow the venue's J−x curve rather than
a straight line, so a sales goal may look "behind" early in a season and catch up; the
page says so (docs/analytics.md, "Goals and the monthly digest")."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.behaviour import behaviour_settings, current_season

from .. import indicators
from ..templatetags.analytics_ui import cell_text
from .models import Goal

logger = logging.getLogger(__name__)
REACHED, ON_TRACK, BEHIND, MISSED, NO_DATA = "reached", "on_track", "behind", "missed", "no_data"
STATES = {
    REACHED: _("Reached"),
    ON_TRACK: _("On track"),
    BEHIND: _("Behind"),
    MISSED: _("Missed"),
    NO_DATA: _("No data"),
}
BADGES = {
    REACHED: "badge-success",
    ON_TRACK: "badge-info",
    BEHIND: "badge-warning",
    MISSED: "badge-danger",
    NO_DATA: "badge-muted",
}
# The Sales page's card reads the measures kept here (a venue's cache key carries its
# schema) rather than measuring every indicator on each view.
CACHE_KEY = "analytics:goal-measures"
CACHE_SECONDS = 600


# --- Seasons ("2026-2027", or "2026" for a venue whose season is the calendar year) -------
def _first_year(season: str) -> int:
    return int(season.split("-")[0])


def shift_season(season: str, years: int) -> str:
    first = _first_year(season) + years
    return f"{first}-{first + 1}" if "-" in season else str(first)


def previous_season(season: str) -> str:
    return shift_season(season, -1)


def season_bounds(season: str) -> tuple[date, date]:
    """The season's first and last day."""
    month = 1 if "-" not in season else behaviour_settings().season_start_month
    first = date(_first_year(season), month, 1)
    return first, date(first.year + 1, month, 1) - timedelta(days=1)


def season_choices() -> list[str]:
    """The seasons a goal may be set for: the two past ones, this one and the next."""
    now = current_season(now=timezone.now())
    return [shift_season(now, years) for years in (1, 0, -1, -2)]


def is_valid_season(season: str) -> bool:
    parts = season.split("-")
    if not all(p.isdigit() and len(p) == 4 for p in parts) or len(parts) > 2:
        return False
    return len(parts) == 1 or int(parts[1]) == int(parts[0]) + 1


# --- Progress -----------------------------------------------------------------------------
def cumulative(indicator: indicators.Indicator) -> bool:
    """Counts and amounts that start again from nothing each season (tickets, revenue,
    new spectators): their progress runs from zero. Rates run from the baseline."""
    return indicator.per_season and indicator.kind in ("int", "money")


@dataclass
class Progress:
    goal: Goal
    indicator: indicators.Indicator | None
    current: float | None
    baseline: float | None  # the previous season's value (or where the venue started)
    target: float | None
    start: float | None  # where the progress bar starts: 0 for counts, the baseline for rates
    share: float | None  # of the way from start to target, 0..1 (capped)
    expected: float  # of the way the linear pace asks for by today, 0..1
    state: str
    link: str = ""

    @property
    def kind(self) -> str:
        return self.indicator.kind if self.indicator else "decimal"

    @property
    def label(self) -> str:
        if self.goal.label:
            return self.goal.label
        return str(self.indicator.label) if self.indicator else self.goal.indicator

    @property
    def state_label(self) -> str:
        return str(STATES[self.state])

    @property
    def badge(self) -> str:
        return BADGES[self.state]

    @property
    def current_text(self) -> str:
        return cell_text(self.current, self.kind)

    @property
    def target_text(self) -> str:
        return cell_text(self.target, self.kind)

    @property
    def baseline_text(self) -> str:
        return cell_text(self.baseline, self.kind)

    @property
    def goal_text(self) -> str:
        """The growth asked for: "+10 %", "+0,30", "+5 points"."""
        amount = float(self.goal.amount)
        sign = "+" if amount >= 0 else "−"
        if self.goal.mode == Goal.Mode.PERCENT:
            return f"{sign}{cell_text(abs(amount) / 100, 'percent')}"
        if self.kind == "percent":
            return gettext("%(sign)s%(n)s points") % {
                "sign": sign,
                "n": cell_text(abs(amount) * 100, "decimal").rstrip("0").rstrip(",."),
            }
        return f"{sign}{cell_text(abs(amount), self.kind)}"

    @property
    def percent(self) -> int:
        return round((self.share or 0) * 100)

    @property
    def expected_percent(self) -> int:
        return round(self.expected * 100)


def target_of(goal: Goal, baseline: float | None) -> float | None:
    amount = float(goal.amount)
    if goal.mode == Goal.Mode.ABSOLUTE:
        return amount
    if baseline is None:
        return None
    if goal.mode == Goal.Mode.PERCENT:
        return baseline * (1 + amount / 100)
    return baseline + amount


def pace(goal: Goal, today: date) -> float:
    """The share of the way a linear pace asks for by `today` (0 before the start, 1 from
    the deadline)."""
    if today <= goal.starts_on:
        return 0.0
    if today >= goal.deadline:
        return 1.0
    return (today - goal.starts_on).days / ((goal.deadline - goal.starts_on).days or 1)


def progress_of(
    goal: Goal, *, today: date, measure: Callable[[str, str], float | None]
) -> Progress:
    indicator = indicators.get(goal.indicator)
    expected = pace(goal, today)
    if indicator is None:
        return Progress(goal, None, None, None, None, None, None, expected, NO_DATA)
    current = measure(goal.indicator, goal.season)
    if goal.start_value is not None:
        baseline = goal.start_value
    elif indicator.per_season:
        baseline = measure(goal.indicator, previous_season(goal.season))
    else:
        baseline = None
    target = target_of(goal, baseline)
    start = 0.0 if cumulative(indicator) else baseline
    link = indicator.link(goal.season) if indicator.link else ""
    if current is None or target is None:
        return Progress(
            goal, indicator, current, baseline, target, start, None, expected, NO_DATA, link
        )
    if start is None:
        start = 0.0
    # "More is better" unless the target is below where the bar starts (fewer refunds).
    sign = 1 if target >= start else -1
    reached = (current - target) * sign >= 0
    span = target - start
    share = 1.0 if reached else max(0.0, (current - start) / span) if span else 0.0
    if reached:
        state = REACHED
    elif today > goal.deadline:
        state = MISSED
    elif share >= expected:
        state = ON_TRACK
    else:
        state = BEHIND
    return Progress(
        goal, indicator, current, baseline, target, start, min(share, 1.0), expected, state, link
    )


def _memo(measure: Callable[[str, str], float | None]) -> tuple[Callable, dict]:
    found: dict[str, float | None] = {}

    def memo(key: str, season: str) -> float | None:
        name = f"{key}|{season}"
        if name not in found:
            try:
                found[name] = measure(key, season)
            except Exception:  # one broken indicator must not take the page down
                logger.exception("indicator %s failed for season %s", key, season)
                found[name] = None
        return found[name]

    return memo, found


def active_goals():
    return Goal.objects.filter(archived_at__isnull=True).order_by("deadline", "pk")


def goals_progress(goals=None, *, today: date | None = None) -> list[Progress]:
    """Every active goal's progress, each indicator measured once; the measures are kept a
    few minutes for the Sales page's card."""
    today = today or timezone.localdate()
    goals = list(active_goals() if goals is None else goals)
    memo, found = _memo(indicators.measure)
    rows = [progress_of(g, today=today, measure=memo) for g in goals]
    cache.set(CACHE_KEY, found, CACHE_SECONDS)
    return rows


def goals_summary(*, today: date | None = None) -> list[Progress]:
    """The Sales page's card: one query for the goals; the measures from the cache (kept by
    the Goals page or the last card), measured again only when it is cold."""
    today = today or timezone.localdate()
    goals = list(active_goals())
    if not goals:
        return []
    kept = cache.get(CACHE_KEY) or {}
    memo, found = _memo(indicators.measure)
    found.update(kept)
    rows = [progress_of(g, today=today, measure=memo) for g in goals]
    if len(found) > len(kept):
        cache.set(CACHE_KEY, found, CACHE_SECONDS)
    return rows


def forget_measures() -> None:
    cache.delete(CACHE_KEY)
