"""Writing the audit trail (tenants.accounts.models.AuditEvent): what, on which object, who.

    record_event(code="ticketing.performance.rescheduled", actor=request.user, obj=performance,
                 changes={"starts_at": [old, new]}, data={"reason": reason})

Who is worked out here, once, for every caller:
- `actor` a staff member → "user"; when the request authenticated with an API token (set by
  tenants.accounts.api_auth for the request's duration) → "api_token", naming the token;
- no actor → the request's API token if any; else "spectator" inside a web request (nobody
  logged in: the storefront) and "system" outside one (Celery tasks, commands). Work the
  platform does on its own during a request runs in `with as_system():`.
The request scope is opened and closed by AuditContextMiddleware, so a token never outlives
its request (DRF authenticates lazily, inside the view: the middleware still encloses it).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import models
from django.utils import timezone

from .models import ApiToken, AuditEvent, User

Kind = AuditEvent.ActorKind


@dataclass
class _Scope:
    kind: str  # who acts when no actor is given (and no token)
    api_token: ApiToken | None = None


_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar("audit_scope", default=None)


@contextmanager
def request_scope() -> Iterator[None]:
    """One web request: events without an actor are the spectator's, until a token says
    otherwise (set_api_token). Reset on the way out, whatever happens."""
    reset = _scope.set(_Scope(kind=Kind.SPECTATOR))
    try:
        yield
    finally:
        _scope.reset(reset)


@contextmanager
def as_system() -> Iterator[None]:
    """Events recorded in this block without an actor are the system's (and no token's)."""
    reset = _scope.set(_Scope(kind=Kind.SYSTEM))
    try:
        yield
    finally:
        _scope.reset(reset)


def set_api_token(token: ApiToken) -> None:
    """The current request authenticated with this token (called by the API authentication).
    Outside a request scope (a view called without the middleware) it holds for the rest of
    the current context."""
    scope = _scope.get()
    if scope is None:
        _scope.set(_Scope(kind=Kind.SYSTEM, api_token=token))
    else:
        scope.api_token = token


def current_api_token() -> ApiToken | None:
    scope = _scope.get()
    return scope.api_token if scope is not None else None


def object_type_of(obj: models.Model) -> str:
    """ "app_label.model" ("ticketing.performance", "accounts.user", "tenants.venue")."""
    return obj._meta.label_lower


def _plain(value):
    """A JSON value for `changes`: dates as ISO strings, decimals as text, rows as their id."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or ""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def new_event(
    *,
    code: str,
    actor: User | None = None,
    object_type: str,
    object_id: int | None = None,
    data: dict | None = None,
    changes: dict | None = None,
) -> AuditEvent:
    """An unsaved AuditEvent with every field filled (who from the request's context), for
    a caller that inserts it itself (the sale's one multi-table INSERT). Runs no query."""
    user = actor if actor is not None and getattr(actor, "pk", None) else None
    scope = _scope.get()
    token = scope.api_token if scope is not None else None
    actor_id = user.pk if user is not None else None
    if token is not None:
        kind, label = Kind.API_TOKEN, token.name
        if user is None:  # the token's owner (loaded with the token by authenticate_token)
            actor_id = token.user_id
            user = token.user if ApiToken.user.field.is_cached(token) else None
    elif user is not None:
        kind, label = Kind.USER, str(user)
    else:
        kind = scope.kind if scope is not None else Kind.SYSTEM
        label = str(kind)
    event = AuditEvent(
        code=code,
        object_type=object_type,
        object_id=object_id,
        actor_kind=kind,
        actor_id=actor_id,
        api_token_id=token.pk if token is not None else None,
        actor_label=label,
        changes={name: [_plain(old), _plain(new)] for name, (old, new) in changes.items()}
        if changes
        else {},
        data=data or {},
        created_at=timezone.now(),
    )
    # Cached, not assigned: reading event.actor later costs no query either.
    if user is not None:
        AuditEvent.actor.field.set_cached_value(event, user)
    if token is not None:
        AuditEvent.api_token.field.set_cached_value(event, token)
    return event


def record_event(
    *,
    code: str,
    actor: User | None = None,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
    data: dict | None = None,
    changes: dict | None = None,
) -> AuditEvent:
    """Append one event. `obj` names the object (or give `object_type` and `object_id`);
    `changes` is {field: (old, new)} for an update; `data` anything else worth keeping."""
    if obj is not None:
        object_type = object_type or object_type_of(obj)
        object_id = obj.pk if object_id is None else object_id
    event = new_event(
        code=code,
        actor=actor,
        object_type=object_type or "",
        object_id=object_id,
        data=data,
        changes=changes,
    )
    event.save(force_insert=True)
    return event


def changed_fields(obj: models.Model, values: dict) -> dict:
    """{field: (current, new)} for the values that differ from obj's: what an update changes."""
    return {
        name: (getattr(obj, name), value)
        for name, value in values.items()
        if getattr(obj, name) != value
    }
