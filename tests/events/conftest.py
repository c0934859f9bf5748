"""Fixtures of the outbox tests: consumers registered for one test, a clean outbox after tests
that commit, a local webhook receiver, and a real Celery worker thread on a private queue."""

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection, connections

from tenants.events import registry
from tenants.events.models import ConsumerFailure, ConsumerReceipt, Event, WebhookEndpoint
from tests.helpers import committed, worker_on_private_queue


@pytest.fixture(autouse=True)
def _outbox_of_this_test_only(request):
    """Events other tests committed (the race tests' sales, the CRM's contacts) are not this
    test's: they count as dispatched for its duration (inside its transaction). Tests that
    commit empty the outbox instead (clean_outbox): locking those rows here would block it."""
    committing = {"clean_outbox", "transactional_db", "live_server"} & set(request.fixturenames)
    if "db" in request.fixturenames and "venue_a" in request.fixturenames and not committing:
        from django.utils import timezone

        from tests.helpers import in_venue

        for name in ("venue_a", "venue_b"):
            with in_venue(request.getfixturevalue(name)):
                Event.objects.filter(dispatched_at__isnull=True).update(
                    dispatched_at=timezone.now()
                )
        connection.set_schema_to_public()
    yield


@pytest.fixture
def consumers():
    """`consumers(name, codes, handler)` registers a consumer for this test only. The apps'
    own consumers (e.g. ticketing's confirmation email) are set aside meanwhile, so that the
    test counts its consumers only; the webhooks consumer stays (it is the outbox's own)."""
    names = []
    set_aside = [c for c in registry.all_consumers() if c.name != "webhooks"]
    for app_consumer in set_aside:
        registry.unregister_consumer(app_consumer.name)

    def register(name: str, codes, handler):
        names.append(name)
        return registry.register_consumer(name, codes=codes, handler=handler)

    yield register
    for name in names:
        registry.unregister_consumer(name)
    for app_consumer in set_aside:
        registry.register_consumer(
            app_consumer.name,
            codes=app_consumer.codes,
            handler=app_consumer.handler,
            active=app_consumer.active,
        )


@pytest.fixture
def clean_outbox(venue_a, venue_b):
    """For tests that commit: the venues' outboxes and webhooks are emptied before (other
    tests that commit, e.g. the CRM's races, leave events behind) and afterwards."""

    def wipe():
        for model in (ConsumerReceipt, ConsumerFailure, WebhookEndpoint, Event):
            model.objects.all().delete()

    def wipe_both():
        for venue in (venue_a, venue_b):
            committed(venue, wipe)
        connection.set_schema_to_public()

    wipe_both()
    yield
    wipe_both()


@pytest.fixture
def local_webhooks(settings):
    """Webhooks may reach a receiver on 127.0.0.1 over plain HTTP (never in production)."""
    settings.PARTERRE_WEBHOOKS_ALLOW_PRIVATE = True
    settings.PARTERRE_WEBHOOKS_ALLOW_HTTP = True


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    status: int = 204
    got_one: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 that records each POST and answers `receiver.status`."""
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append(Received(self.path, dict(self.headers), body))
            self.send_response(state.status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
            state.got_one.set()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/parterre"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def worker_queue(monkeypatch):
    """A real Celery worker on a private queue (tests.helpers.worker_on_private_queue)."""
    from celery.signals import task_postrun

    from config.celery import app

    def close_worker_connection(**kwargs):
        # The worker thread's own connection: none left open when the test database goes.
        if threading.current_thread() is not threading.main_thread():
            connections.close_all()

    task_postrun.connect(close_worker_connection, weak=False)
    try:
        with worker_on_private_queue(app, monkeypatch, prefix="test-events") as queue:
            yield queue
    finally:
        task_postrun.disconnect(close_worker_connection)


@pytest.fixture(scope="session", autouse=True)
def _empty_the_test_queue():
    """Dispatch requests of committed test transactions pile up in this run's queue (no worker
    reads it): emptied at the end."""
    yield
    from django.conf import settings
    from django_redis import get_redis_connection

    get_redis_connection("default").delete(settings.CELERY_TASK_DEFAULT_QUEUE)
