import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.db import connection
from django_tenants.utils import app_labels, tenant_context

from tenants.models import Venue

PASSWORD = "correct horse battery staple"


def host_for(venue: Venue) -> str:
    return f"{venue.slug}.{settings.PARTERRE_BASE_DOMAIN}"


@contextmanager
def in_venue(venue: Venue):
    with tenant_context(venue):
        yield
    connection.set_schema_to_public()


def run_together(venue: Venue, work: Callable[[int], object], *, threads: int = 8) -> list:
    """Run work(i) in `threads` threads, each on its own connection (autocommit, outside the
    test's transaction) in `venue`'s schema, released together by a barrier."""
    barrier = threading.Barrier(threads)

    def run(i: int) -> object:
        try:
            connection.set_tenant(venue)
            connection.ensure_connection()  # connect before the barrier, so starts coincide
            barrier.wait(timeout=10)
            return work(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, range(threads)))


def committed(venue: Venue, work: Callable[[], object]) -> object:
    """Run work() once on a fresh connection, committed, outside the test's transaction."""
    return run_together(venue, lambda _i: work(), threads=1)[0]


# App labels of the public schema (SHARED) and of each venue schema (TENANT).
SHARED, TENANT = set(app_labels(settings.SHARED_APPS)), set(app_labels(settings.TENANT_APPS))


def tables_of(labels: set[str]) -> set[str]:
    """The tables of these apps (many-to-many tables included)."""
    return {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in labels
    }


def touched(queries, tables: set[str]) -> set[str]:
    """Which of these tables the captured queries name."""
    sql = " ".join(query["sql"] for query in queries)
    return {table for table in tables if f'"{table}"' in sql}


def database_exists(name: str) -> bool:
    """Whether PostgreSQL has a database of this name (a benchmark's throwaway one)."""
    import psycopg

    params = {**connection.get_connection_params(), "dbname": "postgres"}
    with psycopg.connect(**params) as admin:
        return bool(
            admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchall()
        )


def running_children(marker: bytes) -> list[int]:
    """Live (not zombie) child processes of this process whose command line holds `marker`
    (the servers and workers a benchmark starts)."""
    import os

    me, found = os.getpid(), []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                with open(f"/proc/{entry.name}/cmdline", "rb") as cmdline:
                    command = cmdline.read()
            except OSError:
                continue
            if int(fields[1]) == me and fields[0] != "Z" and marker in command:
                found.append(int(entry.name))
    return found


@contextmanager
def worker_on_private_queue(app, monkeypatch, prefix: str = "test"):
    """A real Celery worker (a thread of this process, solo pool) on a queue of its own, so
    that no other worker (a dev `make run`) takes the test's tasks. Celery's Django fix-up
    would close the test's database connection when the worker starts: disabled here.
    Yields the queue's name."""
    import uuid

    from celery.contrib.testing.worker import start_worker

    for hook in ("on_worker_process_init", "close_database"):
        monkeypatch.setattr(f"celery.fixups.django.DjangoWorkerFixup.{hook}", lambda *a, **k: None)
    queue = f"{prefix}-{uuid.uuid4().hex[:8]}"
    old = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        with start_worker(
            app,
            queues=[queue],
            perform_ping_check=False,
            pool="solo",
            loglevel="WARNING",
            shutdown_timeout=10,
        ):
            yield queue
    finally:
        app.conf.task_default_queue = old
