"""Orders in the back office: the filtered list, an order's tickets, payments and history,
its valid tickets, and the orders a programme change concerns."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from crm.search import matching_contact_ids
from tenants.accounts.models import AuditEvent
from tenants.accounts.selectors import object_history
from ticketing.models import Order, Payment, Performance, Ticket
from ticketing.models.orders import Channel


def order_list(
    *,
    query: str = "",
    performance: Performance | None = None,
    status: str = "",
    contact_id: int | None = None,
):
    """Orders, newest first, with what the list shows (buyer, valid ticket count, first
    performance's title and date): one query per page whatever the number of orders.
    `query`: a reference, or the buyer as `crm.search` finds contacts."""
    first = Ticket.objects.filter(order=OuterRef("pk")).order_by("id")
    qs = (
        Order.objects.select_related("contact")
        .annotate(
            ticket_count=Count("tickets", filter=Q(tickets__status=Ticket.Status.VALID)),
            show_title=Subquery(first.values("performance__show__title")[:1]),
            starts_at=Subquery(first.values("performance__starts_at")[:1]),
        )
        .order_by("-created_at", "-id")
    )
    query = query.strip()
    if query:
        # The buyer as the counter's search finds a contact (name without accents or with a
        # typo, part of an email, phone, postcode): one subquery, no extra round trip.
        qs = qs.filter(
            Q(reference__icontains=query.replace(" ", ""))
            | Q(contact_id__in=matching_contact_ids(query))
        )
    if performance is not None:
        qs = qs.filter(Exists(Ticket.objects.filter(order=OuterRef("pk"), performance=performance)))
    if status:
        qs = qs.filter(status=status)
    if contact_id:
        qs = qs.filter(Q(contact_id=contact_id) | Q(invited_by_id=contact_id))
    return qs


def order_tickets(order: Order) -> list[Ticket]:
    """The order's tickets, any status, with performance, seat, tariff, zone and exchange."""
    return list(
        order.tickets.select_related(
            "performance__show", "seat", "tariff", "performance_zone__zone", "exchanged_to__seat"
        )
    )


def order_payments(order: Order) -> list[Payment]:
    """The order's payments and refunds, oldest first, with who recorded them."""
    return list(order.payments.select_related("created_by"))


def order_events(order: Order) -> list[AuditEvent]:
    """The order's history (the audit trail's events about it), newest first, with who."""
    return object_history("ticketing.order", order.pk)


def valid_tickets(order: Order):
    """The order's valid tickets with their seat, tariff, zone and performance."""
    return order.tickets.filter(status=Ticket.Status.VALID).select_related(
        "seat", "tariff", "performance_zone__zone", "performance__show"
    )


def orders_affected_by(performance: Performance):
    """Orders with valid tickets for a performance: whom to tell about a programme change."""
    return (
        Order.objects.filter(tickets__performance=performance, tickets__status=Ticket.Status.VALID)
        .select_related("contact")
        .annotate(
            ticket_count=Count(
                "tickets",
                filter=Q(tickets__performance=performance, tickets__status=Ticket.Status.VALID),
            )
        )
        .distinct()
        .order_by("id")
    )


@dataclass
class IdentifiedShare:
    """Orders (and their valid tickets) of a performance whose buyer is a known contact."""

    channel: str
    label: str
    orders: int = 0
    identified_orders: int = 0
    tickets: int = 0
    identified_tickets: int = 0
    postcode_only: int = 0  # anonymous orders that left a postcode

    @property
    def percent(self) -> int:
        return round(100 * self.identified_orders / self.orders) if self.orders else 0


def identified_buyers(performance: Performance) -> list[IdentifiedShare]:
    """The share of identified buyers (a contact) of a performance, per channel, then all
    channels together (last), with the anonymous orders that left a postcode: one query over
    its valid tickets. Anonymous counter sales are the buyers the CRM never hears of."""
    known = Q(order__contact__isnull=False)
    rows = (
        Ticket.objects.filter(performance=performance, status=Ticket.Status.VALID)
        .values("order__channel")
        .annotate(
            orders=Count("order", distinct=True),
            identified_orders=Count("order", distinct=True, filter=known),
            tickets=Count("id"),
            identified_tickets=Count("id", filter=known),
            postcode_only=Count(
                "order", distinct=True, filter=~known & ~Q(order__buyer_postcode="")
            ),
        )
        .order_by("order__channel")
    )
    labels = dict(Channel.choices)
    shares = [
        IdentifiedShare(
            channel=row["order__channel"],
            label=str(labels.get(row["order__channel"], row["order__channel"])),
            orders=row["orders"],
            identified_orders=row["identified_orders"],
            tickets=row["tickets"],
            identified_tickets=row["identified_tickets"],
            postcode_only=row["postcode_only"],
        )
        for row in rows
    ]
    total = IdentifiedShare(channel="", label=str(_("All channels")))
    for share in shares:
        for name in (
            "orders",
            "identified_orders",
            "tickets",
            "identified_tickets",
            "postcode_only",
        ):
            setattr(total, name, getattr(total, name) + getattr(share, name))
    return [*shares, total]
