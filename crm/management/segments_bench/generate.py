"""The benchmark's base, generated contact by contact with a fixed seed and streamed as COPY
lines: the contact with its behaviour columns, its timeline events, and the per-genre,
per-season and per-quarter stats and affinities that `crm.services.record_*` would have kept
from those same events."""

from __future__ import annotations

import functools
import random
from collections import defaultdict
from datetime import date, datetime, timedelta

from crm.windows import BUSY_QUARTER_MIN, window_start

from .standard import (
    CAMPAIGNS,
    DEPARTMENTS,
    FIRST_NAMES,
    GENRES,
    HARD_TO_SELL_SHOW,
    KEYWORDS,
    LAST_NAMES,
    SHOWS,
)

NULL = "\\N"  # COPY's NULL


# --- The base -----------------------------------------------------------------------------
@functools.cache
def _day(day: int) -> tuple[str, str, str]:
    """(date literal, season, first day of its quarter) of a day since the epoch (UTC)."""
    d = date(1970, 1, 1) + timedelta(days=day)
    start = d.year if d.month >= 9 else d.year - 1
    return (
        d.isoformat(),
        f"{start}-{start + 1}",
        date(d.year, (d.month - 1) // 3 * 3 + 1, 1).isoformat(),
    )


_TIMES = [f"{minute // 60:02d}:{minute % 60:02d}:00+00" for minute in range(1440)]


def _ts(moment: int) -> str:
    """Epoch seconds → a timestamptz literal for COPY, to the minute (cheaper than isoformat
    per row: ~14 million of them)."""
    return f"{_day(moment // 86_400)[0]} {_TIMES[moment % 86_400 // 60]}"


def _pick(pairs):
    values, weights = zip(*pairs, strict=True)
    return values, weights


class Base:
    """The generated venue, streamed to COPY: rows are produced per contact."""

    def __init__(self, contacts: int, seed: int, now: datetime):
        self.n = contacts
        self.rng = random.Random(seed)  # noqa: S311 (test data, reproducible)
        self.now = int(now.timestamp())
        # Where the per-genre recent counters start (crm/windows.py), as the task sets it.
        self.recent_since = window_start(now)
        self.recent_from = int(self.recent_since.timestamp())
        self.events = 0
        day = 86_400
        genres, weights = _pick(GENRES)
        rng = self.rng
        # Shows over five years (one every ~9 days) and the one on sale now; 2–6 performances.
        self.shows = []
        for show in range(1, SHOWS + 1):
            start = self.now - int((SHOWS - show) * 9.1 * day) + (30 * day if show == SHOWS else 0)
            genre = "circus" if show == HARD_TO_SELL_SHOW else rng.choices(genres, weights)[0]
            performances = [
                (show * 10 + k, start + k * day + 20 * 3600) for k in range(rng.randint(2, 6))
            ]
            self.shows.append((show, genre, performances))
        self.past_shows = [s for s in self.shows if s[2][0][1] < self.now]
        self.recent_shows = {
            years: [s for s in self.past_shows if s[2][0][1] > self.now - years * 365 * day]
            for years in (3, 4, 5)
        }
        self.campaigns = [
            (c, self.now - (CAMPAIGNS - c) * 18 * day - 3 * day) for c in range(1, CAMPAIGNS + 1)
        ]
        self.departments = _pick(DEPARTMENTS)

    # Events of one contact: list of (epoch, code, show, performance, campaign, genre, data)
    def behaviour(self, profile: str) -> list[tuple]:
        rng, day, now = self.rng, 86_400, self.now
        out = []

        def go(show, performance_at, perf_id, genre, attend=True):
            bought = performance_at - int(rng.uniform(1, 60) * day)
            if bought > now:
                return
            tickets = rng.choice((1, 1, 2, 2, 2, 3, 4))
            channel = "web" if rng.random() < 0.4 else "box_office"
            amount = tickets * 1500
            data = f'{{"tickets": {tickets}, "amount_cents": {amount}, "channel": "{channel}"}}'
            out.append((bought, "ticketing.purchase", show, perf_id, None, genre, data, tickets))
            if attend and performance_at < now and rng.random() < 0.92:
                out.append(
                    (performance_at, "ticketing.attendance", show, perf_id, None, genre, "{}", 0)
                )

        if profile == "regular":
            years = rng.randint(3, 5)
            lapsed = rng.random() < 0.3
            per_quarter = rng.choice((2, 2, 3, 3, 4))
            shows = self.recent_shows[years]
            # ~10 shows a quarter: `per_quarter` of them, give or take.
            for show, genre, performances in rng.sample(shows, len(shows) * per_quarter // 10):
                perf_id, at = rng.choice(performances)
                if lapsed and at > now - 330 * day:
                    continue
                go(show, at, perf_id, genre)
        elif profile == "occasional":
            for _ in range(rng.choice((1, 1, 2, 3, 4))):
                show, genre, performances = rng.choice(self.past_shows)
                perf_id, at = rng.choice(performances)
                go(show, at, perf_id, genre)
        if profile in ("first_timer", "occasional") and rng.random() < (
            1 if profile == "first_timer" else 0.02
        ):
            show, genre, performances = self.shows[-1]
            go(
                show,
                performances[1][1] if profile == "first_timer" else performances[0][1],
                performances[1][0] if profile == "first_timer" else performances[0][0],
                genre,
            )
        # Emails: the contact receives the campaigns of its time in the base.
        if profile != "none":
            openness = rng.random()
            for campaign, sent in self.campaigns:
                if rng.random() < openness * 0.1:
                    opened = sent + int(rng.uniform(0, 3) * day)
                    out.append(
                        (opened, "campaigns.email.opened", None, None, campaign, "", "{}", 0)
                    )
                    if rng.random() < 0.25:
                        clicked = opened + 600
                        out.append(
                            (clicked, "campaigns.email.clicked", None, None, campaign, "", "{}", 0)
                        )
                        if rng.random() < 0.2:
                            show, genre, performances = rng.choice(self.shows[-12:])
                            perf_id, at = performances[0]
                            if clicked + 3 * day < now:
                                data = '{"tickets": 2, "amount_cents": 3000, "channel": "web"}'
                                out.append(
                                    (
                                        clicked + int(rng.uniform(0, 10) * day),
                                        "ticketing.purchase",
                                        show,
                                        perf_id,
                                        None,
                                        genre,
                                        data,
                                        2,
                                    )
                                )
            for _ in range(rng.choice((0, 0, 1, 2, 4))):
                show, genre, _perfs = rng.choice(self.shows[-15:])
                out.append(
                    (
                        now - int(rng.uniform(0, 120) * day),
                        "storefront.show.viewed",
                        show,
                        None,
                        None,
                        genre,
                        "{}",
                        0,
                    )
                )
        return [e for e in out if e[0] <= now]

    def generate(self, sinks: dict, first_id: int, count: int) -> None:
        """Write the rows of contacts first_id … first_id + count - 1 (and of everything
        about them) to `sinks[table](line)`."""
        rng, now, day = self.rng, self.now, 86_400
        depts, dept_w = self.departments
        profiles = ("none", "newsletter", "occasional", "regular", "first_timer")
        profile_w = (8, 46, 38, 7, 1)
        for cid in range(first_id, first_id + count):
            profile = rng.choices(profiles, profile_w)[0]
            events = self.behaviour(profile)
            events.sort()
            genre_stats: dict[str, list] = {}
            seasons: dict[str, list] = defaultdict(lambda: [0, 0, 0, 0])
            quarters: dict[str, int] = defaultdict(int)
            purchases = tickets = spent = attendances = 0
            first_p = last_p = first_a = last_a = None
            for at, code, show, perf, campaign, genre, data, n_tickets in events:
                stamp = _ts(at)
                sinks["crm_timelineevent"](
                    f"{cid}\t{code}\t{stamp}\t{data}\t\t{show or NULL}\t{perf or NULL}\t\\N\t"
                    f"{campaign or NULL}\t{genre}\t\\N\t{stamp}\n"
                )
                if code == "ticketing.purchase":
                    purchases += 1
                    tickets += n_tickets
                    spent += n_tickets * 1500
                    first_p = first_p or at
                    last_p = at
                    g = genre_stats.setdefault(genre, [0, 0, None, None, 0])
                    g[0] += 1
                    g[2] = at
                    s = seasons[_day(at // 86_400)[1]]
                    s[0] += 1
                    s[1] += n_tickets
                    s[2] += n_tickets * 1500
                elif code == "ticketing.attendance":
                    attendances += 1
                    first_a = first_a or at
                    last_a = at
                    g = genre_stats.setdefault(genre, [0, 0, None, None, 0])
                    g[1] += 1
                    g[4] += at >= self.recent_from
                    g[3] = at
                    _d, season, quarter = _day(at // 86_400)
                    seasons[season][3] += 1
                    quarters[quarter] += 1
            self.events += len(events)
            for genre, (p, a, lp, la, recent) in genre_stats.items():
                sinks["crm_genrestats"](
                    f"{cid}\t{genre}\t{p}\t{a}\t"
                    f"{_ts(lp) if lp else NULL}\t{_ts(la) if la else NULL}\t{recent}\n"
                )
            for season, (p, t, s, a) in seasons.items():
                sinks["crm_seasonstats"](f"{cid}\t{season}\t{p}\t{t}\t{s}\t{a}\n")
            for quarter, a in quarters.items():
                sinks["crm_quarterstats"](f"{cid}\t{quarter}\t{a}\n")
            stamp = _ts(now)
            if genre_stats and purchases:
                for genre, (p, _a, _lp, _la, _r) in genre_stats.items():
                    sinks["crm_affinity"](f"{cid}\tgenre\t{genre}\t{p / purchases:.3f}\t{stamp}\n")
            if profile != "none" and rng.random() < 0.2:  # answered a quiz
                for key in rng.sample(KEYWORDS, rng.randint(1, 3)):
                    sinks["crm_affinity"](f"{cid}\tkeyword\t{key}\t{rng.random():.3f}\t{stamp}\n")
            # The contact itself.
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = (
                f"{first.lower()}.{last.lower()}.{cid}@example.fr" if rng.random() < 0.85 else ""
            )
            dept = rng.choices(depts, dept_w)[0]
            postcode = f"{dept}{rng.randint(0, 999):03d}" if dept else ""
            types = (
                "{spectator}"
                if rng.random() < 0.92
                else rng.choice(("{professional}", "{press}", "{relay}", "{spectator,relay}"))
            )
            consent = rng.choices(("t", "f", NULL), (60, 15, 25))[0] if email else NULL
            merged = NULL
            anonymised = NULL
            roll = rng.random()
            if roll < 0.02 and cid > 1:
                merged = str(rng.randint(1, cid - 1))
            elif roll < 0.025:
                anonymised = stamp
            credit = rng.choice((1500, 3000)) if (profile != "none" and rng.random() < 0.06) else 0
            seen = _ts(events[0][0] if events else now - int(rng.uniform(0, 2000) * day))

            def ts(v):
                return _ts(v) if v else NULL

            busy = (
                "{"
                + ",".join(sorted(q for q, n in quarters.items() if n >= BUSY_QUARTER_MIN))
                + "}"
            )
            genres_seen = "{" + ",".join(sorted(g for g, v in genre_stats.items() if v[1])) + "}"
            sinks["crm_contact"](
                f"{cid}\t{first}\t{last}\t{email}\t{email}\t\t{postcode}\t{dept}\tVille\tfr\t"
                f"{types}\t{{}}\t{{}}\tweb\t{seen}\t{consent}\t\\N\t{merged}\t{anonymised}\t"
                f"{seen}\t{stamp}\t{ts(first_p)}\t{ts(last_p)}\t{purchases}\t{tickets}\t{spent}\t"
                f"{attendances}\t{ts(last_a)}\t0\t{ts(first_a)}\t{genres_seen}\t"
                f"{rng.choice((0,) * 30 + (1, 2, 3))}\t{credit}\t{busy}\n"
            )
