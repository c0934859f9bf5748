"""bench_onboarding works in a throwaway database and leaves the test database as it found it.

The command closes and repoints its connection, which must not happen inside the transaction
pytest-django wraps a test in (the command refuses to). So it runs on a thread of its own, with
a connection of its own, as `tests.helpers.run_together` does; the `django_db` mark only makes
pytest-django set up the test database when these tests run alone."""

import io
import os
import re
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import sql

from tenants.management.commands import bench_onboarding
from tenants.management.commands.bench_onboarding import bench_database_name
from tenants.models import Venue
from tests.helpers import database_exists

pytestmark = pytest.mark.django_db


def _drop_database(name: str) -> None:
    params = {**connection.get_connection_params(), "dbname": "postgres"}
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _bench_on_own_connection(test_db: str, **options) -> str:
    """Run the command on a fresh thread and check that thread's connection is back on the
    test database afterwards, on the public schema, with the throwaway database gone."""
    out = io.StringIO()

    def bench() -> None:
        try:
            call_command("bench_onboarding", stdout=out, **options)
        finally:
            assert connection.settings_dict["NAME"] == test_db
            assert connection.schema_name == "public"
            assert Venue.objects.filter(slug="alpha").exists()  # a fixture venue of the test db
            assert not Venue.objects.filter(slug__startswith="bench-").exists()
            assert not database_exists(bench_database_name())
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(bench).result()
    return out.getvalue()


@pytest.mark.slow
def test_bench_reports_a_result_line_and_drops_its_database():
    output = _bench_on_own_connection(
        connection.settings_dict["NAME"], steps="2,3", samples=1, processes=2
    )

    lines = output.strip().splitlines()
    assert lines[0] == f"Throwaway database {bench_database_name()}"
    assert lines[-1].startswith("RESULT ")
    result = dict(pair.split("=") for pair in lines[-1].removeprefix("RESULT ").split())
    assert list(result) == [
        "snapshot_s",
        "clone_create_s_at_2",
        "clone_create_s_at_3",
        "clone_schema_create_s_at_3",
        "full_migrate_create_s",
        "speedup",
        "speedup_vs_clone_schema",
        "migrate_schemas_3_s",
        "migrate_schemas_3_all_venues_s",
        "migrate_schemas_3_all_venues_parallel_s",
        "venues",
    ]
    assert "Template snapshot made in" in output
    assert result["venues"] == "3"
    for key, value in result.items():
        assert re.fullmatch(r"\d+(\.\d+)?", value), (key, value)
    assert float(result["full_migrate_create_s"]) > 0


@pytest.mark.slow
def test_bench_drops_its_database_when_it_fails(monkeypatch):
    def broken_create_venue(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(bench_onboarding, "create_venue", broken_create_venue)
    with pytest.raises(RuntimeError, match="boom"):
        _bench_on_own_connection(connection.settings_dict["NAME"], steps="1", samples=1)


@pytest.mark.slow
def test_bench_drops_its_database_when_terminated():
    """`timeout`, a cancelled CI job or `kill` send SIGTERM, which skips `finally` by default."""
    manage = Path(__file__).resolve().parents[2] / "manage.py"
    with tempfile.TemporaryFile(mode="w+") as errors:
        command = ["bench_onboarding", "--steps", "50", "--samples", "1"]
        process = subprocess.Popen(
            [sys.executable, "-u", str(manage), *command],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        )
        name = f"parterre_bench_{process.pid}"
        try:
            assert process.stdout.readline().strip() == f"Throwaway database {name}"
            assert database_exists(name)
            # Once its database is migrated, the bench has a long way to go (50 venues).
            assert process.stdout.readline().startswith("Migrated")
            process.send_signal(signal.SIGTERM)
            returncode = process.wait(timeout=60)
            leaked = database_exists(name)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stdout.close()
            if database_exists(name):  # never left behind, even by a failing test
                _drop_database(name)
        errors.seek(0)
        assert returncode == 128 + signal.SIGTERM, errors.read()[-3000:]
    assert not leaked


def test_bench_refuses_to_run_inside_a_transaction():
    with pytest.raises(CommandError, match="inside a transaction"):
        call_command("bench_onboarding", steps="1", samples=1, stdout=io.StringIO())
    assert not database_exists(bench_database_name())


def test_a_sigterm_lost_in_a_finaliser_still_stops_the_bench(monkeypatch):
    """A signal handler's SystemExit raised inside a weakref finaliser is printed and dropped
    by Python (seen here under load): the bench checks between steps that nobody asked it to
    stop."""
    bench_onboarding.stop_if_asked()  # nobody asked
    monkeypatch.setattr(bench_onboarding, "_stop_signal", signal.SIGTERM)
    with pytest.raises(SystemExit) as stopped:
        bench_onboarding.Command().say("next step")
    assert stopped.value.code == 128 + signal.SIGTERM
