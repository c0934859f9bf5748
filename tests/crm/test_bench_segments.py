"""bench_segments runs end to end on a small base (throwaway database, venue `bench`) and
leaves nothing behind. Its figures are not asserted (benchmarks are commands, never timed
assertions); what must hold is the RESULT line's shape, six non-empty standard segments and a
measured freshness.

The command switches its connection to its own database, which it refuses to do inside the
transaction pytest-django wraps a test in: it runs on a thread with a connection of its own."""

import io
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.db import connection

from tenants.management.commands.bench_onboarding import bench_database_name
from tests.helpers import database_exists

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def test_a_small_run_times_the_six_segments_and_leaves_nothing():
    out = io.StringIO()
    test_db = connection.settings_dict["NAME"]

    def bench() -> None:
        try:
            call_command("bench_segments", contacts=2000, runs=2, stdout=out)
        finally:
            assert connection.settings_dict["NAME"] == test_db
            assert not database_exists(bench_database_name())
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(bench).result()
    text = out.getvalue()
    last = text.strip().splitlines()[-1]
    assert last.startswith("RESULT "), text
    result = dict(pair.split("=") for pair in last.removeprefix("RESULT ").split())
    assert list(result) == [
        "contacts",
        "events",
        "p50_ms",
        "max_ms",
        "cold_max_ms",
        "freshness_s",
    ]
    assert result["contacts"] == "2000"
    assert int(result["events"]) > 10 * 2000
    assert all(re.fullmatch(r"\d+(\.\d+)?", value) for value in result.values()), result
    counts = [int(n) for n in re.findall(r"warm \S+\s+count=\s*(\d+)", text)]
    assert len(counts) == 6 and all(counts), text
    assert "Freshness: attendance recorded" in text
