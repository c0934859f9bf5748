"""Benchmark: how long onboarding a venue takes, and how it scales with the cooperative's size.

Everything happens in a throwaway database created on the same server as the configured one
(`parterre_bench_<pid>`) and dropped at the end, also on failure, Ctrl-C or SIGTERM: the real
data is never touched. Measures

- making the template's snapshot (pg_dump, rewrite, store: done once per deploy);
- venue creation through `create_venue` (replay of the template's snapshot) once the
  cooperative holds each of `--steps` venues: `--samples` creations timed, median and p95;
- at the largest step, one creation through django-tenants' `clone_schema` (the fallback when
  no pg_dump is usable, and the previous way) and one with a full migration run (no
  template), for comparison;
- `migrate_schemas` with the largest step's venues and nothing left to apply (the deploy-time
  cost of checking every schema): as deployed (up-to-date venues skipped), and with
  `--all-venues` with the standard executor and with the multiprocessing one.

The last line is `RESULT key=value …`; times are in seconds.

    python manage.py bench_onboarding --steps 50,200 --samples 5
"""

import logging
import math
import os
import signal
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import psycopg
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test.utils import override_settings
from django_tenants.migration_executors import get_executor
from psycopg import sql

from tenants.models import TemplateSnapshot, Venue
from tenants.schema_clone import SnapshotUnavailable, snapshot_template
from tenants.services import create_venue

PROGRESS_EVERY = 25
LOCMEM_EMAIL = "django.core.mail.backends.locmem.EmailBackend"


def bench_database_name() -> str:
    return f"parterre_bench_{os.getpid()}"


def _maintenance(params: dict, statement: sql.Composable) -> None:
    """Run CREATE/DROP DATABASE from the server's `postgres` database (they cannot run in a
    transaction, nor from a connection to the database concerned)."""
    with psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True) as admin:
        admin.execute(statement)


def database_url(params: dict) -> str:
    """A postgres:// URL for these connection parameters (a benchmark's server processes)."""
    user = quote(params.get("user") or "postgres", safe="")
    password = params.get("password")
    auth = f"{user}:{quote(password, safe='')}" if password else user
    host = params.get("host") or "127.0.0.1"
    port = params.get("port") or 5432
    return f"postgres://{auth}@{host}:{port}/{params['dbname']}"


@contextmanager
def throwaway_database(alias: str = DEFAULT_DB_ALIAS) -> Iterator[str]:
    """Point `alias` at a new, empty database for the duration of the block, then drop it and
    reconnect to the original one.

    Django's connection reads its settings dict when it (re)connects, so closing it and changing
    NAME is enough; settings.DATABASES is changed too (usually the same dict) so that code
    reading settings (and forked migration workers) agree.
    """
    conn = connections[alias]
    if conn.in_atomic_block:
        raise CommandError(
            "bench_onboarding switches the database connection and cannot run inside a transaction."
        )
    name = bench_database_name()
    params = conn.get_connection_params()
    dicts = [conn.settings_dict, settings.DATABASES[alias]]
    originals = [d["NAME"] for d in dicts]
    created = False
    try:
        _maintenance(params, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created = True
        conn.close()
        for d in dicts:
            d["NAME"] = name
        conn.set_schema_to_public()  # also clears the ContentType cache (ids differ per database)
        yield name
    finally:
        try:
            conn.close()
        finally:
            for d, original in zip(dicts, originals, strict=True):
                d["NAME"] = original
            conn.set_schema_to_public()
            if created:
                # FORCE ends sessions left behind, e.g. by multiprocessing migration workers.
                _maintenance(
                    params,
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)),
                )


# The signal that asked the benchmark to stop, once one has (see finally_on_sigterm).
_stop_signal: int | None = None


def stop_if_asked() -> None:
    """Raise the SystemExit a SIGTERM asked for, if it was lost: Python runs a signal handler
    wherever the main thread is, and an exception raised inside a weakref finaliser or a
    `__del__` is printed and dropped. The benchmark calls this between steps."""
    if _stop_signal is not None:
        raise SystemExit(128 + _stop_signal)


@contextmanager
def finally_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM (`timeout`, a cancelled CI job, `kill`) into SystemExit so that `finally`
    blocks run and the throwaway database is dropped; by default Python dies on the spot."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    owner = os.getpid()

    def stop(signum, frame):
        global _stop_signal
        if os.getpid() != owner:  # a forked migration worker: die as it would have
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        _stop_signal = signum
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def quiet_mail() -> Iterator[None]:
    """Invitations go to the in-memory outbox, which is left as it was found afterwards."""
    had_outbox = hasattr(mail, "outbox")
    kept = len(mail.outbox) if had_outbox else 0
    try:
        with override_settings(EMAIL_BACKEND=LOCMEM_EMAIL):
            yield
    finally:
        if had_outbox:
            del mail.outbox[kept:]
        elif hasattr(mail, "outbox"):
            del mail.outbox


def p95(values: list[float]) -> float:
    """Nearest-rank percentile: with 5 samples it is the slowest one."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def parse_steps(value: str) -> list[int]:
    try:
        steps = sorted({int(part) for part in value.split(",") if part.strip()})
    except ValueError as exc:
        raise CommandError(
            f"--steps takes a comma-separated list of integers, not {value!r}"
        ) from exc
    if not steps or steps[0] < 0:
        raise CommandError("--steps needs at least one venue count, none negative.")
    return steps


class Command(BaseCommand):
    help = (
        "Time venue creation (template snapshot vs clone_schema vs full migration) at several "
        "cooperative sizes and migrate_schemas over every venue, in a throwaway database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--steps",
            default="50,200",
            help="Venue counts at which creation is timed (comma-separated; default 50,200).",
        )
        parser.add_argument(
            "--samples", type=int, default=5, help="Creations timed at each step (default 5)."
        )
        parser.add_argument(
            "--processes",
            type=int,
            default=2,
            help="Processes for the multiprocessing migrate_schemas run (default 2).",
        )
        parser.add_argument(
            "--skip-all-venues",
            action="store_true",
            help="Skip the two (slow) migrate_schemas --all-venues runs.",
        )

    def handle(self, *args, **options):
        steps = parse_steps(options["steps"])
        samples = options["samples"]
        if samples < 1:
            raise CommandError("--samples must be at least 1.")
        self.created = 0
        started = time.perf_counter()
        with finally_on_sigterm(), throwaway_database() as name, quiet_mail():
            self.say(f"Throwaway database {name}")
            result = self.run_benchmark(
                steps, samples, options["processes"], all_venues=not options["skip_all_venues"]
            )
        self.say(f"Database {name} dropped; total {time.perf_counter() - started:.0f} s")
        self.stdout.write("RESULT " + " ".join(f"{key}={value}" for key, value in result.items()))

    def say(self, line: str) -> None:
        stop_if_asked()
        self.stdout.write(line)
        self.stdout.flush()

    def run_benchmark(
        self, steps: list[int], samples: int, processes: int, *, all_venues: bool = True
    ) -> dict[str, str]:
        seconds = self.timed(call_command, "migrate_schemas", interactive=False, verbosity=0)
        self.say(f"Migrated the public and template schemas in {seconds:.1f} s")

        result: dict[str, str] = {}
        TemplateSnapshot.objects.all().delete()
        snapshot = None
        started = time.perf_counter()
        try:
            snapshot = snapshot_template()
        except SnapshotUnavailable as error:  # reported; creations then use the fallback
            self.say(f"No template snapshot ({error}): creations use clone_schema.")
        seconds = time.perf_counter() - started
        if snapshot is not None:
            self.say(
                f"Template snapshot made in {seconds:.3f} s "
                f"({len(snapshot.sql) // 1024} KiB of SQL, pg_dump {snapshot.pg_dump_version})"
            )
        result["snapshot_s"] = f"{seconds:.3f}" if snapshot is not None else "n/a"

        for step in steps:
            self.fill_to(step)
            times = [self.create_one() for _ in range(samples)]
            median = statistics.median(times)
            self.say(
                f"Snapshot creation at {step} venues: median {median:.3f} s, "
                f"p95 {p95(times):.3f} s ({samples} samples)"
            )
            result[f"clone_create_s_at_{step}"] = f"{median:.3f}"
        clone_at_last = float(result[f"clone_create_s_at_{steps[-1]}"])

        # The fallback (and previous way): django-tenants' clone_schema, then a faked migrate.
        with self.without_snapshot():
            legacy = self.create_one()
        self.say(f"clone_schema creation at {self.created - 1} venues: {legacy:.3f} s")
        result[f"clone_schema_create_s_at_{steps[-1]}"] = f"{legacy:.3f}"

        # The same service without the template: CREATE SCHEMA + every migration run for real.
        with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=False):
            full = self.create_one()
        self.say(f"Full-migration creation at {self.created - 1} venues: {full:.3f} s")
        result["full_migrate_create_s"] = f"{full:.3f}"
        result["speedup"] = f"{full / clone_at_last:.1f}"
        result["speedup_vs_clone_schema"] = f"{legacy / clone_at_last:.1f}"

        venues = steps[-1]
        self.trim_to(venues)
        seconds = self.timed(call_command, "migrate_schemas", interactive=False, verbosity=0)
        self.say(f"migrate_schemas over {venues} venues, nothing to apply: {seconds:.1f} s")
        result[f"migrate_schemas_{venues}_s"] = f"{seconds:.1f}"

        every, parallel = "n/a", "n/a"
        if all_venues:
            seconds = self.timed(
                call_command, "migrate_schemas", all_venues=True, interactive=False, verbosity=0
            )
            every = f"{seconds:.1f}"
            self.say(f"migrate_schemas --all-venues (standard): {every} s")
            try:
                get_executor("multiprocessing")
            except NotImplementedError:
                self.say("This django-tenants has no multiprocessing executor.")
            else:
                with override_settings(TENANT_MULTIPROCESSING_MAX_PROCESSES=processes):
                    seconds = self.timed(
                        call_command,
                        "migrate_schemas",
                        all_venues=True,
                        executor="multiprocessing",
                        interactive=False,
                        verbosity=0,
                    )
                parallel = f"{seconds:.1f}"
                self.say(
                    f"migrate_schemas --all-venues (multiprocessing, {processes} processes): "
                    f"{parallel} s"
                )
        result[f"migrate_schemas_{venues}_all_venues_s"] = every
        result[f"migrate_schemas_{venues}_all_venues_parallel_s"] = parallel
        result["venues"] = str(Venue.objects.exclude(schema_name="public").count())
        return result

    @contextmanager
    def without_snapshot(self) -> Iterator[None]:
        """Creations in the block take the fallback path: no snapshot stored and no pg_dump
        to make one (its warning silenced). The snapshot is made again afterwards."""
        clone_logger = logging.getLogger("tenants.schema_clone")
        level = clone_logger.level
        TemplateSnapshot.objects.all().delete()
        clone_logger.setLevel(logging.ERROR)
        try:
            with override_settings(PARTERRE_PG_DUMP="/nonexistent/pg_dump"):
                yield
        finally:
            clone_logger.setLevel(level)
        try:
            snapshot_template()
        except SnapshotUnavailable as error:
            self.say(f"No template snapshot ({error}).")

    @staticmethod
    def timed(function, *args, **kwargs) -> float:
        started = time.perf_counter()
        function(*args, **kwargs)
        return time.perf_counter() - started

    def create_one(self) -> float:
        stop_if_asked()
        number = self.created + 1
        slug = f"bench-{number:04d}"
        # One database session per creation, as in production (a request or a Celery task,
        # CONN_MAX_AGE=0). In one long-lived session every clone gets slower: the backend's
        # catalog caches fill with the relations the clones create (hundreds of MB after a
        # few dozen venues), so a single-session loop measures that, not onboarding.
        connection.close()
        seconds = self.timed(
            create_venue,
            name=f"Bench venue {number}",
            slug=slug,
            admin_email=f"admin@{slug}.test",
            city="Benchville",
        )
        self.created = number
        return seconds

    def fill_to(self, count: int) -> None:
        block: list[float] = []
        while self.created < count:
            block.append(self.create_one())
            if self.created % PROGRESS_EVERY == 0 or self.created == count:
                self.say(
                    f"  {self.created:>4} venues (last {len(block)} created in "
                    f"{statistics.mean(block):.3f} s on average)"
                )
                block = []

    def trim_to(self, count: int) -> None:
        """Remove the venues created past `count` (timed samples) so the migrate_schemas
        figures are for exactly `count` venues."""
        extra = Venue.objects.exclude(schema_name="public").order_by("-slug")[
            : max(0, self.created - count)
        ]
        for venue in list(extra):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DROP SCHEMA {connection.ops.quote_name(venue.schema_name)} CASCADE"
                )
            venue.delete()  # host names cascade; auto_drop_schema is off, hence the DROP above
        self.created = count
