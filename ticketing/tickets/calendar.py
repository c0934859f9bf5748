"""The order's performances as an iCalendar file (icalendar), attached to the confirmation."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar, Event

from ticketing.models import Order, Ticket

DEFAULT_DURATION = timedelta(hours=2)


def order_calendar(order: Order, tickets: list[Ticket], *, venue, ticket_url) -> bytes:
    """One VEVENT per performance (a family with four tickets gets one event), with the
    venue's address and the tickets' places. `ticket_url(ticket)` gives each ticket's page."""
    calendar = Calendar()
    calendar.add("prodid", "-//Parterre//Tickets//FR")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    by_performance: dict[int, list[Ticket]] = {}
    for ticket in tickets:
        by_performance.setdefault(ticket.performance_id, []).append(ticket)
    address = ", ".join(
        part
        for part in (venue.name, venue.street, f"{venue.postcode} {venue.city}".strip())
        if part
    )
    for performance_id, group in by_performance.items():
        performance = group[0].performance
        show = performance.show
        duration = (
            timedelta(minutes=show.duration_minutes) if show.duration_minutes else DEFAULT_DURATION
        )
        event = Event()
        event.add(
            "uid", f"{venue.schema_name}-order-{order.pk}-performance-{performance_id}@parterre"
        )
        event.add("dtstamp", order.created_at)
        event.add("dtstart", performance.starts_at)
        event.add("dtend", performance.starts_at + duration)
        event.add("summary", show.title)
        event.add("location", address)
        lines = [f"{order.reference}"]
        lines += [ticket_url(t) for t in group]
        if performance.access_info:
            lines.append(performance.access_info)
        event.add("description", "\n".join(lines))
        calendar.add_component(event)
    return calendar.to_ical()
