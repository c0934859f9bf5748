"""Audit events in words: a plain-language label per dotted code, who did it, and the changes.

Every code recorded anywhere has a label here (tests/tenants/test_audit.py scans the source).
Each app registers its own codes from its AppConfig.ready (e.g. ticketing/audit_labels.py), so
`tenants` never imports the apps above it; the codes of `accounts` and `tenants` are below.
Labels are lazy: they are translated when shown, in the reader's language.
"""

from __future__ import annotations

from datetime import datetime

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

_LABELS: dict[str, object] = {}
_DETAILS: dict[str, object] = {}
_CHANGED_MODELS: dict[str, str] = {}


def register_labels(
    labels: dict[str, object],
    details: dict[str, object] | None = None,
    changed_models: dict[str, str] | None = None,
) -> None:
    """Add labels for dotted codes ({"ticketing.order.created": gettext_lazy("…")}), and
    optionally a detail line per code: a lazy text formatted with the event's data
    ("%(seats)s seats") or a function of the event returning the text; and, for a code whose
    `changes` are fields of another model than its object's, that model ("ticketing.seat" for
    the seats of a layout), which names the fields."""
    for code, label in labels.items():
        assert code.count(".") >= 2, f"audit codes are app.object.verb: {code!r}"
        _LABELS[code] = label
    for code, detail in (details or {}).items():
        assert code in _LABELS, f"a detail for a code without a label: {code!r}"
        _DETAILS[code] = detail
    for code, model in (changed_models or {}).items():
        assert code in _LABELS, f"a changed model for a code without a label: {code!r}"
        _CHANGED_MODELS[code] = model


class _Filled(dict):
    """Event data for a detail text: a missing or empty value leaves the detail out."""

    def __getitem__(self, key):
        value = super().__getitem__(key)
        if value in ("", None, [], {}):
            raise KeyError(key)
        return value


def details_for(event) -> str:
    """The code's detail line for this event ("" if none, or if its data lacks a value)."""
    detail = _DETAILS.get(event.code)
    if detail is None:
        return ""
    if callable(detail) and not isinstance(detail, Promise):
        return detail(event)
    try:
        return str(detail) % _Filled(event.data or {})
    except (KeyError, TypeError, ValueError):
        return ""


def registered_codes() -> set[str]:
    return set(_LABELS)


def label_for(code: str) -> str:
    """The code's label in the active language; the code itself if none is registered."""
    label = _LABELS.get(code)
    return str(label) if label is not None else code


def who(event) -> str:
    """Who did it: the person's current name (else the name kept when they were deleted),
    « API token “name” », System, or Spectator."""
    kind = event.actor_kind
    if kind == "api_token":
        name = event.api_token.name if event.api_token_id else event.actor_label
        return _("API token “%(name)s”") % {"name": name}
    if kind == "spectator":
        return _("Spectator")
    if kind == "system":
        return _("System")
    if event.actor_id is not None:
        return event.actor.get_full_name()
    return event.actor_label or _("System")


def _model(object_type: str):
    try:
        return apps.get_model(object_type) if object_type.count(".") == 1 else None
    except LookupError:
        return None


def _value(field, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, str) and (field is None or isinstance(field, models.DateTimeField)):
        moment = parse_datetime(value) if len(value) >= 16 and value[4:5] == "-" else None
        if isinstance(moment, datetime) and timezone.is_aware(moment):
            return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    if isinstance(value, list):
        return ", ".join(_value(field, v) for v in value)
    return str(value)


def change_lines(event) -> list[tuple[str, str, str]]:
    """The event's `changes` as (field, before, after) in words: the field's verbose name and
    choice labels when the object type is a model, dates in the active (venue) time zone."""
    if not event.changes:
        return []
    model = _model(_CHANGED_MODELS.get(event.code, event.object_type))
    names = list(event.changes)
    if model is not None:  # in the model's field order (jsonb keeps keys in its own order)
        order = {f.name: i for i, f in enumerate(model._meta.get_fields())}
        names.sort(key=lambda name: order.get(name, len(order)))
    lines = []
    for name in names:
        pair = event.changes[name]
        field = None
        if model is not None:
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                field = None
        label = capfirst(str(getattr(field, "verbose_name", "") or name.replace("_", " ")))
        before, after = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
        lines.append((label, _value(field, before), _value(field, after)))
    return lines


register_labels(
    {
        "accounts.staff.invited": gettext_lazy("Staff member invited"),
        "accounts.staff.reinvited": gettext_lazy("Invitation sent again"),
        "accounts.staff.invitation_accepted": gettext_lazy("Invitation accepted"),
        "accounts.staff.role_changed": gettext_lazy("Role changed"),
        "accounts.staff.deactivated": gettext_lazy("Staff account deactivated"),
        "accounts.staff.reactivated": gettext_lazy("Staff account reactivated"),
        "accounts.token.created": gettext_lazy("API token created"),
        "accounts.token.revoked": gettext_lazy("API token revoked"),
        "tenants.venue.created": gettext_lazy("Venue created"),
        "tenants.venue.suspended": gettext_lazy("Venue suspended"),
        "tenants.venue.reactivated": gettext_lazy("Venue reactivated"),
        "tenants.venue.profile_updated": gettext_lazy("Venue profile updated"),
        "tenants.venue.kind_changed": gettext_lazy("Kind of venue changed"),
        "tenants.figures.published": gettext_lazy("Figures shared with the cooperative"),
        "tenants.figures.read": gettext_lazy("Cooperative figures consulted"),
        "tenants.figures.compared": gettext_lazy("Venue compared with the cooperative's medians"),
    },
    details={
        "accounts.staff.invited": "%(email)s",
        "accounts.staff.reinvited": "%(email)s",
        "accounts.staff.role_changed": "%(email)s",
        "accounts.staff.deactivated": "%(email)s",
        "accounts.staff.reactivated": "%(email)s",
        "accounts.token.created": "“%(name)s” (%(user)s)",
        "accounts.token.revoked": "“%(name)s”",
        "tenants.venue.created": "%(venue)s",
        "tenants.venue.suspended": "%(venue)s",
        "tenants.venue.reactivated": "%(venue)s",
        "tenants.venue.kind_changed": "%(venue)s",
        "tenants.figures.published": "%(venue)s %(season)s",
        "tenants.figures.read": "%(season)s",
        "tenants.figures.compared": "%(venue)s %(season)s",
    },
)
