"""Benchmark: the six standard segments on a realistic venue of `--contacts` contacts.

Everything is thrown away afterwards: a database `parterre_bench_<pid>` on the configured server
(dropped at the end, also on failure or Ctrl-C) and a venue `bench` cloned from the template.

1. Build the base in Python, with a fixed seed, and load it with COPY (secondary indexes and
   constraints are dropped during the load and rebuilt after it, then VACUUM ANALYZE, as a
   venue in service would have them): contacts with their behaviour columns; ~10 timeline
   events per contact on average (purchases and attendances of 200 shows over five years,
   campaign emails opened and clicked, show pages viewed); the per-genre, per-season and
   per-quarter stats and the affinities (genres from purchases, keywords from quiz answers)
   that `crm.services.record_*` keep current, computed from those same events. Audiences:
   newsletter-only contacts, occasional buyers, regulars who come every quarter (some of whom
   stopped a year ago), first-timers booked for the coming performances, card holders with
   unused credit.
2. Time the six standard segments (`STANDARD_SEGMENTS`), each counted by
   `crm.segments.selectors.segment_count` as the builder's live count does (Django included):
   warm (after one run, `--runs` runs each), then cold: before each segment's cold run, with
   `--restart-command` (e.g. `pg_ctlcluster 15 bench restart`) the server is restarted (empty
   shared buffers; the OS page cache stays warm, as after a real restart); without it, a new
   connection and `DISCARD ALL` (empty plan and catalogue caches only: an honest lower bound,
   said so in the output).
3. Freshness: a card holder of the "forty days later" segment comes to a show, recorded
   through `crm.services.record_attendance`; the time until the segment's count drops by one.

The last line: `RESULT contacts=… events=… p50_ms=… max_ms=… cold_max_ms=… freshness_s=…`.

    python manage.py bench_segments --contacts 1000000
"""

from __future__ import annotations

import functools
import random
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from crm.management.commands.bench_contact_search import machine
from crm.segments.selectors import segment_count
from crm.services import record_attendance
from tenants.management.commands.bench_onboarding import quiet_mail, throwaway_database
from tenants.services import create_venue

GENRES = (("theatre", 40), ("dance", 20), ("music", 25), ("circus", 10), ("opera", 5))
KEYWORDS = ("humour", "famille", "cirque", "engagé", "poésie", "musique-live", "jeune-public")
DEPARTMENTS = (
    ("75", 30),
    ("92", 12),
    ("93", 10),
    ("94", 9),
    ("91", 5),
    ("95", 5),
    ("77", 5),
    ("78", 5),
    ("69", 3),
    ("13", 3),
    ("33", 2),
    ("59", 2),
    ("44", 2),
    ("", 7),
)
FIRST_NAMES = (
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Inès",
    "Jeanne",
    "Louise",
    "Hugo",
    "Lucas",
    "Jules",
    "Louis",
    "Gabriel",
    "Arthur",
    "Nathan",
    "Zoé",
    "Élodie",
    "Hélène",
    "Rémi",
)
LAST_NAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "Faure",
)
CAMPAIGNS = 40
SHOWS = 200
HARD_TO_SELL_SHOW = SHOWS  # the last show: on sale now, selling badly
BOOKED_PERFORMANCE = HARD_TO_SELL_SHOW * 10 + 1  # performance ids are show * 10 + n

NULL = "\\N"  # COPY's NULL
TIMELINE_COLUMNS = (
    "contact_id, code, occurred_at, data, actor_label, show_id, performance_id, order_id, "
    "campaign_id, genre, dedupe_key, recorded_at"
)
CONTACT_COLUMNS = (
    "id, first_name, last_name, email, email_normalized, phone, postcode, department, city, "
    "language, contact_types, tags, criteria, first_source, first_seen_at, email_consent, "
    "sms_consent, merged_into_id, anonymised_at, created_at, updated_at, first_purchase_at, "
    "last_purchase_at, purchase_count, tickets_bought, amount_spent_cents, attendance_count, "
    "last_attended_at, refund_count, first_attended_at, genres_seen, referred_buyers, "
    "unused_credit_cents"
)
TABLES = (
    "crm_contact",
    "crm_timelineevent",
    "crm_genrestats",
    "crm_seasonstats",
    "crm_quarterstats",
    "crm_affinity",
)


def standard_segments() -> dict[str, dict]:
    def tree(*rules) -> dict:
        return {"version": 1, "op": "and", "rules": list(rules)}

    return {
        "consent_departments_type": tree(
            {"type": "consent", "channel": "email", "state": "granted"},
            {"type": "department", "values": ["92", "93", "94"]},
            {"type": "contact_type", "values": ["spectator"]},
        ),
        "dance_3_in_24_months": tree(
            {"type": "attendance", "genre": "dance", "within_days": 730, "min_count": 3}
        ),
        "clicked_not_bought_7_days": tree(
            {"type": "clicked_not_bought", "within_days": 30, "buy_within_days": 7}
        ),
        "credit_affinity_40_days": tree(
            {"type": "number", "field": "unused_credit_cents", "min": 1},
            {
                "op": "or",
                "rules": [
                    {
                        "type": "affinity",
                        "kind": "keyword",
                        "keys": ["humour", "cirque"],
                        "min_weight": 0.6,
                    },
                    {"type": "affinity", "kind": "genre", "keys": ["circus"], "min_weight": 0.6},
                ],
            },
            {"type": "date", "field": "last_attended_at", "when": "not_within_days", "days": 40},
            {"op": "not", "rules": [{"type": "purchases", "show_id": HARD_TO_SELL_SHOW}]},
        ),
        "lapsed": tree({"type": "lapsed", "min_per_quarter": 2, "years": 3, "max_recent": 1}),
        "first_timers_booked": tree(
            {"type": "first_timer_booked", "performance_id": BOOKED_PERFORMANCE}
        ),
    }


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


def _ts(moment: int) -> str:
    """Epoch seconds → a timestamptz literal for COPY (cheaper than isoformat per row)."""
    rest = moment % 86_400
    return (
        f"{_day(moment // 86_400)[0]} {rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}+00"
    )


def _pick(pairs):
    values, weights = zip(*pairs, strict=True)
    return values, weights


class Base:
    """The generated venue, streamed to COPY: rows are produced per contact."""

    def __init__(self, contacts: int, seed: int, now: datetime):
        self.n = contacts
        self.rng = random.Random(seed)  # noqa: S311 (test data, reproducible)
        self.now = int(now.timestamp())
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
                if rng.random() < openness * 0.15:
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
        profile_w = (8, 44, 38, 9, 1)
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
                    g = genre_stats.setdefault(genre, [0, 0, None, None])
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
                    g = genre_stats.setdefault(genre, [0, 0, None, None])
                    g[1] += 1
                    g[3] = at
                    _d, season, quarter = _day(at // 86_400)
                    seasons[season][3] += 1
                    quarters[quarter] += 1
            self.events += len(events)
            for genre, (p, a, lp, la) in genre_stats.items():
                sinks["crm_genrestats"](
                    f"{cid}\t{genre}\t{p}\t{a}\t"
                    f"{_ts(lp) if lp else NULL}\t{_ts(la) if la else NULL}\n"
                )
            for season, (p, t, s, a) in seasons.items():
                sinks["crm_seasonstats"](f"{cid}\t{season}\t{p}\t{t}\t{s}\t{a}\n")
            for quarter, a in quarters.items():
                sinks["crm_quarterstats"](f"{cid}\t{quarter}\t{a}\n")
            stamp = _ts(now)
            if genre_stats and purchases:
                for genre, (p, _a, _lp, _la) in genre_stats.items():
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

            genres_seen = "{" + ",".join(sorted(g for g, v in genre_stats.items() if v[1])) + "}"
            sinks["crm_contact"](
                f"{cid}\t{first}\t{last}\t{email}\t{email}\t\t{postcode}\t{dept}\tVille\tfr\t"
                f"{types}\t{{}}\t{{}}\tweb\t{seen}\t{consent}\t\\N\t{merged}\t{anonymised}\t"
                f"{seen}\t{stamp}\t{ts(first_p)}\t{ts(last_p)}\t{purchases}\t{tickets}\t{spent}\t"
                f"{attendances}\t{ts(last_a)}\t0\t{ts(first_a)}\t{genres_seen}\t"
                f"{rng.choice((0,) * 30 + (1, 2, 3))}\t{credit}\n"
            )


COPY_COLUMNS = {
    "crm_contact": CONTACT_COLUMNS,
    "crm_timelineevent": TIMELINE_COLUMNS,
    "crm_genrestats": (
        "contact_id, genre, purchases, attendances, last_purchased_at, last_attended_at"
    ),
    "crm_seasonstats": "contact_id, season, purchases, tickets, spend_cents, attendances",
    "crm_quarterstats": "contact_id, quarter, attendances",
    "crm_affinity": "contact_id, kind, key, weight, updated_at",
}


def _secondary_structures(cursor) -> tuple[list[str], list[str]]:
    """(statements that drop, statements that recreate) the crm tables' indexes and
    constraints other than primary keys: the load runs without them, like a restore."""
    drops, creates = [], []
    cursor.execute(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
        "FROM pg_constraint c WHERE c.conrelid::regclass::text = ANY(%s) "
        "AND c.contype IN ('u','f') "
        "ORDER BY c.contype DESC",  # unique first on the way back: foreign keys need them
        [list(TABLES)],
    )
    constraints = cursor.fetchall()
    for table, name, definition in constraints:
        drops.append(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        creates.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    names = {name for _t, name, _d in constraints}
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "AND tablename = ANY(%s) AND indexname NOT LIKE '%%_pkey'",
        [list(TABLES)],
    )
    for name, definition in cursor.fetchall():
        if name not in names:
            drops.append(f'DROP INDEX "{name}"')
            creates.insert(0, definition)
    # Foreign keys to the loaded tables from others (a user's segment, consents…) stay.
    return drops, creates


class Command(BaseCommand):
    help = "Time the standard segments on a throwaway venue of N contacts (~10 events each)."

    def add_arguments(self, parser):
        parser.add_argument("--contacts", type=int, default=1_000_000)
        parser.add_argument("--runs", type=int, default=7)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--explain", action="store_true", help="Print each segment's plan (EXPLAIN ANALYZE)."
        )
        parser.add_argument(
            "--restart-command",
            default="",
            help="Shell command restarting the PostgreSQL server, for the cold runs.",
        )

    def say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    def handle(self, *args, **options):
        if not 100 <= options["contacts"] <= 3_000_000:
            raise CommandError("--contacts: between 100 and 3000000.")
        with throwaway_database() as name, quiet_mail():
            self.say(f"Throwaway database {name}")
            self.say(machine())
            result = self.run_benchmark(options)
        self.say(f"Database {name} dropped")
        self.stdout.write("RESULT " + " ".join(f"{key}={value}" for key, value in result.items()))

    def run_benchmark(self, options: dict) -> dict[str, str]:
        call_command("migrate_schemas", interactive=False, verbosity=0)
        venue = create_venue(name="Bench", slug="bench", admin_email="admin@bench.test").venue
        now = timezone.now()
        with tenant_context(venue):
            base = self.load(options, now)
            segments = standard_segments()
            warm = self.time_warm(segments, options["runs"])
            if options["explain"]:
                self.explain(segments)
            cold = self.time_cold(venue, segments, options["restart_command"])
            freshness = self.freshness(venue, segments["credit_affinity_40_days"])
        connection.set_schema_to_public()
        all_warm = [ms for runs in warm.values() for ms in runs]
        return {
            "contacts": str(base.n),
            "events": str(base.events),
            "p50_ms": f"{statistics.median(all_warm):.1f}",
            "max_ms": f"{max(all_warm):.1f}",
            "cold_max_ms": f"{max(cold.values()):.1f}",
            "freshness_s": f"{freshness:.3f}",
        }

    def load(self, options: dict, now: datetime) -> Base:
        started = time.perf_counter()
        base = Base(options["contacts"], options["seed"], now)
        with connection.cursor() as cursor:
            drops, creates = _secondary_structures(cursor)
            for statement in drops:
                cursor.execute(statement)
            # Generated in chunks into one spool file per table, then one COPY per table.
            spools = {t: tempfile.TemporaryFile("w+", encoding="utf-8") for t in TABLES}  # noqa: SIM115 (closed after its COPY)
            counts = dict.fromkeys(TABLES, 0)
            lines: dict[str, list[str]] = {t: [] for t in TABLES}
            sinks = {t: lines[t].append for t in TABLES}
            chunk, total = 20_000, base.n
            for first in range(1, total + 1, chunk):
                base.generate(sinks, first, min(chunk, total + 1 - first))
                for table in TABLES:
                    counts[table] += len(lines[table])
                    spools[table].write("".join(lines[table]))
                    lines[table].clear()
                done_so_far = min(total, first + chunk - 1)
                if done_so_far % 100_000 < chunk or done_so_far == total:
                    self.say(f"  generated {done_so_far} contacts, {base.events} events")
            gen_done = time.perf_counter()
            for table in TABLES:
                spools[table].seek(0)
                with cursor.cursor.copy(f"COPY {table} ({COPY_COLUMNS[table]}) FROM STDIN") as copy:
                    while data := spools[table].read(8 << 20):
                        copy.write(data)
                spools[table].close()
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('crm_contact', 'id'), %s)", [total]
            )
            copied = time.perf_counter()
            cursor.execute("SET maintenance_work_mem = '512MB'")
            slow = []
            for statement in creates:
                begin = time.perf_counter()
                cursor.execute(statement)
                slow.append((time.perf_counter() - begin, statement[:90]))
            for seconds, statement in sorted(slow, reverse=True)[:6]:
                self.say(f"  {seconds:6.1f} s  {statement}")
            indexed = time.perf_counter()
            for table in TABLES:
                cursor.execute(f"VACUUM ANALYZE {table}")
            done = time.perf_counter()
        self.say(
            f"{total} contacts, {base.events} events, "
            + ", ".join(f"{counts[t]} {t.removeprefix('crm_')}" for t in TABLES[2:])
        )
        self.say(
            f"Generated in {gen_done - started:.0f} s, COPY {copied - gen_done:.0f} s, "
            f"{len(creates)} indexes and constraints {indexed - copied:.0f} s, "
            f"VACUUM ANALYZE {done - indexed:.0f} s"
        )
        return base

    def time_warm(self, segments: dict, runs: int) -> dict[str, list[float]]:
        timings: dict[str, list[float]] = {}
        for name, definition in segments.items():
            count = segment_count(definition)  # warm-up: buffers, plans
            runs_ms = []
            for _ in range(runs):
                begin = time.perf_counter()
                segment_count(definition)
                runs_ms.append((time.perf_counter() - begin) * 1000)
            timings[name] = runs_ms
            self.say(
                f"  warm {name:28} count={count:8} p50={statistics.median(runs_ms):7.1f} ms "
                f"max={max(runs_ms):7.1f} ms"
            )
        return timings

    def explain(self, segments: dict) -> None:
        from crm.segments.definition import segment_queryset

        for name, definition in segments.items():
            sql, params = (
                segment_queryset(definition).order_by().values("pk").query.sql_with_params()
            )
            with connection.cursor() as cursor:
                explain = f"EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM ({sql}) s"  # noqa: S608 (the ORM's own SQL)
                cursor.execute(explain, params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            self.say(f"--- {name}\n{plan}")

    def time_cold(self, venue, segments: dict, restart: str) -> dict[str, float]:
        if restart:
            self.say(f"Cold runs: the server is restarted before each segment ({restart!r}).")
        else:
            self.say(
                "Cold runs: no --restart-command, so each segment runs on a new connection after "
                "DISCARD ALL — empty plan and catalogue caches, but PostgreSQL's shared buffers "
                "and the OS page cache stay warm: a lower bound of a real cold start."
            )
        timings = {}
        for name, definition in segments.items():
            connection.close()
            if restart:
                subprocess.run(restart, shell=True, check=True)  # noqa: S602 (operator's own command)
                self._wait_for_server()
            with tenant_context(venue), connection.cursor() as cursor:
                cursor.execute("DISCARD ALL")
            with tenant_context(venue):
                begin = time.perf_counter()
                segment_count(definition)
                timings[name] = (time.perf_counter() - begin) * 1000
            self.say(f"  cold {name:28} {timings[name]:7.1f} ms")
        return timings

    def _wait_for_server(self) -> None:
        for _ in range(100):
            try:
                connection.close()
                connection.ensure_connection()
                return
            except Exception:
                time.sleep(0.2)
        raise CommandError("The server did not come back after the restart.")

    def freshness(self, venue, definition: dict) -> float:
        """A card holder of the segment comes to a show: seconds until the count says so."""
        from crm.segments.selectors import segment_members

        member = segment_members(definition).values_list("pk", flat=True).first()
        if member is None:
            self.say("Freshness: the segment is empty, nothing to measure.")
            return 0.0
        before = segment_count(definition)
        begin = time.perf_counter()
        record_attendance(
            contact_id=member,
            ticket_reference="BENCH-FRESHNESS",
            performance_label="Bench",
            occurred_at=timezone.now(),
        )
        while segment_count(definition) != before - 1:
            if time.perf_counter() - begin > 120:
                raise CommandError("The segment did not reflect the attendance within 2 minutes.")
            time.sleep(0.01)
        seconds = time.perf_counter() - begin
        self.say(
            f"Freshness: attendance recorded, segment count {before} → {before - 1} "
            f"in {seconds:.3f} s"
        )
        return seconds
