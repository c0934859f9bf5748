"""bench_onsale runs a small rush end to end (throwaway database, real gunicorn server, SQL
checks, SQL baseline) and leaves nothing behind: its database is dropped and its server
stopped, also when it fails. The figures themselves are not asserted (benchmarks are
commands, never timed assertions); what must hold on every run is: every seat sold once.

No `db` fixture: the command switches the connection to its own database, which it refuses
to do inside the transaction pytest-django wraps a test in."""

import io
import os
import re

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from tenants.management.commands.bench_onboarding import bench_database_name
from tenants.models import Venue
from ticketing.management.commands import bench_onsale

pytestmark = pytest.mark.slow

SMALL = {
    "seats": 60,
    "buyers": 80,
    "concurrency": 4,
    "workers": 2,
    "baseline_seconds": 0.2,
}


def _database_exists(name: str) -> bool:
    params = {**connection.get_connection_params(), "dbname": "postgres"}
    with psycopg.connect(**params) as admin:
        return bool(
            admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchall()
        )


def _our_servers() -> list[int]:
    """gunicorn processes this test process started and that are still running."""
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
            if int(fields[1]) == me and fields[0] != "Z" and b"gunicorn" in command:
                found.append(int(entry.name))
    return found


def _assert_left_nothing_behind(test_db: str) -> None:
    assert connection.settings_dict["NAME"] == test_db
    assert Venue.objects.filter(slug="alpha").exists()
    assert not Venue.objects.filter(slug=bench_onsale.VENUE_SLUG).exists()
    assert not _database_exists(bench_database_name())
    assert _our_servers() == []


def test_a_small_rush_sells_every_seat_once(django_db_setup, django_db_blocker):
    out = io.StringIO()
    with django_db_blocker.unblock():
        test_db = connection.settings_dict["NAME"]
        call_command("bench_onsale", stdout=out, **SMALL)
        _assert_left_nothing_behind(test_db)

    lines = out.getvalue().strip().splitlines()
    assert lines[-1].startswith("RESULT ")
    result = dict(pair.split("=") for pair in lines[-1].removeprefix("RESULT ").split())
    assert list(result) == [
        "orders_per_s",
        "p50_ms",
        "p95_ms",
        "sold",
        "capacity",
        "oversold",
        "double_sold",
        "errors",
        "sql_baseline_tx_per_s",
        "ratio_to_sql",
    ]
    for key, value in result.items():
        assert re.fullmatch(r"\d+(\.\d+)?", value), (key, value)
    assert result["sold"] == result["capacity"] == "60"
    assert (result["oversold"], result["double_sold"], result["errors"]) == ("0", "0", "0")
    assert float(result["orders_per_s"]) > 0 and float(result["sql_baseline_tx_per_s"]) > 0


def test_the_database_and_the_server_go_when_it_fails(
    django_db_setup, django_db_blocker, monkeypatch
):
    def broken_rush(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(bench_onsale.Command, "rush", broken_rush)
    with django_db_blocker.unblock():
        test_db = connection.settings_dict["NAME"]
        with pytest.raises(RuntimeError, match="boom"):
            call_command("bench_onsale", stdout=io.StringIO(), **SMALL)
        _assert_left_nothing_behind(test_db)
