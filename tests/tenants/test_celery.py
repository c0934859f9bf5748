"""Tasks carry their venue's schema; the beat fan-out reaches every active venue and a failing
venue does not stop the others. The slow tests run a real worker thread on Redis."""

import time
import uuid

import pytest
from celery import shared_task
from django.db import connection
from django_redis import get_redis_connection

from config.celery import app
from tenants.accounts.models import User
from tenants.services import suspend_venue
from tenants.tasks import active_venues, fan_out
from tests.helpers import in_venue, worker_on_private_queue

pytestmark = pytest.mark.django_db

PROBE_PREFIX = "parterre-test-probe"


@shared_task(name="tests.probe_schema")
def probe_schema(run_id: str, fail_in: str = "") -> str:
    """Records which schema it ran in and what it saw there, in a raw Redis key that carries
    the schema name (as every raw key must)."""
    schema = connection.schema_name
    try:
        if schema == fail_in:
            raise RuntimeError(f"simulated failure in {schema}")
        emails = sorted(User.objects.values_list("email", flat=True))
        get_redis_connection("default").set(
            f"{PROBE_PREFIX}:{run_id}:{schema}", ",".join(emails), ex=300
        )
        return schema
    finally:
        connection.close()  # it runs in the worker thread: leave no connection behind


def test_sent_tasks_carry_the_schema_header(venue_a, monkeypatch):
    captured = {}

    def fake_send(self, name, args=None, kwargs=None, **options):
        captured.update(options)

    monkeypatch.setattr("celery.Celery.send_task", fake_send)
    with in_venue(venue_a):
        app.send_task("tests.probe_schema", args=["x"])
    assert captured["headers"]["_schema_name"] == venue_a.schema_name


@pytest.fixture
def worker_queue(monkeypatch):
    with worker_on_private_queue(app, monkeypatch) as queue:
        yield queue


def _wait_for_keys(run_id: str, expected: set[str], timeout: float = 20.0) -> dict[str, str]:
    redis = get_redis_connection("default")
    deadline = time.monotonic() + timeout
    found: dict[str, str] = {}
    while time.monotonic() < deadline:
        found = {
            key.decode().rsplit(":", 1)[1]: (redis.get(key) or b"").decode()
            for key in redis.scan_iter(match=f"{PROBE_PREFIX}:{run_id}:*")
        }
        if expected <= set(found):
            break
        time.sleep(0.1)
    return found


@pytest.mark.slow
def test_fan_out_reaches_each_active_venue_through_a_real_worker(venue_a, venue_b, worker_queue):
    """Venue A's task sees only A's staff, and B's failure does not stop A. Fixture venues
    and their admins are committed, so the worker (its own connection) sees them."""
    run_id = uuid.uuid4().hex
    sent = fan_out("tests.probe_schema", args=(run_id, venue_b.schema_name), jitter_seconds=0)
    expected = {v.schema_name for v in active_venues()} - {venue_b.schema_name}
    assert sent == len(expected) + 1
    found = _wait_for_keys(run_id, expected)
    assert expected <= set(found)
    assert venue_b.schema_name not in found  # it failed, alone
    assert "admin@alpha.test" in found[venue_a.schema_name]
    assert "admin@beta.test" not in found[venue_a.schema_name]


@pytest.mark.slow
def test_a_task_sent_from_a_venue_runs_in_that_venue_on_a_real_worker(
    venue_a, venue_b, worker_queue
):
    """`.delay()` inside a venue: the task crosses Redis with the venue in its headers and the
    worker (its own connection, public schema until told otherwise) runs it in that venue."""
    run_id = uuid.uuid4().hex
    with in_venue(venue_a):
        probe_schema.delay(run_id)
    with in_venue(venue_b):
        probe_schema.delay(run_id)
    found = _wait_for_keys(run_id, {venue_a.schema_name, venue_b.schema_name})
    assert set(found) == {venue_a.schema_name, venue_b.schema_name}
    assert "admin@alpha.test" in found[venue_a.schema_name]
    assert "admin@alpha.test" not in found[venue_b.schema_name]
    assert "admin@beta.test" in found[venue_b.schema_name]


def test_fan_out_skips_suspended_venues(venue_a, venue_b, monkeypatch):
    schemas = []
    monkeypatch.setattr(
        "celery.Celery.send_task",
        lambda self, name, args=None, kwargs=None, **o: schemas.append(
            o["headers"]["_schema_name"]
        ),
    )
    suspend_venue(venue=venue_b, actor=None)
    fan_out("tests.probe_schema", args=("x",), jitter_seconds=0)
    assert venue_a.schema_name in schemas
    assert venue_b.schema_name not in schemas
