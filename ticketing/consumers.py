"""Ticketing's consumers of domain events (registered by TicketingConfig.ready)."""

from tenants.events.models import Event
from tenants.events.registry import consumer
from ticketing.services import merges
from ticketing.services.tickets import queue_confirmation_email


@consumer("ticketing.confirmation_email", codes=["ticketing.order.confirmed"])
def send_confirmation_email(event: Event) -> None:
    """Write the order's confirmation email row in the dispatcher's transaction (once: the
    receipt and the row's unique constraint); the email goes out from a task sent on commit."""
    order_id = event.data.get("order_id")
    if isinstance(order_id, int):  # (an event without one concerns no order of ours)
        queue_confirmation_email(order_id=order_id)


@consumer("ticketing.follow_merges", codes=["crm.contact.merged", "crm.contact.unmerged"])
def follow_merges(event: Event) -> None:
    """A merge moves the absorbed contact's orders and tickets to the kept contact; undoing it
    moves exactly those back (ticketing.services.merges)."""
    data = event.data or {}
    ids = [data.get(k) for k in ("merge_id", "kept_id", "absorbed_id")]
    if not all(isinstance(i, int) for i in ids):
        return
    merge_id, kept_id, absorbed_id = ids
    if event.code == "crm.contact.merged":
        merges.follow_contact_merge(merge_id=merge_id, kept_id=kept_id, absorbed_id=absorbed_id)
    else:
        merges.undo_contact_merge(merge_id=merge_id, kept_id=kept_id, absorbed_id=absorbed_id)
