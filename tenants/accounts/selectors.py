"""Reading the audit trail: an object's history, the latest activity. Each event comes with
its actor and API token (one query per list, whatever its length); its `label`, `who`,
`details` and `change_lines` put it in words (tenants/accounts/audit_labels.py)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from .models import AuditEvent


def _events():
    return AuditEvent.objects.select_related("actor", "api_token")


def object_history(object_type: str, object_id: int, *, limit: int = 100) -> list[AuditEvent]:
    """What happened to one object ("ticketing.performance", 12), newest first."""
    return objects_history([(object_type, object_id)], limit=limit)


def objects_history(refs: Iterable[tuple[str, int]], *, limit: int = 100) -> list[AuditEvent]:
    """What happened to several objects (a layout and its hall), newest first, in one query."""
    where = Q(pk__in=[])
    for object_type, object_id in refs:
        where |= Q(object_type=object_type, object_id=object_id)
    return list(_events().filter(where).order_by("-created_at", "-id")[:limit])


def recent_events(
    *, limit: int = 10, code_prefix: str = "", exclude_prefix: str = ""
) -> list[AuditEvent]:
    """The latest events of the current schema (a venue's, or the cooperative's), newest
    first; only the codes starting with `code_prefix`, or none of `exclude_prefix`'s."""
    events = _events()
    if code_prefix:
        events = events.filter(code__startswith=code_prefix)
    if exclude_prefix:
        events = events.exclude(code__startswith=exclude_prefix)
    return list(events.order_by("-created_at", "-id")[:limit])
