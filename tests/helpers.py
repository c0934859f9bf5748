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
