"""Celery entry points of the outbox, each run in one venue's schema (tenant-schemas-celery
header): `events.dispatch` (sent on commit by publishers, debounced), `events.sweep` (every
minute per venue through the cooperative fan-out: what a crashed process or a lost message
left behind, consumer retries, webhook retries) and `events.deliver_webhook` (one attempt)."""

import logging
import time
from datetime import timedelta

from celery import shared_task
from django.db import connection

from .selectors import due_delivery_ids
from .services import clear_dispatch_request, extend_dispatch_request
from .services.dispatch import dispatch_pending
from .services.webhooks import deliver_webhook, send_deliveries

log = logging.getLogger(__name__)

# The sweep leaves events younger than this to the task their commit sent.
SWEEP_MIN_AGE = timedelta(seconds=5)
MAX_RERUNS = 3
# A dispatch task polls this long after its last progress before it ends, every POLL_S; and
# ends after MAX_TASK_S whatever happens (the next commit sends another), so that a venue in a
# rush holds a worker process for a few seconds at a time, not for the whole rush.
LINGER_S = 0.2
POLL_S = 0.05
MAX_TASK_S = 5.0


def _in_venue() -> bool:
    if connection.schema_name == "public":
        log.warning("events: task sent without a venue schema, ignored")
        return False
    return True


@shared_task(name="events.dispatch", ignore_result=True)
def dispatch(rerun: int = 0) -> None:
    """While this runs, the venue's "dispatch requested" flag stays set (renewed before each
    batch): commits meanwhile send no task, and this loop reads their events. It lingers a
    moment after the outbox runs dry, so that a rush is one task rather than one per commit.
    Then the flag goes, and one more pass reads whatever committed before it went; a commit
    after that sends a new task."""
    if not _in_venue():
        return
    schema = connection.schema_name
    started = last_progress = time.monotonic()
    busy = 0
    while True:
        report = dispatch_pending(on_batch=lambda: extend_dispatch_request(schema))
        busy += report.busy
        now = time.monotonic()
        if report.handled or report.dispatched:
            last_progress = now
        elif now - last_progress >= LINGER_S:
            break
        else:
            time.sleep(POLL_S)
        if now - started >= MAX_TASK_S:
            break
    clear_dispatch_request(schema)
    busy += dispatch_pending().busy
    if busy and rerun < MAX_RERUNS:
        # Events held back only because another dispatcher had their predecessors: once more
        # in a moment (the sweep is the safety net beyond that).
        dispatch.apply_async(args=[rerun + 1], countdown=1)


@shared_task(name="events.sweep", ignore_result=True)
def sweep() -> None:
    if not _in_venue():
        return
    report = dispatch_pending(older_than=SWEEP_MIN_AGE)
    if report.events:
        log.info("events: sweep of %s: %s", connection.schema_name, report)
    send_deliveries(due_delivery_ids())


@shared_task(name="events.deliver_webhook", ignore_result=True)
def deliver_webhook_task(delivery_id: int) -> None:
    if _in_venue():
        deliver_webhook(delivery_id=delivery_id)
