"""The dispatcher: delivers the outbox of the current venue schema to the registered consumers,
at least once, each consumer's effects exactly once.

`dispatch_pending()` reads undispatched events in id order, in batches locked with
`FOR UPDATE SKIP LOCKED` (two dispatchers of a venue never work on the same event), and for
each event and each consumer that wants it, in a savepoint of the batch's transaction:
inserts the receipt (`ON CONFLICT DO NOTHING`: already handled → skipped), runs the consumer.
A consumer that raises is rolled back alone, its failure recorded (attempts, last error,
next attempt with exponential backoff) and retried by a later run; other consumers go on.
An event is marked dispatched when every consumer that wants it holds a receipt.

Per-key ordering: an event waits for a consumer while an earlier undispatched event of the same
key has no receipt from that consumer (it failed, or another dispatcher holds it). Events of
other keys, and other consumers, are not held back.

A crash anywhere rolls back the batch's transaction, receipts and consumer writes alike: the
events are delivered again by the next run (the on-commit task of a later publish, or the
periodic sweep).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from ..models import ConsumerFailure, Event
from ..registry import Consumer, consumers_for

log = logging.getLogger(__name__)

BATCH_SIZE = 200
RETRY_FIRST = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=1)

# Values consumers may share for the length of one batch (e.g. the active webhook endpoints).
_batch_memo: ContextVar[dict | None] = ContextVar("events_batch_memo", default=None)


def batch_memo(key: str, load: Callable[[], Any]) -> Any:
    """`load()` once per batch of the dispatcher (every call outside a batch)."""
    memo = _batch_memo.get()
    if memo is None:
        return load()
    if key not in memo:
        memo[key] = load()
    return memo[key]


def retry_delay(attempts: int) -> timedelta:
    """1 min, 2, 4, … capped at 1 h, after the `attempts`-th failure."""
    return min(RETRY_FIRST * (2 ** max(0, attempts - 1)), RETRY_MAX)


@dataclass
class DispatchReport:
    events: int = 0  # events looked at
    dispatched: int = 0  # marked dispatched
    handled: int = 0  # consumer runs that succeeded
    failed: int = 0  # consumer runs that raised
    waiting: int = 0  # (event, consumer) held back: backoff, or an earlier event of its key
    # Held back only by an earlier event that no failure explains (another dispatcher is on
    # it): worth another run in a moment.
    busy: int = 0


_FAILED, _BUSY = "failed", "busy"


def dispatch_pending(
    *,
    older_than: timedelta | None = None,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[], None] | None = None,
) -> DispatchReport:
    """One pass over the current schema's outbox: batches in id order until one comes back
    short. A pass ends even in a rush, so that the next one starts again from the lowest id:
    an event whose transaction committed after events with higher ids (ids are taken at
    INSERT, not at commit) is not left behind a stream of newer ones. The dispatch task runs
    passes until there is nothing left to do. `older_than`: only events that occurred at
    least that long ago (the sweep leaves fresh events to the task their commit sent).
    `on_batch` is called before each batch (the task keeps its "dispatch under way" flag
    alive with it)."""
    report = DispatchReport()
    after_id = 0
    full = True
    while full:
        if on_batch is not None:
            on_batch()
        with transaction.atomic():
            batch = Event.objects.select_for_update(skip_locked=True).filter(
                dispatched_at__isnull=True, id__gt=after_id
            )
            if older_than is not None:
                batch = batch.filter(occurred_at__lte=timezone.now() - older_than)
            events = list(batch.order_by("id")[:batch_size])
            if not events:
                break
            full = len(events) == batch_size
            after_id = events[-1].id
            token = _batch_memo.set({})
            try:
                _dispatch_batch(events, report)
            finally:
                _batch_memo.reset(token)
    return report


def _dispatch_batch(events: list[Event], report: DispatchReport) -> None:
    receipts, failures = _receipts_and_failures([e.id for e in events])
    # (key, consumer name) → why later events of that key wait for that consumer.
    blocked: dict[tuple[str, str], str] = {}
    outside = iter(_undispatched_outside(events))
    ahead = next(outside, None)
    now = timezone.now()
    done = []
    for event in events:
        # Earlier events of the batch's keys that are not in the batch come first.
        while ahead is not None and ahead.id < event.id:
            for consumer in consumers_for(ahead.code):
                if consumer.name not in ahead.handled and consumer.wants_now(ahead.code):
                    reason = _FAILED if consumer.name in ahead.failed else _BUSY
                    blocked.setdefault((ahead.key, consumer.name), reason)
            ahead = next(outside, None)
        report.events += 1
        waiting = False
        for consumer in consumers_for(event.code):
            name = consumer.name
            if (event.id, name) in receipts or not consumer.wants_now(event.code):
                continue
            reason = blocked.get((event.key, name))
            failure = failures.get((event.id, name))
            if reason is None and failure is not None and failure.next_attempt_at > now:
                reason = _FAILED
            if reason is None:
                if _run(consumer, event, failure):
                    report.handled += 1
                    continue
                report.failed += 1
                reason = _FAILED
            else:
                report.waiting += 1
                report.busy += reason == _BUSY
            blocked.setdefault((event.key, name), reason)
            waiting = True
        if not waiting:
            done.append(event.id)
    if done:
        Event.objects.filter(id__in=done).update(dispatched_at=now)
        report.dispatched += len(done)


def _receipts_and_failures(
    ids: list[int],
) -> tuple[set[tuple[int, str]], dict[tuple[int, str], ConsumerFailure]]:
    """Who handled, and who failed on, these events (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT event_id, consumer, NULL, NULL, NULL FROM events_consumerreceipt "
            "WHERE event_id = ANY(%s) UNION ALL "
            "SELECT event_id, consumer, id, attempts, next_attempt_at FROM events_consumerfailure "
            "WHERE event_id = ANY(%s)",
            [ids, ids],
        )
        rows = cursor.fetchall()
    receipts = {(row[0], row[1]) for row in rows if row[2] is None}
    failures = {
        (row[0], row[1]): ConsumerFailure(
            id=row[2], event_id=row[0], consumer=row[1], attempts=row[3], next_attempt_at=row[4]
        )
        for row in rows
        if row[2] is not None
    }
    return receipts, failures


@dataclass(frozen=True)
class _Outside:
    id: int
    key: str
    code: str
    handled: frozenset[str]  # consumers with a receipt
    failed: frozenset[str]  # consumers with a failure recorded


def _undispatched_outside(events: list[Event]) -> list[_Outside]:
    """Undispatched events of the batch's keys, before its last event, that are not in it:
    held by another dispatcher, left by an earlier batch of this run (a consumer failed), or
    too fresh for the sweep. In id order, with who handled them and who failed on them."""
    ids = [e.id for e in events]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.id, e.key, e.code, "
            "ARRAY(SELECT r.consumer FROM events_consumerreceipt r WHERE r.event_id = e.id), "
            "ARRAY(SELECT f.consumer FROM events_consumerfailure f WHERE f.event_id = e.id) "
            "FROM events_event e WHERE e.dispatched_at IS NULL AND e.key = ANY(%s) "
            "AND e.id < %s AND NOT (e.id = ANY(%s)) ORDER BY e.id",
            [list({e.key for e in events}), ids[-1], ids],
        )
        return [
            _Outside(row[0], row[1], row[2], frozenset(row[3]), frozenset(row[4]))
            for row in cursor.fetchall()
        ]


def _run(consumer: Consumer, event: Event, failure: ConsumerFailure | None) -> bool:
    """Run one consumer on one event in a savepoint that also inserts its receipt; record the
    failure if it raises. True when handled (now or earlier)."""
    attempts = (failure.attempts if failure else 0) + 1
    try:
        with transaction.atomic():
            if not _insert_receipt(event.id, consumer.name, attempts):
                return True  # handled by an earlier delivery
            consumer.handler(event)
            if failure is not None:
                ConsumerFailure.objects.filter(pk=failure.pk).delete()
        return True
    except Exception as error:
        log.warning(
            "events: consumer %s failed on %s #%s (attempt %s)",
            consumer.name,
            event.code,
            event.id,
            attempts,
            exc_info=True,
        )
        _record_failure(consumer.name, event.id, attempts, error)
        return False


def _insert_receipt(event_id: int, consumer: str, attempts: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO events_consumerreceipt (event_id, consumer, handled_at, attempts) "
            "VALUES (%s, %s, now(), %s) ON CONFLICT (event_id, consumer) DO NOTHING RETURNING id",
            [event_id, consumer, attempts],
        )
        return cursor.fetchone() is not None


def _record_failure(consumer: str, event_id: int, attempts: int, error: Exception) -> None:
    now = timezone.now()
    text = "".join(traceback.format_exception_only(type(error), error)).strip()[:2000]
    ConsumerFailure.objects.update_or_create(
        event_id=event_id,
        consumer=consumer,
        defaults={
            "attempts": attempts,
            "last_error": text,
            "last_failed_at": now,
            "next_attempt_at": now + retry_delay(attempts),
        },
        create_defaults={
            "attempts": attempts,
            "last_error": text,
            "first_failed_at": now,
            "last_failed_at": now,
            "next_attempt_at": now + retry_delay(attempts),
        },
    )


def deliver(*, event: Event, consumer: Consumer) -> bool:
    """Run one consumer on one event now, as the dispatcher would (receipt first): True if it
    ran, False if the event was handled by it already. For tools and tests; raises what the
    consumer raises."""
    with transaction.atomic():
        if not _insert_receipt(event.id, consumer.name, 1):
            return False
        consumer.handler(event)
        return True
