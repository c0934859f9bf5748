import os
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django_redis import get_redis_connection

from tenants.tasks import heartbeat
from tenants.views.system import HEARTBEAT_KEY

pytestmark = pytest.mark.django_db


def test_healthz_reports_each_dependency(venue_a, client_for):
    redis = get_redis_connection("default")
    redis.delete(HEARTBEAT_KEY)
    down = client_for(venue_a).get("/healthz")
    assert down.status_code == 503
    assert down.json()["checks"]["database"]["status"] == "ok"
    assert down.json()["checks"]["redis"]["status"] == "ok"
    assert down.json()["checks"]["celery"]["status"] == "down"

    heartbeat()
    up = client_for(venue_a).get("/healthz")
    assert up.status_code == 200 and up.json()["status"] == "ok"

    redis.set(HEARTBEAT_KEY, time.time() - 3600)
    assert client_for(venue_a).get("/healthz").json()["checks"]["celery"]["status"] == "down"


def test_healthz_also_answers_on_the_cooperative_host(cooperative, client_for):
    heartbeat()
    assert client_for(cooperative).get("/healthz").status_code == 200


@pytest.mark.slow
def test_a_starting_worker_sends_a_heartbeat_at_once(venue_a, client_for):
    """`make run` serves pages within seconds: /healthz must not wait for beat's first
    heartbeat (30 s) to see the worker. A real `celery worker` process (no beat), on a
    private queue so it takes no one else's tasks, with this run's cache prefix."""
    redis = get_redis_connection("default")
    redis.delete(HEARTBEAT_KEY)
    assert client_for(venue_a).get("/healthz").json()["checks"]["celery"]["status"] == "down"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--queues",
            f"test-{uuid.uuid4().hex[:8]}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "WARNING",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 25  # less than beat's 30 s, and beat is not running
        while time.monotonic() < deadline and redis.get(HEARTBEAT_KEY) is None:
            assert worker.poll() is None, worker.stderr.read().decode()
            time.sleep(0.2)
        response = client_for(venue_a).get("/healthz")
        assert response.json()["checks"]["celery"]["status"] == "ok", response.json()
    finally:
        worker.terminate()
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
