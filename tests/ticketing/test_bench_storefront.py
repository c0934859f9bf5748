"""bench_storefront runs a short rush on the public pages end to end (throwaway database,
real gunicorn server with production settings, visitors and API orders together) and leaves
nothing behind. The figures are not asserted (benchmarks are commands, never timed
assertions); what must hold: every page answered without a server error, the seat map
files fetched where the page asks for them, and the queries per page bounded.

Like tests/ticketing/test_bench_onsale.py, the command runs on a thread of its own with a
connection of its own."""

import io
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.db import connection

from tenants.management.commands.bench_onboarding import bench_database_name
from tenants.models import Venue
from tests.helpers import database_exists, running_children

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def test_a_short_rush_on_the_storefront_reports_its_figures():
    out = io.StringIO()
    test_db = connection.settings_dict["NAME"]

    def bench() -> None:
        try:
            call_command(
                "bench_storefront",
                stdout=out,
                visitors=3,
                seconds=2,
                seats=80,
                workers=2,
                orders_per_s=4,
                order_threads=1,
                cart_share=0.3,
            )
        finally:
            assert connection.settings_dict["NAME"] == test_db
            assert Venue.objects.filter(slug="alpha").exists()
            assert not database_exists(bench_database_name())
            assert running_children(b"gunicorn") == []
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(bench).result()
    text = out.getvalue()
    last = text.strip().splitlines()[-1]
    assert last.startswith("RESULT pages_per_s="), text
    result = dict(pair.split("=") for pair in last.removeprefix("RESULT ").split())
    assert list(result)[:4] == ["pages_per_s", "p50_ms", "p95_ms", "show_p95_ms"]
    assert float(result["pages_per_s"]) > 0 and result["errors"] == "0"
    # The checkout page is the one that reads most: the cart's hold, seats and standing
    # places, the extras offered, the session's saved card, and its funnel step (an INSERT).
    assert 0 < int(result["queries_per_page_max"]) <= 10
    assert re.search(r"availability +\d+ ×", text) and re.search(r"geometry +\d+ ×", text)
    assert "Queries per page (warm caches): programme" in text
