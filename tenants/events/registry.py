"""Consumers of domain events, registered by the app that owns them from its
`AppConfig.ready()`; the publisher never knows who listens.

    from tenants.events.registry import consumer

    @consumer("campaigns.journeys", codes=["ticketing.order.*", "crm.contact.created"])
    def start_journeys(event):  # event: tenants.events.models.Event
        ...

A consumer runs in the venue's schema, inside the dispatcher's transaction and a savepoint of
its own, after its receipt row for the event was inserted: its database writes happen exactly
once. Side effects outside the database (HTTP, email) go in `transaction.on_commit`, or in a
Celery task sent from there, like the webhook consumer does. A consumer that raises is rolled
back alone and tried again later; it holds back the later events of the same key for itself
only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from .catalogue import matches

if TYPE_CHECKING:
    from .models import Event

Handler = Callable[["Event"], None]


@dataclass(frozen=True)
class Consumer:
    name: str
    codes: tuple[str, ...]
    handler: Handler
    # Optional: whether the consumer wants events of this code *now* (e.g. webhooks: only
    # while an active endpoint chose it). When it says no, the event needs no receipt from it.
    active: Callable[[str], bool] | None = None

    def wants(self, code: str) -> bool:
        return any(matches(pattern, code) for pattern in self.codes)

    def wants_now(self, code: str) -> bool:
        return self.active is None or self.active(code)


_CONSUMERS: dict[str, Consumer] = {}


def register_consumer(
    name: str,
    *,
    codes: Iterable[str],
    handler: Handler,
    active: Callable[[str], bool] | None = None,
) -> Consumer:
    """Register `handler` under a stable `name` (receipts are keyed by it: renaming a consumer
    makes it see every undispatched event again)."""
    codes = tuple(codes)
    if not name or len(name) > 100:
        raise ValueError("A consumer name has 1 to 100 characters.")
    if not codes:
        raise ValueError(f"Consumer {name!r} subscribes to no code.")
    existing = _CONSUMERS.get(name)
    if existing is not None and existing.handler is not handler:
        raise ValueError(f"Another consumer is already registered as {name!r}.")
    registered = Consumer(name=name, codes=codes, handler=handler, active=active)
    _CONSUMERS[name] = registered
    consumers_for.cache_clear()
    return registered


def consumer(
    name: str, *, codes: Iterable[str], active: Callable[[str], bool] | None = None
) -> Callable[[Handler], Handler]:
    """Decorator form of `register_consumer`."""

    def decorate(handler: Handler) -> Handler:
        register_consumer(name, codes=codes, handler=handler, active=active)
        return handler

    return decorate


def unregister_consumer(name: str) -> None:
    _CONSUMERS.pop(name, None)
    consumers_for.cache_clear()


@lru_cache(maxsize=1024)
def consumers_for(code: str) -> tuple[Consumer, ...]:
    """The consumers that want events of this code, in registration order."""
    return tuple(c for c in _CONSUMERS.values() if c.wants(code))


def all_consumers() -> list[Consumer]:
    return list(_CONSUMERS.values())
