"""Benchmark: an on-sale rush on one performance through the HTTP API of a real server.

Everything is thrown away afterwards: a database `parterre_bench_<pid>` created on the
configured server (dropped at the end, also on failure or Ctrl-C), a venue `bench` cloned from
the template, a hall of `--seats` seats (with `--standing`: one standing zone of `--seats`
places instead), a performance on sale, a staff token, and a gunicorn server on a free loopback
port (settings `config.settings.bench`: production with persistent connections, no HTTPS
redirect). Steps:

1. warm-up: a few orders on a second performance, so that every worker has imported its code
   and opened its database connection before the clock starts;
2. the rush: `--buyers` buyers, `--concurrency` at a time, each asking 1–4 seats (25 % 1,
   40 % 2, 20 % 3, 15 % 4) with `POST /api/v1/orders/` (hold and confirm in one call, paid
   with the offline test provider). About half ask best-available seats, half pick precise
   seats in the hot front-centre block of a seat map shared by all buyers and refreshed only
   by their own successes, so buyers pick the same seats and collide; a buyer whose seats were
   taken (409) asks once more with best-available. The rush stops when every seat is sold or
   every buyer served; a 409 "not enough seats" is then an expected answer, not an error.
   Errors are 5xx, other unexpected statuses and transport failures.
   With `--standing`, each buyer asks 1–4 standing places (same shares) in the one zone
   (`"zones": {"<performance zone id>": n}`): every order of the rush updates that zone's
   counter row, so its row lock is the queue. A 409 "not enough places" is expected there too,
   but only for more places than are left at the end (checked);
3. checks, in SQL: sold seats, capacity, oversold (valid tickets beyond capacity), seats with
   more than one valid ticket, seats whose status disagrees with their tickets (counted as
   errors), paid orders and their payments against what the buyers were told. Standing: the
   zone's `sold` counter against its valid tickets and `held` back to 0 (else errors);
4. the baseline: the same row changes (conditional UPDATE of 1–4 performance seats, or of the
   zone's counter, INSERT order, INSERT tickets, INSERT payment) as raw psycopg transactions
   from `--concurrency` threads on a fresh copy of the inventory, repeated until it has run
   for `--baseline-seconds`.

The last line is

    RESULT mode=seated orders_per_s=… p50_ms=… p95_ms=… sold=… capacity=… oversold=0
    double_sold=0 errors=0 sql_baseline_tx_per_s=… ratio_to_sql=…

(on one line): orders_per_s counts paid orders over the rush's wall time, the percentiles are
over the successful order requests as the buyers saw them (queueing included).

Before it, a line gives the CPU one request cost in the server, in PostgreSQL and in the load
generator, and how much of the machine other processes took meanwhile: on a shared machine,
read the figures with that line. gunicorn runs cores + 1 sync workers by default (measured
here on 2 cores: 3 workers beat 2 and 4; gthread was slower: the GIL and thread switches
cost more than keep-alive saves).

    python manage.py bench_onsale --seats 1000 --buyers 3000 --concurrency 32
    python manage.py bench_onsale --standing --seats 1000 --buyers 3000 --concurrency 32
"""

from __future__ import annotations

import contextlib
import os
import platform
import random
import threading
import time
from collections import Counter

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from tenants.management.commands.bench_onboarding import (
    database_url,
    quiet_mail,
    throwaway_database,
)
from ticketing.management.onsale.baseline import SqlBaseline
from ticketing.management.onsale.buyers import (
    NOT_ENOUGH,
    SEATS_TAKEN,
    ApiClient,
    BuyerPlan,
    RushStats,
    SeatMap,
    percentile,
    plan_buyers,
)
from ticketing.management.onsale.checks import verify
from ticketing.management.onsale.server import CpuMeter, running_server, wait_until_ready
from ticketing.management.onsale.venue import VENUE_SLUG, BenchVenue, set_up

__all__ = ["VENUE_SLUG", "Command"]  # VENUE_SLUG: the venue the tests see created and dropped


def machine() -> str:
    """What the figures were measured on: CPU, cores, load, PostgreSQL."""
    model = "?"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        names = (line.split(":", 1)[1] for line in cpuinfo if line.startswith("model name"))
        model = next(names, "?").strip()
    load = " ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"Machine: {os.cpu_count()} × {model}, load average {load}; "
        f"PostgreSQL {connection.pg_version // 10000}, Python {platform.python_version()}"
    )


# --- The command -----------------------------------------------------------------------------
class Command(BaseCommand):
    help = (
        "On-sale rush on one performance through the HTTP API of a real gunicorn server, "
        "checked in SQL and compared with raw SQL transactions, in a throwaway database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seats",
            type=int,
            default=1000,
            help="Seats in the hall, or standing places with --standing (1000).",
        )
        parser.add_argument(
            "--standing",
            action="store_true",
            help="Sell standing places of one zone (general admission) instead of seats.",
        )
        parser.add_argument("--buyers", type=int, default=3000, help="Buyers in the rush (3000).")
        parser.add_argument(
            "--concurrency", type=int, default=32, help="Buyers at a time, and SQL threads (32)."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=(os.cpu_count() or 1) + 1,
            help="gunicorn workers (cores + 1: the rush is CPU-bound, PostgreSQL runs on the "
            "same cores, and one worker more than cores covers the time a worker waits for a "
            "commit).",
        )
        parser.add_argument(
            "--worker-class",
            choices=["sync", "gthread"],
            default="sync",
            help="gunicorn worker class (sync).",
        )
        parser.add_argument(
            "--threads", type=int, default=2, help="Threads per gthread worker (2)."
        )
        parser.add_argument(
            "--specific-share",
            type=float,
            default=0.5,
            help="Share of buyers who pick their seats on the seat map (0.5; seated only).",
        )
        parser.add_argument(
            "--buyer-share",
            type=float,
            default=0.0,
            help="Share of orders that carry the buyer's contact, recorded in the CRM (0).",
        )
        parser.add_argument(
            "--hot-rows",
            type=int,
            default=5,
            help="Rows of the contended front block (5; seated only).",
        )
        parser.add_argument(
            "--baseline-seconds",
            type=float,
            default=3.0,
            help="Minimum run time of the SQL baseline (3 s).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (1).")

    def say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def handle(self, *args, **options):
        for name in ("seats", "buyers", "concurrency", "workers", "threads"):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1.")
        if options["seats"] > 20000:
            raise CommandError("--seats: at most 20000.")
        started = time.perf_counter()
        cache_prefix = f"parterre-bench-{os.getpid()}"
        try:
            with throwaway_database() as name, quiet_mail():
                self.say(f"Throwaway database {name}")
                self.say(machine())
                result = self.run_benchmark(options, cache_prefix)
        finally:
            self.clear_cache(cache_prefix)
        self.say(f"Database {name} dropped; total {time.perf_counter() - started:.0f} s")
        self.stdout.write("RESULT " + " ".join(f"{key}={value}" for key, value in result.items()))

    def run_benchmark(self, options: dict, cache_prefix: str) -> dict[str, str]:
        seconds = self.timed(call_command, "migrate_schemas", interactive=False, verbosity=0)
        self.say(f"Migrated the public and template schemas in {seconds:.1f} s")
        venue = set_up(options["seats"], standing=options["standing"])
        where = (
            f"{venue.capacity} standing places in one zone"
            if venue.standing
            else f"{venue.capacity} seats in {venue.seats[-1].row + 1} rows"
        )
        self.say(
            f"Venue {venue.host}: {where}; performances rush={venue.rush} "
            f"warm-up={venue.warmup} baseline={venue.baseline}"
        )
        params = connection.get_connection_params()
        with running_server(
            db_url=database_url(params),
            workers=options["workers"],
            worker_class=options["worker_class"],
            threads=options["threads"],
            cache_prefix=cache_prefix,
            say=self.say,
        ) as server:
            wait_until_ready(server.port, venue.host, venue.key)
            self.warm_up(server.port, venue, options["concurrency"])
            meter = CpuMeter(server.pid, params["dbname"])
            stats, wall = self.rush(server.port, venue, options, meter)
        checks = verify(venue, stats, self.say)
        errors = stats.outcomes["error"] + checks["mismatched"]
        self.say(
            f"SQL baseline: {options['concurrency']} threads, at least "
            f"{options['baseline_seconds']:g} s …"
        )
        tx_per_s, tx, passes = SqlBaseline(
            params,
            venue.schema,
            venue.baseline,
            options["concurrency"],
            options["seed"],
            standing=venue.standing,
        ).run(options["baseline_seconds"])
        self.say(f"SQL baseline: {tx} transactions in {passes} passes, {tx_per_s:.0f} tx/s")
        orders_per_s = stats.orders / wall if wall else 0.0
        return {
            "mode": "standing" if venue.standing else "seated",
            "orders_per_s": f"{orders_per_s:.1f}",
            "p50_ms": f"{percentile(stats.latencies_ms, 0.50):.1f}",
            "p95_ms": f"{percentile(stats.latencies_ms, 0.95):.1f}",
            "sold": str(checks["sold"]),
            "capacity": str(checks["capacity"]),
            "oversold": str(checks["oversold"]),
            "double_sold": str(checks["double_sold"]),
            "errors": str(errors),
            "sql_baseline_tx_per_s": f"{tx_per_s:.1f}",
            "ratio_to_sql": f"{orders_per_s / tx_per_s:.3f}" if tx_per_s else "0",
        }

    @staticmethod
    def timed(function, *args, **kwargs) -> float:
        started = time.perf_counter()
        function(*args, **kwargs)
        return time.perf_counter() - started

    def warm_up(self, port: int, venue: BenchVenue, concurrency: int) -> None:
        """Each buyer connection orders one best-available seat (or standing place) three
        times on the warm-up performance: every worker has served requests before the clock
        starts."""
        statuses: Counter = Counter()
        lock = threading.Lock()
        ask = {"zones": {venue.zones[venue.warmup]: 1}} if venue.standing else {"best": 1}

        def work() -> None:
            client = ApiClient(port, venue.host, venue.key, venue.warmup)
            try:
                for _ in range(3):
                    status, _body, _ms = client.order(**ask)
                    with lock:
                        statuses[status] += 1
            finally:
                client.close()

        threads = [threading.Thread(target=work, daemon=True) for _ in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.say(f"Warm-up: {dict(sorted(statuses.items()))}")
        if set(statuses) - {201, 409}:
            raise CommandError(f"The warm-up got unexpected answers: {dict(statuses)}")

    def rush(
        self, port: int, venue: BenchVenue, options: dict, meter: CpuMeter
    ) -> tuple[RushStats, float]:
        concurrency = options["concurrency"]
        plans = plan_buyers(
            options["buyers"],
            specific_share=options["specific_share"],
            buyer_share=options["buyer_share"],
            seed=options["seed"],
        )
        stats = RushStats(capacity=venue.capacity)
        if venue.standing:
            zone = venue.zones[venue.rush]

            def serve(client: ApiClient, plan: BuyerPlan, rng: random.Random) -> None:
                self.serve_standing(client, plan, zone, stats)
        else:
            seat_map = SeatMap(venue.seats, hot_rows=options["hot_rows"], hot_share=0.5)

            def serve(client: ApiClient, plan: BuyerPlan, rng: random.Random) -> None:
                self.serve(client, plan, seat_map, stats, rng)

        queue = iter(plans)
        queue_lock = threading.Lock()
        barrier = threading.Barrier(concurrency + 1)
        self.say(
            f"Rush: {len(plans)} buyers, {concurrency} at a time, on {venue.capacity} "
            f"{'standing places' if venue.standing else 'seats'} …"
        )

        def work(index: int) -> None:
            rng = random.Random(options["seed"] * 1000 + index)  # noqa: S311
            client = ApiClient(port, venue.host, venue.key, venue.rush)
            try:
                barrier.wait()
                while not stats.sold_out():
                    with queue_lock:
                        plan = next(queue, None)
                    if plan is None:
                        return
                    serve(client, plan, rng)
            except Exception as exc:  # one broken buyer thread must not hide the others
                stats.error(f"buyer thread: {exc!r}")
            finally:
                client.close()

        threads = [
            threading.Thread(target=work, args=(i,), daemon=True) for i in range(concurrency)
        ]
        for thread in threads:
            thread.start()
        cpu_before = meter.snapshot()
        barrier.wait()
        started, cpu_started = time.perf_counter(), time.process_time()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        cpu_after = meter.snapshot()
        self.say(
            f"Rush: {stats.orders} orders, {stats.tickets} tickets in {wall:.2f} s "
            f"({stats.requests} requests, {stats.requests / wall:.0f} req/s); statuses "
            f"{dict(sorted(stats.statuses.items()))}; "
            f"outcomes {dict(sorted(stats.outcomes.items()))}"
        )
        self.say(
            f"Rush latency of all requests: p50 {percentile(stats.all_latencies_ms, 0.5):.1f} ms, "
            f"p95 {percentile(stats.all_latencies_ms, 0.95):.1f} ms, "
            f"max {max(stats.all_latencies_ms, default=0):.1f} ms; load generator CPU "
            f"{cpu:.2f} s ({100 * cpu / wall:.0f} % of one core, "
            f"{1000 * cpu / max(stats.requests, 1):.2f} ms per request)"
        )
        self.say(CpuMeter.report(cpu_before, cpu_after, stats.requests))
        for sample in stats.error_samples:
            self.say(f"  error: {sample}")
        return stats, wall

    @staticmethod
    def serve(
        client: ApiClient,
        plan: BuyerPlan,
        seat_map: SeatMap,
        stats: RushStats,
        rng: random.Random,
    ) -> None:
        """One buyer: precise seats if they picked some (then best-available once if those
        were taken), else best-available."""

        def attempt(**kwargs) -> tuple[int, dict]:
            status, body, ms = client.order(buyer=plan.buyer, **kwargs)
            stats.request_done(status, ms)
            if status == 201:
                stats.success(body, ms)
                seat_map.sold([t.get("seat") for t in body.get("tickets", [])])
            return status, body

        if plan.specific:
            seats = seat_map.pick(plan.size, rng)
            if seats is None:
                stats.outcome("no_seats_on_map")
            else:
                status, body = attempt(seats=seats)
                if status == 201:
                    stats.outcome("ordered_chosen_seats")
                    return
                if status == 409 and body.get("code") == SEATS_TAKEN:
                    stats.outcome("chosen_seats_taken")
                    seat_map.taken(seats)
                else:
                    stats.error(f"{status} {body}")
                    return
        status, body = attempt(best=plan.size)
        if status == 201:
            stats.outcome("ordered_best_available")
        elif status == 409 and body.get("code") == NOT_ENOUGH:
            stats.outcome("not_enough_left")
        elif status == 409 and body.get("code") == SEATS_TAKEN:
            stats.outcome("lost_best_available_races")
        else:
            stats.error(f"{status} {body}")

    @staticmethod
    def serve_standing(client: ApiClient, plan: BuyerPlan, zone: int, stats: RushStats) -> None:
        """One buyer of standing places: once, for `plan.size` places in the zone."""
        status, body, ms = client.order(zones={zone: plan.size}, buyer=plan.buyer)
        stats.request_done(status, ms)
        if status == 201:
            stats.success(body, ms)
            stats.outcome("ordered_places")
        elif status == 409 and body.get("code") == NOT_ENOUGH:
            stats.refused(plan.size)
        else:
            stats.error(f"{status} {body}")

    def clear_cache(self, prefix: str) -> None:
        """Remove the server's cache entries (only this run's prefix; never FLUSHDB)."""
        import redis

        try:
            client = redis.Redis.from_url(settings.REDIS_URL)
            keys = list(client.scan_iter(match=f"*:{prefix}:*", count=1000))
            if keys:
                client.delete(*keys)
        except redis.RedisError as exc:  # entries left behind are harmless, but say so
            self.say(f"Could not clear the cache entries {prefix}: {exc}")
