"""bench_events runs end to end (throwaway database, two venues, a real Celery worker
subprocess) and leaves nothing behind. Its figures are not asserted (benchmarks are commands,
never timed assertions); what must hold on every run is that nothing is lost or done twice.

The command switches its connection to its own database, which it refuses to do inside the
transaction pytest-django wraps a test in: it runs on a thread with a connection of its own."""

import io
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.db import connection

from tenants.events.management.commands.bench_events import VENUE_SLUGS
from tenants.management.commands.bench_onboarding import bench_database_name
from tenants.models import Venue
from tests.helpers import database_exists, running_children

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def _our_workers() -> list[int]:
    return running_children(b"--serve-worker")


def test_a_small_run_loses_nothing_and_does_nothing_twice():
    out = io.StringIO()
    test_db = connection.settings_dict["NAME"]

    def bench() -> None:
        try:
            call_command("bench_events", events=300, threads=3, stdout=out)
        finally:
            assert connection.settings_dict["NAME"] == test_db
            assert not Venue.objects.filter(slug__in=VENUE_SLUGS).exists()
            assert not database_exists(bench_database_name())
            assert _our_workers() == []
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(bench).result()
    last = out.getvalue().strip().splitlines()[-1]
    assert last.startswith("RESULT "), out.getvalue()
    result = dict(pair.split("=") for pair in last.removeprefix("RESULT ").split())
    assert list(result) == [
        "events",
        "published_per_s",
        "delivered_per_s",
        "lag_p95_ms",
        "lost",
        "duplicated_effects",
    ]
    assert all(re.fullmatch(r"\d+", value) for value in result.values()), result
    assert (result["events"], result["lost"], result["duplicated_effects"]) == ("300", "0", "0")
    assert "On-commit hook:" in out.getvalue()
