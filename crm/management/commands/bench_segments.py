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

import statistics

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from crm.management.commands.bench_contact_search import machine
from crm.management.segments_bench.load import load
from crm.management.segments_bench.measure import Measurements
from crm.management.segments_bench.standard import standard_segments
from tenants.management.commands.bench_onboarding import quiet_mail, throwaway_database
from tenants.services import create_venue


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
        measure = Measurements(self.say)
        with tenant_context(venue):
            base = load(options, now, self.say)
            segments = standard_segments()
            warm = measure.time_warm(segments, options["runs"])
            if options["explain"]:
                measure.explain(segments)
            cold = measure.time_cold(venue, segments, options["restart_command"])
            freshness = measure.freshness(venue, segments["credit_affinity_40_days"])
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
