"""Benchmark: the statistics pages of a venue with 10 seasons of sales and of newsletters.

Everything is thrown away afterwards: a database `parterre_bench_<pid>` (dropped at the end,
also on failure) and a venue `bench` cloned from the template.

1. Build the venue: `--seasons` seasons (the last one current) of a 600-place hall,
   `--tickets` tickets in orders of 1 to 4 seats written with a few SQL statements
   (analytics.history: counter, phone and online sales, an online share growing season
   after season, invitations, reduced tariffs, promo codes, refunds), `--contacts`
   contacts, `--campaigns` newsletters of `--per-campaign` emails with their opens, clicks,
   bounces and unsubscribes, and a journey of `--journey-runs` steps (_comms_history.py);
   then `rebuild_sales_aggregates()`, the audience tables and the communication figures,
   all and recent (each timed).
2. Time the pages warm (after one run), `--runs` times each: the sales page of the default
   season and of an older one, the J−x curve of a performance, a CSV export, the contact
   base page, the communication page and the audience page (current and oldest season) —
   full HTTP requests through Django's test client (middleware, template, everything), and
   the sales selectors alone.
3. Freshness: a sale through ticketing's services, then the dispatcher (what the on-commit
   task runs): the time until the dashboard's figures hold it, and the page's own freshness
   figure (age of the oldest sales event the aggregates do not hold yet) before and after.

The default `--tickets` is 300000 on this shared 2-core machine; `--tickets 1000000` is the
issue's venue (README gives both figures). The last line:
`RESULT tickets=… contacts=… emails=… p50_ms=… max_ms=… freshness_s=… audience_p50_ms=…
audience_refresh_s=…`.

    python manage.py bench_analytics [--tickets 300000] [--contacts 200000] [--runs 7]
"""

from __future__ import annotations

import random
import statistics
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Max, Min
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from analytics import dashboard, selectors
from analytics.audience import refresh_audience
from analytics.communication_refresh import refresh_communication
from analytics.history import build_history
from analytics.models import PerformanceSales
from analytics.services import rebuild_sales_aggregates
from crm.management.commands.bench_contact_search import machine
from crm.models import Contact
from tenants.accounts.models import User
from tenants.events.services.dispatch import dispatch_pending
from tenants.management.commands.bench_onboarding import quiet_mail, throwaway_database
from tenants.services import create_venue
from ticketing.models import PerformanceZone, Tariff
from ticketing.services import orders
from ticketing.specs import HoldRequest, PaymentSpec, TariffChoice

from ._comms_history import build_communication

URL = "/backoffice/statistics/"
AUDIENCE_URL = "/backoffice/statistics/audience/"


class Command(BaseCommand):
    help = "Time the sales dashboard on a throwaway venue of N tickets over 10 seasons."

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=int, default=300_000)
        parser.add_argument("--contacts", type=int, default=200_000)
        parser.add_argument("--seasons", type=int, default=10)
        parser.add_argument("--campaigns", type=int, default=200)
        parser.add_argument("--per-campaign", type=int, default=10_000)
        parser.add_argument("--journey-runs", type=int, default=100_000)
        parser.add_argument("--runs", type=int, default=7)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--profile", default="", help="Write a cProfile of one page view here.")

    def say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    def handle(self, *args, **options):
        if not 1000 <= options["tickets"] <= 3_000_000:
            raise CommandError("--tickets: between 1000 and 3000000.")
        with throwaway_database() as name, quiet_mail():
            self.say(f"Throwaway database {name}")
            self.say(machine())
            result = self.run_benchmark(options)
        self.say(f"Database {name} dropped")
        self.stdout.write("RESULT " + " ".join(f"{k}={v}" for k, v in result.items()))

    def run_benchmark(self, options: dict) -> dict[str, str]:
        call_command("migrate_schemas", interactive=False, verbosity=0)
        venue = create_venue(name="Bench", slug="bench", admin_email="admin@bench.test").venue
        now = timezone.now()
        with tenant_context(venue):
            started = time.perf_counter()
            history = build_history(
                tickets=options["tickets"],
                seasons=options["seasons"],
                now=now,
                rng=random.Random(options["seed"]),  # noqa: S311 (benchmark data)
                tz=venue.timezone or "Europe/Paris",
                contacts=options["contacts"],
            )
            ids = Contact.objects.aggregate(low=Min("id"), high=Max("id"))
            deliveries = build_communication(
                contacts=(ids["low"], ids["high"]),
                campaigns=options["campaigns"],
                per_campaign=min(options["per_campaign"], options["contacts"]),
                runs=min(options["journey_runs"], options["contacts"]),
                now=now,
            )
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            self.say(
                f"Built {history.tickets} tickets, {history.orders} orders, "
                f"{history.performances} performances, {history.contacts} contacts, "
                f"{deliveries} emails in {time.perf_counter() - started:.1f} s"
            )
            started = time.perf_counter()
            counts = rebuild_sales_aggregates()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            self.say(f"Rebuilt the aggregates {counts} in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            audience_seasons = refresh_audience()
            audience_refresh_s = time.perf_counter() - started
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            self.say(
                f"Refreshed the audience tables ({audience_seasons} seasons) in "
                f"{time.perf_counter() - started:.1f} s"
            )
            for full in (True, False):
                started = time.perf_counter()
                rows = refresh_communication(full=full)
                self.say(
                    f"Communication figures ({'all' if full else 'recent'}): {rows} rows "
                    f"in {time.perf_counter() - started:.1f} s"
                )
            user = User.objects.create_user(
                "bench@bench.test", "bench-password-1", role=User.Role.ADMIN, full_name="B"
            )
            client = Client(HTTP_HOST=f"{venue.slug}.{settings.PARTERRE_BASE_DOMAIN}")
            client.force_login(user)
            seasons = sorted(set(PerformanceSales.objects.values_list("season", flat=True)))
            some = PerformanceSales.objects.filter(season=seasons[0]).first()
            pages = {
                "page_current_season": (URL, {}),
                "page_old_season": (URL, {"season": seasons[0]}),
                "page_curve": (URL, {"season": seasons[0], "performance": some.performance_id}),
                "csv_performances": (URL, {"export": "performances", "format": "csv"}),
                "page_contact_base": (URL + "contacts/", {}),
                "page_communication": (URL + "communication/", {}),
                "audience_page": (AUDIENCE_URL, {}),
                "audience_old_season": (AUDIENCE_URL, {"season": seasons[0]}),
            }
            if options["profile"]:
                import cProfile

                self._get(client, URL, {})
                profiler = cProfile.Profile()
                profiler.runcall(self._get, client, URL, {})
                profiler.dump_stats(options["profile"])
            timings: dict[str, list[float]] = {}
            for key, (url, params) in pages.items():
                timings[key] = self._time(
                    lambda u=url, p=params: self._get(client, u, p), options["runs"]
                )
            timings["selectors_only"] = self._time(lambda: dashboard.build(), options["runs"])
            for key, runs in timings.items():
                self.say(
                    f"  {key:22} p50 {statistics.median(runs):7.1f} ms   max {max(runs):7.1f} ms"
                )
            freshness = self._freshness(venue)
        connection.set_schema_to_public()
        pages_ms = [ms for key, runs in timings.items() if key != "selectors_only" for ms in runs]
        audience_ms = [
            ms for key, runs in timings.items() if key.startswith("audience") for ms in runs
        ]
        return {
            "tickets": str(history.tickets),
            "contacts": str(history.contacts),
            "emails": str(deliveries),
            "p50_ms": f"{statistics.median(pages_ms):.1f}",
            "max_ms": f"{max(pages_ms):.1f}",
            "freshness_s": f"{freshness:.3f}",
            # The audience page alone, and its hourly refresh.
            "audience_p50_ms": f"{statistics.median(audience_ms):.1f}",
            "audience_refresh_s": f"{audience_refresh_s:.1f}",
        }

    def _get(self, client: Client, url: str, params: dict) -> None:
        response = client.get(url, params)
        if response.status_code != 200:
            raise CommandError(f"{url} {params}: HTTP {response.status_code}")

    def _time(self, work, runs: int) -> list[float]:
        work()  # warm
        out = []
        for _ in range(runs):
            started = time.perf_counter()
            work()
            out.append((time.perf_counter() - started) * 1000)
        return out

    def _freshness(self, venue) -> float:
        """A sale through the services, then the dispatcher: seconds until the aggregates
        hold it (the on-commit dispatch task, run here in-process)."""
        state = (
            PerformanceZone.objects.filter(performance__starts_at__gt=timezone.now())
            .select_related("performance")
            .order_by("performance__starts_at")
            .first()
        )
        if state is None:
            return 0.0
        before = PerformanceSales.objects.get(performance_id=state.performance_id).tickets
        orders.sell(
            performance=state.performance,
            request=HoldRequest(zones={state.pk: 2}),
            tariffs=TariffChoice(default=Tariff.objects.get(code="plein").pk),
            payments=[PaymentSpec("cash", None)],
        )
        sold_at = time.perf_counter()
        waiting = selectors.pending_events_age()
        dispatch_pending()
        after = PerformanceSales.objects.get(performance_id=state.performance_id).tickets
        elapsed = time.perf_counter() - sold_at
        if after != before + 2:
            raise CommandError(f"The sale is not in the aggregates ({before} → {after}).")
        self.say(
            f"Freshness: a sale in the aggregates {elapsed * 1000:.1f} ms after its commit "
            f"(page figure before dispatch: {waiting:.3f} s, after: "
            f"{selectors.pending_events_age():.3f} s)"
        )
        return elapsed
