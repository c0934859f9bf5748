"""Ticketing's consumers of domain events (registered by TicketingConfig.ready)."""

from tenants.events.models import Event
from tenants.events.registry import consumer
from ticketing.services.tickets import queue_confirmation_email


@consumer("ticketing.confirmation_email", codes=["ticketing.order.confirmed"])
def send_confirmation_email(event: Event) -> None:
    """Write the order's confirmation email row in the dispatcher's transaction (once: the
    receipt and the row's unique constraint); the email goes out from a task sent on commit."""
    order_id = event.data.get("order_id")
    if isinstance(order_id, int):  # (an event without one concerns no order of ours)
        queue_confirmation_email(order_id=order_id)
