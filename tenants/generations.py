"""Process-local caches that stay right across processes, thanks to generation numbers.

Every request needs a few things that almost never change: which venue a host name is, the
API token it carries, the venue's sales settings. Reading them from PostgreSQL (or pickles
from Redis) on every request cost more than the order itself in an on-sale rush, so each
process keeps them in memory, and Redis keeps one number per schema, its *generation*:

- a write that changes such data calls `bump(schema)` (model signals do it for the models
  concerned; services that write with `QuerySet.update()` call it themselves). The number is
  incremented at once and again when the transaction commits, so that a reader who loaded
  the old rows in between stored them under a number that is already out of date;
- each request reads the numbers it needs once, with one MGET (VenueMiddleware: the
  cooperative's and its venue's), and `LocalCache` serves an entry only while the number it
  was stored under is the current one.

Outside a request (Celery tasks, management commands, tests calling services), or when Redis
does not answer, nothing is served from these caches: the database is read, as before. A
process that found Redis away forgets its entries, and a bump it could not make is made as
soon as Redis answers again; entries also expire after five minutes whatever happens.
"""

from __future__ import annotations

import logging
import time
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connection, transaction

log = logging.getLogger(__name__)

MISSING = object()
PUBLIC = "public"

# The numbers read at the start of the current request: schema → generation (None: unknown).
_numbers: ContextVar[dict[str, int | None] | None] = ContextVar("generations", default=None)


def _redis():
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def _key(schema: str) -> str:
    return f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:generation:{schema}"


# Schemas whose bump could not reach Redis, bumped again as soon as it answers.
_pending: set[str] = set()
_WARN_EVERY_S = 60.0
_last_warning = 0.0


def _warn(message: str, *args) -> None:
    """Log a Redis failure at most once a minute per process (every request would)."""
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= _WARN_EVERY_S:
        _last_warning = now
        log.warning(message, *args, exc_info=True)


def read(schemas: list[str]) -> dict[str, int | None]:
    """The current numbers of these schemas (0 for a schema never bumped; None for all of
    them when Redis does not answer)."""
    try:
        client = _redis()
        for schema in list(_pending):  # bumps that failed while Redis was away, made now
            client.incr(_key(schema))
            _pending.discard(schema)
        values = client.mget([_key(s) for s in schemas])
    except Exception:  # the caches are an optimisation: without Redis, read the database
        _warn("generations: Redis did not answer, local caches are off")
        # What they hold may change unseen meanwhile: start again from the database.
        clear_local_caches()
        return dict.fromkeys(schemas)
    return {s: int(v or 0) for s, v in zip(schemas, values, strict=True)}


def begin_request(numbers: dict[str, int | None]) -> object:
    """`numbers` stays live: the caller may add schemas to it during the request."""
    return _numbers.set(numbers)


def end_request(token: object) -> None:
    _numbers.reset(token)


def current(schema: str) -> int | None:
    numbers = _numbers.get()
    return None if numbers is None else numbers.get(schema)


def bump(schema: str | None = None) -> None:
    """What this schema's local caches hold is changing: no process serves it any more,
    this request included."""
    schema = schema or connection.schema_name

    def incr() -> None:
        numbers = _numbers.get()
        if numbers is not None:
            numbers[schema] = None
        try:
            _redis().incr(_key(schema))
        except Exception:
            _warn("generations: could not bump %s", schema)
            _pending.add(schema)  # made by the next read that reaches Redis

    incr()
    transaction.on_commit(incr)


_CACHES: list[LocalCache] = []


def clear_local_caches() -> None:
    """Forget every entry of this process (tests: a rolled-back test transaction changes
    rows without bumping anything)."""
    for local in _CACHES:
        local.clear()


class LocalCache:
    """A bounded dict of this process, per schema, valid while the schema's generation is
    the one read at the start of the request, and for MAX_AGE_S at most (a safety net for
    what no generation covers, e.g. Redis restarted empty)."""

    MAX_AGE_S = 300.0

    def __init__(self, name: str, size: int = 2048):
        self.name = name
        self.size = size
        self._data: dict[tuple[str, Any], tuple[int, float, Any]] = {}
        _CACHES.append(self)

    def get(self, key: Any, schema: str | None = None) -> Any:
        schema = schema or connection.schema_name
        number = current(schema)
        if number is None:
            return MISSING
        entry = self._data.get((schema, key))
        if entry is None or entry[0] != number or entry[1] < time.monotonic():
            return MISSING
        return entry[2]

    def set(self, key: Any, value: Any, schema: str | None = None) -> None:
        schema = schema or connection.schema_name
        number = current(schema)
        if number is None:
            return
        if len(self._data) >= self.size:
            self._data.clear()
        self._data[(schema, key)] = (number, time.monotonic() + self.MAX_AGE_S, value)

    def clear(self) -> None:
        self._data.clear()


def bump_on_write(*models, schema: str | None = None) -> None:
    """Bump `schema` (default: the schema being written) whenever one of these models is
    saved or deleted through the ORM. QuerySet.update() sends no signal: services that use it
    on such a model call bump() themselves."""
    from django.db.models.signals import post_delete, post_save

    def handler(sender, **kwargs) -> None:
        bump(schema)

    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(
                handler,
                sender=model,
                weak=False,
                dispatch_uid=f"generations:{model._meta.label}:{signal is post_save}",
            )
