"""bench_onsale runs a small rush end to end (throwaway database, real gunicorn server, SQL
checks, SQL baseline) and leaves nothing behind: its database is dropped and its server
stopped, also when it fails. The figures themselves are not asserted (benchmarks are
commands, never timed assertions); what must hold on every run is: every seat sold once, and
a standing zone sold to its capacity, never beyond.

The command switches its connection to its own database, which it refuses to do inside the
transaction pytest-django wraps a test in. So it runs on a thread of its own, with a connection
of its own (as tests/tenants/test_bench_onboarding.py does); the `django_db` mark only makes
pytest-django set up the test database when these tests run alone."""

import io
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.db import connection

from tenants.management.commands.bench_onboarding import bench_database_name
from tenants.models import Venue
from tests.helpers import database_exists, running_children
from ticketing.management.commands import bench_onsale

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

SMALL = {
    "seats": 60,
    "buyers": 80,
    "concurrency": 4,
    "workers": 2,
    "baseline_seconds": 0.2,
}
# 40 buyers asking 1–4 places for 40: the zone sells out after 17 or so, whatever order the
# requests land in (the last ten of seed 1's buyers include four who ask one place, enough to
# fill the at most 3 places a refusal can leave); buyers asking more than is left are refused.
STANDING = {"standing": True, "seats": 40, "buyers": 40, "baseline_seconds": 0.3}


def _our_servers() -> list[int]:
    return running_children(b"gunicorn")


def _bench_on_own_connection(**options) -> str:
    """Run the command on a fresh thread and check it left nothing behind: that thread's
    connection back on the test database (the fixture venues there, not the bench's), the
    throwaway database dropped, no server left running."""
    out = io.StringIO()
    test_db = connection.settings_dict["NAME"]

    def bench() -> None:
        try:
            call_command("bench_onsale", stdout=out, **options)
        finally:
            assert connection.settings_dict["NAME"] == test_db
            assert Venue.objects.filter(slug="alpha").exists()
            assert not Venue.objects.filter(slug=bench_onsale.VENUE_SLUG).exists()
            assert not database_exists(bench_database_name())
            assert _our_servers() == []
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(bench).result()
    return out.getvalue()


def _run(**options) -> dict[str, str]:
    """Runs the bench, returns its RESULT line as a dict."""
    out = _bench_on_own_connection(**options)
    lines = out.strip().splitlines()
    assert lines[-1].startswith("RESULT "), out
    result = dict(pair.split("=") for pair in lines[-1].removeprefix("RESULT ").split())
    assert list(result) == [
        "mode",
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
        if key != "mode":
            assert re.fullmatch(r"\d+(\.\d+)?", value), (key, value)
    assert float(result["orders_per_s"]) > 0 and float(result["sql_baseline_tx_per_s"]) > 0
    return result


def test_a_small_rush_sells_every_seat_once():
    result = _run(**SMALL)
    assert result["mode"] == "seated"
    assert result["sold"] == result["capacity"] == "60"
    assert (result["oversold"], result["double_sold"], result["errors"]) == ("0", "0", "0")


def test_a_small_standing_rush_sells_the_zone_exactly():
    """Every buyer updates the one zone counter: it ends full, never beyond, and a buyer was
    refused only more places than were left (else an error)."""
    result = _run(**{**SMALL, **STANDING})
    assert result["mode"] == "standing"
    assert result["sold"] == result["capacity"] == "40"
    assert (result["oversold"], result["double_sold"], result["errors"]) == ("0", "0", "0")


def test_the_database_and_the_server_go_when_it_fails(monkeypatch):
    def broken_rush(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(bench_onsale.Command, "rush", broken_rush)
    with pytest.raises(RuntimeError, match="boom"):
        _bench_on_own_connection(**SMALL)
