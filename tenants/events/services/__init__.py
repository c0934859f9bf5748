"""Writes of the events app. Publishing (below) is what other apps call; the dispatcher is in
`dispatch`, outgoing webhooks in `webhooks`.

Publishing joins the caller's transaction: the event row is inserted with the change it
describes and a hook sends the dispatcher when that transaction commits. A transaction that
rolls back publishes nothing. The hook is registered once per transaction and venue however
many events it publishes, and is debounced across transactions (see `request_dispatch`).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tenants.accounts.models import ApiToken

from ..catalogue import EVENT_TYPES
from ..models import Event

log = logging.getLogger(__name__)

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){2,}$")
# Set when a dispatch task is sent for a schema, and kept set by that task while it works:
# commits meanwhile send none (the task reads their events); it expires on its own if the task
# dies, so the worst a lost flag costs is PENDING_SECONDS (and the sweep is there).
PENDING_KEY = "events:dispatch-pending"
# Tasks are sent by name (tenants/events/tasks.py defines them and calls these services).
DISPATCH_TASK = "events.dispatch"
DELIVER_TASK = "events.deliver_webhook"
PENDING_SECONDS = 2


def _actor(actor: Any) -> tuple[str, dict]:
    """(label, {"type", "id"}) of who caused the event: a staff member, an API token, a
    named system task (a string), or the system (None)."""
    if actor is None:
        return "system", {"type": "system"}
    if isinstance(actor, str):
        return actor[:200], {"type": "system", "name": actor[:100]}
    if isinstance(actor, ApiToken):
        return f"API: {actor.name}"[:200], {"type": "token", "id": actor.pk, "user": actor.user_id}
    return str(actor)[:200], {"type": "user", "id": actor.pk}


def build_event(*, code: str, version: int = 1, key: str, data: dict, actor: Any = None) -> Event:
    """An unsaved event with every field filled, for a writer that inserts it with other rows
    in one statement (the sale path). Call `after_publish()` once the row is written."""
    event_type = EVENT_TYPES.get(code)
    if event_type is None or not CODE_PATTERN.match(code):
        raise ValueError(f"Unknown event code {code!r}: add it to tenants/events/catalogue.py.")
    if not 1 <= version <= event_type.version:
        raise ValueError(f"{code} has no version {version}.")
    if not key or len(key) > 100:
        raise ValueError("An event key has 1 to 100 characters, e.g. 'order:123'.")
    if not isinstance(data, dict):
        raise TypeError("Event data is a dict of ids and small values.")
    label, info = _actor(actor)
    return Event(
        code=code,
        version=version,
        key=key,
        data=data,
        occurred_at=timezone.now(),
        actor_label=label,
        actor=info,
        dispatched_at=None,
    )


def publish(*, code: str, version: int = 1, key: str, data: dict, actor: Any = None) -> Event:
    """Insert the event in the current transaction (one INSERT, no savepoint) and have it
    dispatched when the transaction commits."""
    event = build_event(code=code, version=version, key=key, data=data, actor=actor)
    event.save(force_insert=True)
    after_publish()
    return event


class _DispatchSoon:
    """The on-commit hook; one per (transaction, schema), recognised by its type."""

    __slots__ = ("schema",)

    def __init__(self, schema: str):
        self.schema = schema

    def __call__(self) -> None:
        request_dispatch(self.schema)


def after_publish() -> None:
    """Have the outbox dispatched when the current transaction commits (at once outside a
    transaction). Registered at most once per transaction and schema: the pending hooks are
    the connection's own list, which Django empties at commit and rollback and trims when a
    savepoint rolls back."""
    schema = connection.schema_name
    if connection.in_atomic_block:
        for _savepoints, func, _robust in connection.run_on_commit:
            if type(func) is _DispatchSoon and func.schema == schema:
                return
    transaction.on_commit(_DispatchSoon(schema), robust=True)


def _pending_key(schema: str) -> str:
    # Carries the schema and the cache prefix, like every raw key (one Redis, many venues).
    return f"{schema}:{settings.CACHES['default'].get('KEY_PREFIX', '')}:{PENDING_KEY}"


def _redis():
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def request_dispatch(schema: str) -> bool:
    """Send the dispatch task for `schema` unless one is pending or under way (its flag is
    set): one round trip to Redis (SET NX EX) in the common case of a rush, plus the task
    message when none is. True when a task was sent. Never raises: the sale is committed
    already, and the periodic sweep picks up whatever a lost message left behind."""
    try:
        if not _redis().set(_pending_key(schema), 1, nx=True, ex=PENDING_SECONDS):
            return False
        send_task(DISPATCH_TASK, headers={"_schema_name": schema})
        return True
    except Exception:
        log.warning("events: could not request a dispatch for %s", schema, exc_info=True)
        return False


def send_task(name: str, *, args: tuple | list = (), headers: dict) -> None:
    """Send a task of this app by name, with the venue's schema in `headers`."""
    current_app.send_task(name, args=list(args), headers=headers)


def extend_dispatch_request(schema: str) -> None:
    """The dispatch task is still reading: commits need not send another."""
    _redis().set(_pending_key(schema), 1, ex=PENDING_SECONDS)


def clear_dispatch_request(schema: str) -> None:
    """The dispatch task is about to read the outbox one last time: a commit from now on
    sends a new task, a commit before is seen by this last read."""
    _redis().delete(_pending_key(schema))
