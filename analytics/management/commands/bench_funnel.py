"""Benchmark: the checkout funnel page of a venue whose storefront recorded `--rows`
checkout steps over a year (one row per visit, show and step reached), without and with the
aggregate of the days that are over (analytics.funnel_services.refresh_funnel_days).

Everything is thrown away afterwards: a database `parterre_bench_<pid>` (dropped at the end,
also on failure) and a venue `bench` cloned from the template. The rows are written with one
INSERT … SELECT (40 shows, visits spread over 364 days, 45 % leaving after the show page,
8 % reaching the confirmation), then ANALYZE and VACUUM (what autovacuum does to a table
that grew). Timed warm (after one run), `--runs` times each: funnel.build() on the raw rows
alone; then, the aggregate built, the page over HTTP (52 and 13 weeks, one show, a CSV
export) and funnel.build() alone. The last line:
`RESULT rows=… p50_ms=… max_ms=…`.

    python manage.py bench_funnel [--rows 2000000] [--runs 7]
"""

from __future__ import annotations

import statistics
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from analytics import funnel
from analytics.funnel_services import refresh_funnel_days
from tenants.accounts.models import User
from tenants.management.commands.bench_onboarding import quiet_mail, throwaway_database
from tenants.services import create_venue

URL = "/backoffice/statistics/funnel/"
FILL = """
INSERT INTO ticketing_checkoutstep (visit, step, show_id, day)
SELECT 'v' || g, s, 1 + g %% 40, current_date - (g::bigint * 7919 %% 364)::int
FROM generate_series(1, %(visits)s) AS g
CROSS JOIN LATERAL generate_series(1, CASE
    WHEN g %% 100 < 45 THEN 1 WHEN g %% 100 < 72 THEN 2 WHEN g %% 100 < 86 THEN 3
    WHEN g %% 100 < 92 THEN 4 ELSE 5 END) AS s
"""


class Command(BaseCommand):
    help = "Time the checkout funnel page on a throwaway venue of N checkout steps."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=2_000_000)
        parser.add_argument("--runs", type=int, default=7)

    def say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    def handle(self, *args, **options):
        if not 1000 <= options["rows"] <= 20_000_000:
            raise CommandError("--rows: between 1000 and 20000000.")
        with throwaway_database() as name, quiet_mail():
            self.say(f"Throwaway database {name}")
            result = self.run_benchmark(options)
        self.say(f"Database {name} dropped")
        self.stdout.write("RESULT " + " ".join(f"{k}={v}" for k, v in result.items()))

    def run_benchmark(self, options: dict) -> dict[str, str]:
        call_command("migrate_schemas", interactive=False, verbosity=0)
        venue = create_venue(name="Bench", slug="bench", admin_email="admin@bench.test").venue
        with tenant_context(venue):
            started = time.perf_counter()
            # ~2.05 rows per visit with the shape above.
            with connection.cursor() as cursor:
                cursor.execute(FILL, {"visits": max(1, round(options["rows"] / 2.05))})
                cursor.execute("SELECT count(*) FROM ticketing_checkoutstep")
                rows = cursor.fetchone()[0]
                cursor.execute("VACUUM ANALYZE ticketing_checkoutstep")
            self.say(f"Wrote {rows} checkout steps in {time.perf_counter() - started:.1f} s")
            live = self._time(lambda: funnel.build(), options["runs"])
            self.say(
                f"  without the aggregate, funnel.build p50 {statistics.median(live):.1f} ms   "
                f"max {max(live):.1f} ms"
            )
            started = time.perf_counter()
            written = refresh_funnel_days()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE analytics_funnelday")
            self.say(
                f"Aggregated {written} day × show × step rows in "
                f"{time.perf_counter() - started:.1f} s"
            )
            user = User.objects.create_user(
                "bench@bench.test", "bench-password-1", role=User.Role.READ_ONLY, full_name="B"
            )
            client = Client(HTTP_HOST=f"{venue.slug}.{settings.PARTERRE_BASE_DOMAIN}")
            client.force_login(user)
            pages = {
                "page_52_weeks": {},
                "page_13_weeks": {"weeks": 13},
                "page_one_show": {"show": 7},
                "csv_weeks": {"export": "weeks", "format": "csv"},
            }
            timings: dict[str, list[float]] = {}
            for key, params in pages.items():
                timings[key] = self._time(lambda p=params: self._get(client, p), options["runs"])
            timings["build_only"] = self._time(lambda: funnel.build(), options["runs"])
            for key, runs in timings.items():
                self.say(
                    f"  {key:16} p50 {statistics.median(runs):7.1f} ms   max {max(runs):7.1f} ms"
                )
        connection.set_schema_to_public()
        pages_ms = [ms for key, runs in timings.items() if key != "build_only" for ms in runs]
        return {
            "rows": str(rows),
            "p50_ms": f"{statistics.median(pages_ms):.1f}",
            "max_ms": f"{max(pages_ms):.1f}",
        }

    @staticmethod
    def _get(client: Client, params: dict) -> None:
        response = client.get(URL, params)
        if response.status_code != 200:
            raise CommandError(f"{URL} {params}: HTTP {response.status_code}")

    @staticmethod
    def _time(work, runs: int) -> list[float]:
        work()  # warm
        out = []
        for _ in range(runs):
            started = time.perf_counter()
            work()
            out.append((time.perf_counter() - started) * 1000)
        return out
