"""The rules of a contact's behaviour, in one place: what season a date falls in, the RFM
scores, the weights of affinities and the automatic criteria. Pure functions of facts the
record_* services already hold (no query here but the venue's settings, cached).

Seasons
    A venue's season starts on the first day of its `season_start_month` (September by
    default) in the venue's time zone and is named by its two years, "2026-2027"; a venue
    whose season is the calendar year (start month 1) names it by its year, "2026".

RFM scores (1 low … 5 high), on the contact's own columns:
    recency    days since the last purchase: ≤ 90 → 5, ≤ 180 → 4, ≤ 365 → 3, ≤ 730 → 2, else 1
    frequency  orders placed: ≥ 10 → 5, ≥ 6 → 4, ≥ 3 → 3, 2 → 2, 1 → 1
    monetary   total spent: ≥ 500 € → 5, ≥ 250 € → 4, ≥ 100 € → 3, ≥ 50 € → 2, else 1
    None until the first purchase. Frequency and monetary only move with an event and are set
    with it; recency also moves with time alone, so the periodic task
    (crm.tasks.refresh_time_based) rewrites it for the few contacts whose bucket the calendar
    has changed (one UPDATE … WHERE rfm_recency IS DISTINCT FROM <the bucket now>, built from
    the same table as `rfm_scores`).

Affinity weights (per genre of the show):
    an order +1, an attendance (first ticket scanned at a performance) +2, an order refunded
    in full −1 (floored at 0). Quiz answers and clicks add what the caller gives
    (`crm.services.add_affinity`).

Automatic criteria (thresholds per venue, crm.models.BehaviourSettings), decided by
`decide_criteria` and nowhere else:
    first_timer   their first order or attendance is in the current season
    regular       ≥ N performances attended this season, or ≥ N orders this season (venues that
                  do not scan tickets at the door still get regulars)
    lapsed        came or bought before, but neither for N months
    relay         brought ≥ N buyers (referrals)
    big_spender   spent ≥ X this season
    prospect      known but never bought nor came (newsletter sign-ups, imports)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants import generations

from .models import BehaviourSettings

# --- Seasons -----------------------------------------------------------------------------
_SETTINGS = generations.LocalCache("crm_behaviour_settings", size=512)


def behaviour_settings() -> BehaviourSettings:
    """The venue's settings (read only; `crm.services.update_behaviour_settings` writes
    them). Kept in this process during a request while the venue's generation holds."""
    found = _SETTINGS.get("current")
    if isinstance(found, BehaviourSettings):
        return found
    # A read never writes: a venue that never saved its settings gets the defaults.
    found = BehaviourSettings.objects.filter(singleton=True).first() or BehaviourSettings()
    _SETTINGS.set("current", found)
    return found


def season_of(moment: datetime | date, *, start_month: int | None = None) -> str:
    """The season a date falls in, e.g. "2026-2027" (the venue's start month by default;
    an aware datetime is read in the current time zone, the venue's)."""
    if start_month is None:
        start_month = behaviour_settings().season_start_month
    day = timezone.localdate(moment) if isinstance(moment, datetime) else moment
    if start_month == 1:
        return str(day.year)
    first = day.year if day.month >= start_month else day.year - 1
    return f"{first}-{first + 1}"


def current_season(*, now: datetime | None = None, start_month: int | None = None) -> str:
    return season_of(now or timezone.now(), start_month=start_month)


def quarter_of(moment: datetime) -> date:
    """The first day of the calendar quarter (venue time zone)."""
    day = timezone.localdate(moment)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


# --- RFM ---------------------------------------------------------------------------------
# (bound, score): the first bound the value is within gives the score; else 1.
RECENCY_DAYS = ((90, 5), (180, 4), (365, 3), (730, 2))
FREQUENCY_ORDERS = ((10, 5), (6, 4), (3, 3), (2, 2))
MONETARY_CENTS = ((50000, 5), (25000, 4), (10000, 3), (5000, 2))


def recency_score(last_purchase_at: datetime | None, now: datetime) -> int | None:
    if last_purchase_at is None:
        return None
    days = (now - last_purchase_at).days
    return next((score for bound, score in RECENCY_DAYS if days <= bound), 1)


def recency_sql(now: str) -> str:
    """The same buckets as `recency_score`, as SQL over crm_contact; `now` is an SQL
    expression (a column of a joined one-row subquery: no parameter repeated)."""
    days = f"(EXTRACT(EPOCH FROM ({now} - last_purchase_at)) / 86400)"
    cases = " ".join(f"WHEN {days} < {bound + 1} THEN {score}" for bound, score in RECENCY_DAYS)
    return f"(CASE WHEN last_purchase_at IS NULL THEN NULL {cases} ELSE 1 END)"


def rfm_scores(
    *, last_purchase_at, purchase_count: int, amount_spent_cents: int, now: datetime
) -> tuple[int | None, int | None, int | None]:
    if not purchase_count and last_purchase_at is None:
        return None, None, None
    frequency = next((s for bound, s in FREQUENCY_ORDERS if purchase_count >= bound), 1)
    monetary = next((s for bound, s in MONETARY_CENTS if amount_spent_cents >= bound), 1)
    return recency_score(last_purchase_at, now), frequency, monetary


# --- Affinities --------------------------------------------------------------------------
PURCHASE_WEIGHT = 1.0
ATTENDANCE_WEIGHT = 2.0
REFUND_WEIGHT = -1.0


# --- Criteria ----------------------------------------------------------------------------
FIRST_TIMER = "first_timer"
REGULAR = "regular"
LAPSED = "lapsed"
RELAY = "relay"
BIG_SPENDER = "big_spender"
PROSPECT = "prospect"

CRITERIA = {
    FIRST_TIMER: _("First-timer"),
    REGULAR: _("Regular"),
    LAPSED: _("Lapsed"),
    RELAY: _("Relay"),
    BIG_SPENDER: _("Big spender"),
    PROSPECT: _("Prospect"),
}
# Criteria that can change with the calendar alone (a season ends, months pass).
TIME_BASED = frozenset({FIRST_TIMER, REGULAR, LAPSED, BIG_SPENDER})


@dataclass(frozen=True)
class Facts:
    """What the criteria and scores are decided from (the contact's columns and its row of
    the current season)."""

    first_purchase_at: datetime | None = None
    last_purchase_at: datetime | None = None
    first_attended_at: datetime | None = None
    last_attended_at: datetime | None = None
    purchase_count: int = 0
    amount_spent_cents: int = 0
    referred_buyers: int = 0
    season_purchases: int = 0
    season_attendances: int = 0
    season_spend_cents: int = 0


FACT_COLUMNS = (
    "first_purchase_at",
    "last_purchase_at",
    "first_attended_at",
    "last_attended_at",
    "purchase_count",
    "amount_spent_cents",
    "referred_buyers",
)


def _months_before(moment: datetime, months: int) -> datetime:
    """The same day `months` earlier (the last day of a shorter month)."""
    local = timezone.localtime(moment)
    month_index = local.year * 12 + local.month - 1 - months
    year, month = divmod(month_index, 12)
    for day in range(local.day, 0, -1):
        try:
            return local.replace(year=year, month=month + 1, day=day)
        except ValueError:
            continue
    return local - timedelta(days=30 * months)  # pragma: no cover


def _first(*moments):
    known = [m for m in moments if m is not None]
    return min(known) if known else None


def _last(*moments):
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def decide_criteria(facts: Facts, *, settings: BehaviourSettings, now: datetime) -> list[str]:
    """The venue's automatic criteria a contact meets now, sorted. The one place they are
    decided: events, relations and the periodic task all call it."""
    met = set()
    first_seen = _first(facts.first_purchase_at, facts.first_attended_at)
    last_seen = _last(facts.last_purchase_at, facts.last_attended_at)
    if first_seen is None:
        met.add(PROSPECT)
    else:
        start = settings.season_start_month
        if season_of(first_seen, start_month=start) == current_season(now=now, start_month=start):
            met.add(FIRST_TIMER)
        if last_seen < _months_before(now, settings.lapsed_after_months):
            met.add(LAPSED)
    shows = max(facts.season_attendances, facts.season_purchases)
    if shows >= settings.regular_min_shows:
        met.add(REGULAR)
    if facts.referred_buyers >= settings.relay_min_referred:
        met.add(RELAY)
    if facts.season_spend_cents >= settings.big_spender_min_cents:
        met.add(BIG_SPENDER)
    return sorted(met)


def lapsed_cutoff(*, settings: BehaviourSettings, now: datetime) -> datetime:
    return _months_before(now, settings.lapsed_after_months)
