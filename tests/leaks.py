"""Rows a committing test leaves behind in the fixture venues (alpha, beta).

Most tests run in a transaction rolled back at the end. Browser tests and the tests that
write through `tests.helpers.committed` / `run_together` commit for real and must put the
venues back as they found them: a booking fee, a signing key or a settings row left there
changes what the next tests on the same worker compute. This plugin counts the rows of every
venue table before and after each committing test, on a connection of its own (it sees only
committed rows), and reports a difference as a LeftRowsWarning naming the test and the
tables — in pytest's warnings summary, from every xdist worker.

Not counted: tables that grow by design while a browser test signs in (sessions, login
throttling, the audit trail of sign-ins); the sales ledger, append-only by law (its trigger
refuses a DELETE: a committed sale's entries stay); and, for now, the events outbox — most
committing tests leave their sales' events (dispatched or not), which is worth cleaning up
test by test, then counting here."""

from __future__ import annotations

import warnings
from functools import cache

from django.db import connection

IGNORED = {
    "django_session",
    "axes_accessattempt",
    "axes_accesslog",
    "axes_accessfailurelog",
    "accounts_auditevent",
    "ticketing_ledgerentry",
    "ticketing_ledgerhead",
    "events_event",
    "events_consumerreceipt",
}
SCHEMAS = ("v_alpha", "v_beta")


class LeftRowsWarning(UserWarning):
    """A committing test left rows in a fixture venue."""


def _tables() -> list[str]:
    from tests.helpers import TENANT, tables_of

    return sorted(t for t in tables_of(TENANT) if t not in IGNORED)


def counts() -> dict[str, int]:
    """Exact row counts of every venue table of the fixture venues, committed rows only."""
    import psycopg

    params = {k: v for k, v in connection.get_connection_params().items() if k != "context"}
    parts = [
        f'SELECT \'{schema}.{table}\', count(*) FROM "{schema}"."{table}"'
        for schema in SCHEMAS
        for table in _tables()
    ]
    with psycopg.connect(**params, autocommit=True) as fresh:
        present = {
            (r[0], r[1])
            for r in fresh.execute(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_schema = ANY(%s)",
                [list(SCHEMAS)],
            )
        }
        parts = [
            p
            for p, (schema, table) in zip(
                parts, [(s, t) for s in SCHEMAS for t in _tables()], strict=True
            )
            if (schema, table) in present
        ]
        if not parts:
            return {}
        return dict(fresh.execute(" UNION ALL ".join(parts)).fetchall())


@cache
def _module_commits(path: str) -> bool:
    with open(path, encoding="utf-8") as source:
        text = source.read()
    return "committed(" in text or "run_together(" in text


def committing(item) -> bool:
    """A browser test, or a test of a module that writes through committed/run_together."""
    if item.get_closest_marker("browser") is not None:
        return True
    module = getattr(item, "module", None)
    return bool(module and module.__file__ and _module_commits(module.__file__))


def check(item, before: dict[str, int] | None) -> None:
    if before is None:
        return
    after = counts()
    changed = {
        name: after.get(name, 0) - before.get(name, 0)
        for name in set(before) | set(after)
        if after.get(name, 0) != before.get(name, 0)
    }
    if changed:
        listed = ", ".join(f"{name} {delta:+d}" for name, delta in sorted(changed.items()))
        warnings.warn(LeftRowsWarning(f"{item.nodeid} left rows: {listed}"), stacklevel=1)
