"""Reads about tickets as documents: the door's revocation list and bundle, a ticket by its
unguessable link, an order's tickets ready to print, the promotion a ticket carries."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from crm.models import Contact
from ticketing.models import Order, OrderEmail, OrderExtra, Ticket, TicketPromotion
from ticketing.tickets import keys
from ticketing.tickets.qr import place_label

# A ticket in one of these states must be refused at the door.
REVOKED_STATUSES = (Ticket.Status.CANCELLED, Ticket.Status.REFUNDED, Ticket.Status.EXCHANGED)
# A refunded order's ticket pages stay reachable, to say the ticket is no longer valid.
REVOKED_ORDER_STATUSES = (Order.Status.REFUNDED,)
# Only a paid order's tickets are printed, shown or sent: an order still waiting for its
# online payment has valid tickets (its places are taken) that must not open the door yet.
ISSUED_ORDER_STATUSES = (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED)
DOCUMENT_RELATED = (
    "order__contact",
    "performance__show",
    "performance__layout__hall",
    "seat__section",
    "tariff",
    "performance_zone__zone",
)


def revoked_ticket_ids(performance_id: int, since: datetime | None = None) -> list[int]:
    """Ids of the performance's tickets that no longer admit anyone (cancelled, refunded or
    exchanged), in id order; with `since`, only those revoked at or after it (a door device's
    incremental sync). One query on the (performance, status) index."""
    qs = Ticket.objects.filter(performance_id=performance_id, status__in=REVOKED_STATUSES)
    if since is not None:
        # Tickets revoked before revoked_at existed have none: always part of the list.
        qs = qs.filter(Q(revoked_at__gte=since) | Q(revoked_at__isnull=True))
    return list(qs.order_by("id").values_list("id", flat=True))


def code_hash(code: str) -> str:
    """What the offline bundle holds instead of a ticket's code (its page's bearer token): the
    door device hashes a typed code the same way (SHA-256, first 16 bytes, hex)."""
    return hashlib.sha256(code.encode()).hexdigest()[:32]


def attendee_id(ticket: Ticket) -> int | None:
    """Who came on this ticket: its holder (a companion with a ticket of their own), else the
    buyer; None for an anonymous counter sale."""
    return ticket.holder_contact_id or ticket.order.contact_id


def bundle_tickets(performance_id: int, since: datetime | None = None) -> list[dict]:
    """The performance's tickets that open the door, for offline scanning: id, the hash of its
    typed code, seat or zone, tariff, whether the holder comes for the first time and when it
    was let in (a device starting mid-show knows who is in). With `since`, only those sold or
    let in at or after it. Two queries (tickets, first-timers)."""
    qs = Ticket.objects.filter(
        performance_id=performance_id,
        status=Ticket.Status.VALID,
        order__status__in=ISSUED_ORDER_STATUSES,
    )
    if since is not None:
        qs = qs.filter(Q(created_at__gte=since) | Q(checked_in_at__gte=since))
    rows = list(
        qs.select_related("order", "tariff", "seat__section", "performance_zone__zone").order_by(
            "id"
        )
    )
    contacts = {attendee_id(t) for t in rows} - {None}
    newcomers = set(
        Contact.objects.filter(pk__in=contacts, attendance_count=0).values_list("pk", flat=True)
    )
    return [
        {
            "id": t.pk,
            "code_hash": code_hash(t.code),
            "label": place_label(t),
            "tariff": t.tariff.name,
            "first_time": attendee_id(t) in newcomers,
            "checked_in_at": t.checked_in_at.isoformat() if t.checked_in_at else None,
        }
        for t in rows
    ]


def door_bundle(performance_id: int | None = None, since: datetime | None = None) -> dict:
    """What a door device downloads before going offline: the venue's public key (and its id,
    as found in every QR) and, for a performance, the tickets to refuse and the tickets that
    open the door (docs/door.md)."""
    row = keys.signing_key()
    bundle = {
        "format": "parterre-ticket-v1",
        "algorithm": "Ed25519",
        "key_id": row.key_id,
        "public_key": row.public_key,
        "generated_at": timezone.now().isoformat(),
    }
    if performance_id is not None:
        bundle["performance_id"] = performance_id
        bundle["since"] = since.isoformat() if since else None
        bundle["revoked_ticket_ids"] = revoked_ticket_ids(performance_id, since)
        bundle["tickets"] = bundle_tickets(performance_id, since)
    return bundle


def ticket_by_link_token(token: str) -> Ticket | None:
    """The ticket whose page this unguessable token opens (its random `code`), or None."""
    if not token or len(token) > Ticket._meta.get_field("code").max_length:
        return None
    return (
        Ticket.objects.select_related(*DOCUMENT_RELATED)
        .filter(code=token, order__status__in=ISSUED_ORDER_STATUSES + REVOKED_ORDER_STATUSES)
        .first()
    )


def order_documents(order: Order, *, ticket_ids: list[int] | None = None) -> list[Ticket]:
    """The order's valid tickets with everything a PDF or email prints, one query; none
    while the order is not paid."""
    if order.status not in ISSUED_ORDER_STATUSES:
        return []
    qs = order.tickets.filter(status=Ticket.Status.VALID).select_related(*DOCUMENT_RELATED)
    if ticket_ids is not None:
        qs = qs.filter(id__in=ticket_ids)
    return list(qs.order_by("performance__starts_at", "id"))


def order_extras(order: Order) -> list[OrderExtra]:
    """The extras the order still holds (a drink, the programme book…), printed on the tickets
    and listed in the email; none while the order is not paid. One query."""
    if order.status not in ISSUED_ORDER_STATUSES:
        return []
    lines = order.extras.filter(status=OrderExtra.Status.VALID).select_related("extra")
    return list(lines.order_by("id"))


def active_promotions(*, at: datetime | None = None) -> list[TicketPromotion]:
    """Promotions not expired yet, newest first, with their show."""
    at = at or timezone.now()
    return list(TicketPromotion.objects.filter(expires_at__gt=at).select_related("show"))


def promotion_for(ticket: Ticket, promotions: list[TicketPromotion]) -> TicketPromotion | None:
    """The promotion printed on this ticket: the newest still valid one for another show."""
    for promotion in promotions:
        if promotion.show_id != ticket.performance.show_id:
            return promotion
    return None


def order_emails(order: Order) -> list[OrderEmail]:
    return list(OrderEmail.objects.filter(order=order).order_by("-created_at", "-id"))


def all_promotions() -> list[TicketPromotion]:
    return list(TicketPromotion.objects.select_related("show").order_by("-expires_at", "-id"))
