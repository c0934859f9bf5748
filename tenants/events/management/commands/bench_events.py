"""Benchmark: the outbox end to end — publish in committed transactions, dispatch through a real
Celery worker, count what the consumer did.

Everything is thrown away afterwards: a database `parterre_bench_<pid>` on the configured
server (dropped at the end, also on failure, Ctrl-C or SIGTERM) with two venues cloned from
the template, and a Celery worker subprocess (`--worker-concurrency` prefork processes) on a
private queue of the configured Redis, stopped by its pid. The worker is this command started
with `--serve-worker`: it registers the benchmark's consumer (`bench.count`, every code) before
Celery forks, so its processes run the real dispatcher with the real registry (the webhook
consumer included: no endpoint, one query per batch).

Steps:

1. warm-up: a few events per venue, until the consumer has seen them;
2. the on-commit hook's cost, in this process: `request_dispatch` when a dispatch was asked
   for in the last 2 s (the rush's common case: one SET NX) and when it was not (SET NX plus
   the task message), then a one-event transaction with the hook and with it switched off;
3. the run: `--threads` threads, each on its own connection and venue (alternately), publish
   `--events` events in all, `--per-transaction` per committed transaction, with keys
   `order:<0..999>` so that events of one key follow each other; the commits send the
   dispatch task (debounced per venue) to the worker, which dispatches while publishing goes
   on;
4. the count: the consumer's effect is, after its transaction commits, one HINCRBY per event
   in Redis (the count of runs for that event) and its handling time. `lost` = events
   published but never handled, `duplicated_effects` = events handled more than once (a
   receipt per consumer and event makes that impossible; this counts it independently).

The last line is

    RESULT events=… published_per_s=… delivered_per_s=… lag_p95_ms=… lost=0 duplicated_effects=0

published_per_s: events committed per second over the publishing wall time; delivered_per_s:
events handled per second from the first publish to the last handling; lag: from an event's
`occurred_at` (just before its INSERT) to the end of the dispatcher transaction that handled
it.

    python manage.py bench_events --events 20000 --threads 4
"""

from __future__ import annotations

import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC

from celery import current_app
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django_redis import get_redis_connection

from tenants.events import registry, services
from tenants.events.models import ConsumerReceipt, Event
from tenants.events.services.dispatch import batch_memo
from tenants.management.commands.bench_onboarding import (
    finally_on_sigterm,
    quiet_mail,
    throwaway_database,
)
from tenants.models import Venue
from tenants.services import create_venue

CONSUMER = "bench.count"
VENUE_SLUGS = ("bench-events-a", "bench-events-b")
CODES = [
    "ticketing.order.confirmed",
    "ticketing.order.refunded",
    "ticketing.order.exchanged",
    "ticketing.order.cancelled",
]


def _keys(run: str, schema: str) -> tuple[str, str]:
    base = f"{schema}:{settings.CACHES['default'].get('KEY_PREFIX', '')}:bench-events:{run}"
    return f"{base}:count", f"{base}:handled"


def register_counting_consumer(run: str) -> None:
    """The benchmark's consumer: once the dispatcher's transaction commits, count each event
    it handled and note when (one pipelined round trip to Redis per batch)."""

    def new_batch() -> list[int]:
        handled: list[int] = []
        count_key, handled_key = _keys(run, connection.schema_name)

        def record() -> None:
            now = repr(time.time())
            pipe = get_redis_connection("default").pipeline(transaction=False)
            for event_id in handled:
                pipe.hincrby(count_key, event_id, 1)
                pipe.hset(handled_key, event_id, now)
            pipe.expire(count_key, 3600)
            pipe.expire(handled_key, 3600)
            pipe.execute()

        transaction.on_commit(record)
        return handled

    def count(event: Event) -> None:
        batch_memo(f"bench:{run}", new_batch).append(event.pk)

    registry.register_consumer(CONSUMER, codes=["*"], handler=count)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


class Command(BaseCommand):
    help = "The outbox end to end: publish, dispatch through a real Celery worker, count effects."

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=20000, help="Events in all (20000).")
        parser.add_argument("--threads", type=int, default=4, help="Publishing threads (4).")
        parser.add_argument(
            "--per-transaction", type=int, default=1, help="Events per transaction (1)."
        )
        parser.add_argument(
            "--worker-concurrency", type=int, default=2, help="Worker processes (2)."
        )
        parser.add_argument(
            "--timeout", type=float, default=300.0, help="Seconds to wait for delivery (300)."
        )
        parser.add_argument("--seed", type=int, default=1)
        # Internal: the worker subprocess.
        parser.add_argument("--serve-worker", action="store_true", help="(internal)")
        parser.add_argument("--queue", default="", help="(internal)")
        parser.add_argument("--run", default="", help="(internal)")

    def say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    # --- The worker subprocess ----------------------------------------------------------------
    def serve_worker(self, options) -> None:
        from celery import current_app
        from celery.signals import worker_ready

        run = options["run"]
        register_counting_consumer(run)

        @worker_ready.connect(weak=False)
        def ready(**kwargs):
            get_redis_connection("default").set(f"bench-events:{run}:ready", 1, ex=600)

        current_app.worker_main(
            [
                "worker",
                "-Q",
                options["queue"],
                "-c",
                str(options["worker_concurrency"]),
                "-P",
                "prefork",
                "-n",
                f"bench-events-{os.getpid()}@%h",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ]
        )

    def handle(self, *args, **options):
        if options["serve_worker"]:
            return self.serve_worker(options)
        for name in ("events", "threads", "per_transaction", "worker_concurrency"):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1.")
        started = time.perf_counter()
        with finally_on_sigterm(), throwaway_database() as name, quiet_mail():
            self.say(f"Throwaway database {name}")
            result = self.run_benchmark(options)
        self.say(f"Database {name} dropped; total {time.perf_counter() - started:.0f} s")
        self.stdout.write("RESULT " + " ".join(f"{k}={v}" for k, v in result.items()))

    def run_benchmark(self, options) -> dict[str, str]:
        call_command("migrate_schemas", interactive=False, verbosity=0)
        for slug in VENUE_SLUGS:
            create_venue(name=f"Bench {slug[-1].upper()}", slug=slug, admin_email=f"a@{slug}.test")
        venues = list(Venue.objects.filter(slug__in=VENUE_SLUGS).order_by("slug"))
        connection.set_schema_to_public()
        self.say(f"Venues {', '.join(v.schema_name for v in venues)}")
        run = secrets.token_hex(4)
        queue = f"bench-events-{run}"
        app = current_app
        old_queue = app.conf.task_default_queue
        app.conf.task_default_queue = queue
        worker = self.start_worker(options, queue, run)
        try:
            self.wait_ready(run, worker)
            self.warm_up(venues)
            self.say(self.enqueue_cost(venues[0], run))
            self.settle(venues, run)
            wall, first = self.publish(venues, options)
            published = options["events"]
            self.say(
                f"Published {published} events in {wall:.2f} s "
                f"({options['threads']} threads, {options['per_transaction']} per transaction)"
            )
            counts, handled = self.wait_delivered(venues, run, published, options["timeout"])
        finally:
            app.conf.task_default_queue = old_queue
            self.stop_worker(worker)
        return self.figures(venues, run, counts, handled, published, wall, first)

    def start_worker(self, options, queue: str, run: str) -> subprocess.Popen:
        params = connection.get_connection_params()
        from tenants.management.commands.bench_onboarding import database_url

        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get(
                "DJANGO_SETTINGS_MODULE", "config.settings.local"
            ),
            "DATABASE_URL": database_url(params),
            "REDIS_URL": settings.REDIS_URL,
            "CACHE_KEY_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", ""),
        }
        log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed by stop_worker)
        command = [
            sys.executable,
            "manage.py",
            "bench_events",
            "--serve-worker",
            f"--queue={queue}",
            f"--run={run}",
            f"--worker-concurrency={options['worker_concurrency']}",
        ]
        worker = subprocess.Popen(
            command, env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT
        )
        worker.log = log  # type: ignore[attr-defined]
        self.say(
            f"Celery worker pid {worker.pid}: {options['worker_concurrency']} prefork processes "
            f"on queue {queue}"
        )
        return worker

    def wait_ready(self, run: str, worker: subprocess.Popen, timeout: float = 60.0) -> None:
        redis = get_redis_connection("default")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if redis.get(f"bench-events:{run}:ready"):
                return
            if worker.poll() is not None:
                break
            time.sleep(0.1)
        worker.log.seek(0)  # type: ignore[attr-defined]
        raise CommandError("The worker did not start:\n" + worker.log.read()[-3000:])  # type: ignore[attr-defined]

    def stop_worker(self, worker: subprocess.Popen) -> None:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        worker.log.close()  # type: ignore[attr-defined]

    def warm_up(self, venues: list[Venue]) -> None:
        for venue in venues:
            connection.set_tenant(venue)
            for n in range(5):
                with transaction.atomic():
                    services.publish(code=CODES[0], key=f"warmup:{n}", data={"n": n})
        connection.set_schema_to_public()

    def settle(self, venues: list[Venue], run: str) -> None:
        """Wait until every event so far (warm-up, cost measurement) is handled, then forget
        them: the run counts only its own."""
        self.before: dict[str, set[int]] = {}
        for venue in venues:
            connection.set_tenant(venue)
            self.before[venue.schema_name] = set(Event.objects.values_list("id", flat=True))
        connection.set_schema_to_public()
        self.wait_delivered(venues, run, sum(map(len, self.before.values())), 120, quiet=True)
        redis = get_redis_connection("default")
        for venue in venues:
            redis.delete(*_keys(run, venue.schema_name))

    def enqueue_cost(self, venue: Venue, run: str) -> str:
        """What the on-commit hook costs the transaction that publishes."""
        schema = venue.schema_name
        redis = get_redis_connection("default")
        key = services._pending_key(schema)
        redis.set(key, 1, ex=60)
        n = 2000
        t0 = time.perf_counter()
        for _ in range(n):
            services.request_dispatch(schema)
        debounced = (time.perf_counter() - t0) / n
        # The messages go to a queue of their own, removed afterwards: the worker never sees them.
        app = current_app
        queue, app.conf.task_default_queue = app.conf.task_default_queue, f"{run}-cost"
        m, first = 200, 0.0
        try:
            for _ in range(m):
                redis.delete(key)
                t0 = time.perf_counter()
                services.request_dispatch(schema)
                first += time.perf_counter() - t0
        finally:
            app.conf.task_default_queue = queue
            redis.delete(f"{run}-cost")
        first /= m
        redis.delete(key)

        connection.set_tenant(venue)

        def transactions(count: int) -> float:
            t0 = time.perf_counter()
            for i in range(count):
                with transaction.atomic():
                    services.publish(code=CODES[0], key=f"cost:{i % 50}", data={"i": i})
            return (time.perf_counter() - t0) / count

        with_hook = transactions(1000)
        real = services.request_dispatch
        services.request_dispatch = lambda schema: False
        try:
            without_hook = transactions(1000)
        finally:
            services.request_dispatch = real
            services.request_dispatch(schema)  # for the events of the last 1000
        connection.set_schema_to_public()
        return (
            f"On-commit hook: {1e6 * debounced:.0f} µs when a dispatch is already pending (one "
            f"SET NX), {1e6 * first:.0f} µs when it sends the task; a one-event transaction "
            f"{1000 * with_hook:.2f} ms with the hook, {1000 * without_hook:.2f} ms without"
        )

    def publish(self, venues: list[Venue], options) -> tuple[float, float]:
        total, threads, per_tx = options["events"], options["threads"], options["per_transaction"]
        shares = [total // threads + (1 if i < total % threads else 0) for i in range(threads)]
        barrier = threading.Barrier(threads + 1)
        errors: list[BaseException] = []

        def work(index: int) -> None:
            rng = random.Random(options["seed"] + index)  # noqa: S311
            try:
                connection.set_tenant(venues[index % len(venues)])
                connection.ensure_connection()
                barrier.wait(timeout=30)
                left = shares[index]
                while left:
                    batch = min(per_tx, left)
                    with transaction.atomic():
                        for _ in range(batch):
                            order = rng.randrange(1000)
                            services.publish(
                                code=rng.choice(CODES),
                                key=f"order:{order}",
                                data={"order_id": order, "total_cents": rng.randrange(500, 20000)},
                            )
                    left -= batch
            except BaseException as error:  # reported by the main thread
                errors.append(error)
            finally:
                connection.close()

        pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
        for thread in pool:
            thread.start()
        barrier.wait(timeout=30)
        first = time.time()
        t0 = time.perf_counter()
        for thread in pool:
            thread.join()
        wall = time.perf_counter() - t0
        if errors:
            raise CommandError(f"Publishing failed: {errors[0]!r}")
        return wall, first

    def wait_delivered(
        self, venues, run: str, expected: int, timeout: float, quiet: bool = False
    ) -> tuple[dict, dict]:
        redis = get_redis_connection("default")
        deadline = time.monotonic() + timeout
        seen, last_report = 0, time.monotonic()
        while True:
            seen = sum(redis.hlen(_keys(run, v.schema_name)[0]) for v in venues)
            if seen >= expected or time.monotonic() > deadline:
                break
            if not quiet and time.monotonic() - last_report > 5:
                self.say(f"… {seen} of {expected} handled")
                last_report = time.monotonic()
            time.sleep(0.05)
        time.sleep(0.5)  # anything arriving twice arrives now
        counts, handled = {}, {}
        for venue in venues:
            count_key, handled_key = _keys(run, venue.schema_name)
            counts[venue.schema_name] = {
                int(k): int(v) for k, v in redis.hgetall(count_key).items()
            }
            handled[venue.schema_name] = {
                int(k): float(v) for k, v in redis.hgetall(handled_key).items()
            }
        return counts, handled

    def figures(self, venues, run, counts, handled, published, wall, first) -> dict[str, str]:
        lags, lost, duplicated, last = [], 0, 0, first
        receipts_twice = 0
        for venue in venues:
            connection.set_tenant(venue)
            occurred = {
                pk: at.astimezone(UTC).timestamp()
                for pk, at in Event.objects.values_list("id", "occurred_at")
                if pk not in self.before[venue.schema_name]
            }
            receipts_twice += (
                ConsumerReceipt.objects.filter(consumer=CONSUMER, event_id__in=list(occurred))
                .values("event_id")
                .annotate(n=Count("id"))
                .filter(n__gt=1)
                .count()
            )
            schema_counts = counts[venue.schema_name]
            for pk, at in occurred.items():
                runs = schema_counts.get(pk, 0)
                if runs == 0:
                    lost += 1
                    continue
                duplicated += runs > 1
                done = handled[venue.schema_name][pk]
                lags.append(1000 * (done - at))
                last = max(last, done)
        connection.set_schema_to_public()
        redis = get_redis_connection("default")
        for venue in venues:
            redis.delete(*_keys(run, venue.schema_name))
        redis.delete(f"bench-events:{run}:ready")
        delivered = published - lost
        self.say(
            f"Lag: p50 {statistics.median(lags) if lags else 0:.0f} ms, p95 "
            f"{percentile(lags, 0.95):.0f} ms, max {max(lags) if lags else 0:.0f} ms; "
            f"receipts twice for one event: {receipts_twice}"
        )
        return {
            "events": str(published),
            "published_per_s": f"{published / wall:.0f}",
            "delivered_per_s": f"{delivered / (last - first):.0f}" if last > first else "0",
            "lag_p95_ms": f"{percentile(lags, 0.95):.0f}",
            "lost": str(lost),
            "duplicated_effects": str(duplicated + receipts_twice),
        }
