import time

import pytest
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
