"""Ticketing's part of a person's data export (registered with crm.privacy by
TicketingConfig.ready): their orders, tickets and payments."""

from ticketing.models import Order


def orders_of(contact_id: int) -> list[dict]:
    orders = (
        Order.objects.filter(contact_id=contact_id)
        .prefetch_related("tickets__performance__show", "tickets__seat", "payments")
        .order_by("created_at")
    )
    return [
        {
            "reference": order.reference,
            "status": order.status,
            "channel": order.channel,
            "created_at": order.created_at.isoformat(),
            "total_cents": order.total_cents,
            "currency": order.currency,
            "tickets": [
                {
                    "show": ticket.performance.show.title,
                    "starts_at": ticket.performance.starts_at.isoformat(),
                    "seat": ticket.seat.label if ticket.seat else "",
                    "price_cents": ticket.price_cents,
                    "status": ticket.status,
                }
                for ticket in order.tickets.all()
            ],
            "payments": [
                {"method": p.method, "amount_cents": p.amount_cents, "status": p.status}
                for p in order.payments.all()
            ],
        }
        for order in orders
    ]
