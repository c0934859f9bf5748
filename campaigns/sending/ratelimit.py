"""The venue's sending rate (CommunicationSettings.rate_per_minute), shared by every worker.

A GCRA ("generic cell rate algorithm") kept in one Redis key per venue: the key holds the
theoretical arrival time (TAT) of the next message. A sender reserves `n` messages at once
(one round trip); the script moves the TAT by n × interval and answers how long to wait
before the first of them may leave; the sender then paces the n messages one interval apart.
Redis' own clock (TIME) is used, so workers on different machines agree. Reservations are
never refunded: a sender that stops early (pause, errors) wastes at most its reserved chunk
(a fraction of a second of sending).

Every key carries the venue's schema (one Redis, many venues)."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection

# KEYS[1]: the venue's TAT (microseconds, Redis clock). ARGV: interval (µs), n.
# Returns the wait (µs) before the first of the n reserved messages.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local interval = tonumber(ARGV[1])
local after = tat + interval * tonumber(ARGV[2])
local ttl = math.floor((after - now) / 1000) + 60000
redis.call('SET', KEYS[1], string.format('%d', after), 'PX', ttl)
return tat - now
"""

# A chunk is at most this much sending time (fewer round trips; a stop wastes at most this).
CHUNK_SECONDS = 0.25


def _redis():
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def rate_key(schema: str) -> str:
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return f"{schema}:{prefix}:campaigns:send-rate"


class RateLimiter:
    """`limiter.take()` before each message: returns at once without a rate (0), else sleeps
    until this message's turn in the venue's schedule."""

    def __init__(self, per_minute: int, *, schema: str | None = None, sleep=time.sleep):
        self.per_minute = max(0, int(per_minute))
        self.schema = schema or connection.schema_name
        self.sleep = sleep
        self._left = 0  # messages reserved and not sent yet
        self._next = 0.0  # monotonic time at which the next reserved one may leave
        if self.per_minute:
            self.interval = 60.0 / self.per_minute
            self.chunk = max(1, int(CHUNK_SECONDS / self.interval))
            self._script = _redis().register_script(_RESERVE)

    def take(self) -> None:
        if not self.per_minute:
            return
        if not self._left:
            wait_us = self._script(
                keys=[rate_key(self.schema)], args=[int(self.interval * 1_000_000), self.chunk]
            )
            self._left = self.chunk
            self._next = time.monotonic() + int(wait_us) / 1_000_000
        delay = self._next - time.monotonic()
        if delay > 0:
            self.sleep(delay)
        self._left -= 1
        self._next += self.interval
