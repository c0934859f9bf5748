"""Helpers of the door tests: a sold ticket and its QR text."""

from tests.ticketing.tickets_helpers import sell
from ticketing.models import Ticket
from ticketing.tickets.qr import ticket_payload


def sold_ticket(performance, label="A1", **kwargs) -> Ticket:
    order = sell(performance, label, **kwargs)
    return order.tickets.select_related("seat__section", "performance_zone__zone").get()


def qr(ticket: Ticket) -> str:
    return ticket_payload(ticket)
