"""Journeys' consumer of ticketing's domain events (registered in CampaignsConfig.ready):
ticketing publishes, journeys subscribe; ticketing never calls campaigns. It runs in the
venue's schema, exactly once per event (tenants/events/registry.py); its writes are runs."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ticketing.models import Performance, Ticket

from .models import JourneyRun, Trigger
from .services import Entry, cancel_runs, enabled_journeys, enter_runs, move_runs

CONSUMER_NAME = "campaigns.journeys"
CODES = (
    "ticketing.order.confirmed",
    "ticketing.ticket.checked_in",
    "ticketing.performance.rescheduled",
    "ticketing.performance.cancelled",
    "ticketing.order.refunded",
    "ticketing.hold.expired",
)


def _moment(value, default: datetime) -> datetime:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    return parsed or default


def on_ticketing_event(event) -> None:
    data = event.data or {}
    handler = HANDLERS.get(event.code)
    if handler is not None:
        handler(data, event)


def _order_confirmed(data: dict, event) -> None:
    contact_id = data.get("contact_id")
    journeys = enabled_journeys(Trigger.BEFORE_PERFORMANCE)
    if not contact_id or not journeys:
        return
    starts = dict(
        Performance.objects.filter(pk__in=data.get("performance_ids") or []).values_list(
            "pk", "starts_at"
        )
    )
    entries = [
        Entry(
            contact_id=contact_id,
            occurrence=f"perf:{pk}",  # one reminder per contact and performance
            anchor=starts_at,
            performance_id=pk,
            order_id=data.get("order_id"),
        )
        for pk, starts_at in starts.items()
    ]
    enter_runs(journeys=journeys, entries=entries)


def _checked_in(data: dict, event) -> None:
    contact_id = data.get("contact_id")
    journeys = enabled_journeys(Trigger.AFTER_ATTENDANCE)
    if not contact_id or not journeys or not data.get("performance_id"):
        return
    entry = Entry(
        contact_id=contact_id,
        occurrence=f"perf:{data['performance_id']}",
        anchor=_moment(data.get("checked_in_at"), event.occurred_at),
        performance_id=data["performance_id"],
        order_id=data.get("order_id"),
        first_time=bool(data.get("first_time")),
    )
    enter_runs(journeys=journeys, entries=[entry])


def _rescheduled(data: dict, event) -> None:
    starts_at = _moment(data.get("starts_at"), None)
    if starts_at is not None and data.get("performance_id"):
        move_runs(performance_id=data["performance_id"], starts_at=starts_at)


def _cancelled(data: dict, event) -> None:
    if data.get("performance_id"):
        cancel_runs(performance_id=data["performance_id"], why="performance_cancelled")


def _refunded(data: dict, event) -> None:
    """The order's pending pre-show steps whose performance it has no valid ticket for any
    more go; if the contact holds another order for it, the step follows that order."""
    order_id = data.get("order_id")
    if not order_id:
        return
    runs = JourneyRun.objects.filter(
        order_id=order_id,
        status=JourneyRun.Status.SCHEDULED,
        journey__trigger=Trigger.BEFORE_PERFORMANCE,
    )
    for run in runs:
        other = (
            Ticket.objects.filter(
                performance_id=run.performance_id,
                status=Ticket.Status.VALID,
                order__contact_id=run.contact_id,
            )
            .values_list("order_id", flat=True)
            .first()
        )
        if other is None:
            JourneyRun.objects.filter(pk=run.pk, status=JourneyRun.Status.SCHEDULED).update(
                status=JourneyRun.Status.CANCELLED, outcome="order_refunded", done_at=timezone.now()
            )
        elif other != order_id:
            JourneyRun.objects.filter(pk=run.pk).update(order_id=other)


def _hold_expired(data: dict, event) -> None:
    contact_id = data.get("contact_id")
    journeys = enabled_journeys(Trigger.ABANDONED_CART)
    if not contact_id or not journeys or not data.get("performance_id"):
        return
    entry = Entry(
        contact_id=contact_id,
        occurrence=f"cart:perf:{data['performance_id']}",  # one reminder per performance
        anchor=event.occurred_at,
        performance_id=data["performance_id"],
        context={"hold_id": data.get("hold_id"), "seat_ids": data.get("seat_ids") or []},
    )
    enter_runs(journeys=journeys, entries=[entry])


HANDLERS = {
    "ticketing.order.confirmed": _order_confirmed,
    "ticketing.ticket.checked_in": _checked_in,
    "ticketing.performance.rescheduled": _rescheduled,
    "ticketing.performance.cancelled": _cancelled,
    "ticketing.order.refunded": _refunded,
    "ticketing.hold.expired": _hold_expired,
}
