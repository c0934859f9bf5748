"""bench_journeys runs small and prints its RESULT line (a throwaway database, on a thread of
its own: the command repoints its connection, which it may not do in the test's transaction)."""

import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = pytest.mark.django_db


def test_the_benchmark_runs_small():
    out = io.StringIO()

    def bench() -> None:
        try:
            call_command("bench_journeys", venues=2, contacts=30, stdout=out)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(bench).result()
    last = out.getvalue().strip().splitlines()[-1]
    assert last.startswith("RESULT ")
    result = dict(pair.split("=") for pair in last.removeprefix("RESULT ").split())
    assert result["venues"] == "2" and result["due"] == "60"
    assert float(result["tick_seconds"]) > 0 and int(result["emails_per_s"]) > 0
