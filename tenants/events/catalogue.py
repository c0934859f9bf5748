"""The catalogue of domain events: every code a service may publish, its current version and
the fields of its `data`. One list, read by `publish` (an unknown code is a programming
error), by the webhook forms and API (which codes an endpoint may choose) and by
docs/events.md (keep them in step).

Codes are dotted, `<app>.<object>.<what happened>`; `data` holds ids and small values, never
model instances. A change that removes or renames a field bumps the version; adding a field
does not.
"""

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import lru_cache

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class EventType:
    code: str
    version: int
    label: str
    # field name → what it holds
    fields: dict[str, str] = field(default_factory=dict)


EVENT_TYPES: dict[str, EventType] = {
    t.code: t
    for t in (
        EventType(
            "ticketing.order.confirmed",
            1,
            _("Order confirmed"),
            {
                "order_id": "order id",
                "reference": "order reference shown to the buyer",
                "performance_ids": "performances the tickets are for",
                "contact_id": "buyer's contact id, or null",
                "tickets": "number of tickets",
                "total_cents": "amount due, in cents",
                "currency": "ISO 4217 code",
                "channel": "box_office, web or api",
                "marketing_ref": "storefront visitor's marketing reference (tracked link cookie)",
                "promo_codes": "promo codes used, upper case",
            },
        ),
        EventType(
            "ticketing.order.refunded",
            1,
            _("Order refunded"),
            {
                "order_id": "order id",
                "reference": "order reference",
                "amount_cents": "amount refunded, in cents",
                "ticket_ids": "tickets cancelled by the refund",
            },
        ),
        EventType(
            "ticketing.order.exchanged",
            1,
            _("Tickets exchanged"),
            {
                "order_id": "order id",
                "reference": "order reference",
                "old_ticket_ids": "tickets given back",
                "new_ticket_ids": "tickets issued instead",
                "difference_cents": "price difference paid (positive) or refunded (negative)",
            },
        ),
        EventType(
            "ticketing.order.disputed",
            1,
            _("Payment disputed"),
            {
                "order_id": "order id",
                "reference": "order reference",
                "amount_cents": "amount disputed, in cents",
                "reason": "the card holder's reason, as the provider gives it",
            },
        ),
        EventType(
            "ticketing.payment.refunded_unfulfilled",
            1,
            _("Late payment refunded (places no longer available)"),
            {
                "payment_id": "online payment id",
                "performance_id": "performance the places were for",
                "email": "buyer's email, to tell them",
                "first_name": "buyer's first name",
                "language": "buyer's language",
                "amount_cents": "amount refunded, in cents",
                "currency": "ISO 4217 code",
                "reason": "refunded (places taken) or refunded_price (price changed)",
            },
        ),
        EventType(
            "ticketing.ticket.checked_in",
            1,
            _("Ticket checked in at the door"),
            {
                "ticket_id": "ticket id",
                "order_id": "order id",
                "performance_id": "performance the ticket is for",
                "contact_id": "who came (the ticket's holder, else the buyer), or null",
                "door": "the door's name",
                "checked_in_at": "when (ISO 8601; the device's clock for an offline scan)",
                "offline": "scanned offline and synced later",
                "first_time": "the contact had never come before",
            },
        ),
        EventType(
            "ticketing.order.cancelled",
            1,
            _("Order cancelled"),
            {"order_id": "order id", "reference": "order reference"},
        ),
        EventType(
            "ticketing.reservation.created",
            1,
            _("Seats reserved, to pay later"),
            {
                "order_id": "order id",
                "reference": "order reference",
                "pay_by": "deadline (ISO 8601): paid by then or released",
                "contact_id": "buyer's contact id, or null",
                "channel": "box_office or phone",
                "total_cents": "amount due, in cents",
            },
        ),
        EventType(
            "ticketing.reservation.expired",
            1,
            _("Reservation expired: seats released"),
            {
                "order_id": "order id",
                "reference": "order reference",
                "pay_by": "the deadline that passed (ISO 8601)",
                "contact_id": "buyer's contact id, or null",
            },
        ),
        EventType(
            "ticketing.invitation.issued",
            1,
            _("Invitation issued"),
            {
                "order_id": "order id",
                "reference": "order reference",
                "reason": "press, artist, partner, professional, staff or other",
                "contact_id": "the guest's contact id, or null",
                "invited_by_id": "contact id of who invites, or null",
                "tickets": "number of free tickets",
            },
        ),
        EventType(
            "ticketing.performance.rescheduled",
            1,
            _("Performance rescheduled"),
            {
                "performance_id": "performance id",
                "show_id": "show id",
                "old_starts_at": "previous start (ISO 8601)",
                "starts_at": "new start (ISO 8601)",
            },
        ),
        EventType(
            "ticketing.performance.cancelled",
            1,
            _("Performance cancelled"),
            {"performance_id": "performance id", "show_id": "show id"},
        ),
        EventType(
            "ticketing.hold.expired",
            1,
            _("Hold expired"),
            {
                "hold_id": "hold id",
                "performance_id": "performance id",
                "places": "places freed",
                "contact_id": "the spectator's contact id when the storefront knew them, or null",
                "seat_ids": "seats the cart held (seat ids), for a known spectator; else []",
            },
        ),
        EventType(
            "ticketing.companion.added",
            1,
            _("Companion added to an order"),
            {
                "order_id": "order id",
                "reference": "order reference",
                "contact_id": "the companion's contact id",
                "buyer_contact_id": "the buyer's contact id",
                "ticket_id": "the ticket assigned to the companion, or null",
            },
        ),
        EventType(
            "crm.contact.created",
            1,
            _("Contact created"),
            {"contact_id": "contact id", "source": "box_office, web, import, backoffice…"},
        ),
        EventType(
            "crm.contact.updated",
            1,
            _("Contact updated"),
            {
                "contact_id": "contact id",
                "source": "where the change came from",
                "fields": "names of the fields that changed",
            },
        ),
        EventType(
            "crm.contact.anonymised",
            1,
            _("Contact anonymised"),
            {"contact_id": "contact id (the row stays, with nothing identifying left)"},
        ),
        EventType(
            "crm.contact.merged",
            1,
            _("Contacts merged"),
            {
                "merge_id": "merge id (to undo it)",
                "kept_id": "contact id that remains",
                "absorbed_id": "contact id merged into it (kept, with merged_into set)",
                "automatic": "true when merged by the venue's automatic threshold",
                "score": "duplicate score of the pair, or null",
            },
        ),
        EventType(
            "crm.contact.unmerged",
            1,
            _("Merge undone"),
            {
                "merge_id": "merge id",
                "kept_id": "contact id that had absorbed the other",
                "absorbed_id": "contact id restored as a contact of its own",
            },
        ),
        EventType(
            "crm.contact.criteria_changed",
            1,
            _("Contact's automatic criteria changed"),
            {
                "contact_id": "contact id",
                "criteria": "criteria the contact meets now (first_timer, regular…)",
                "added": "criteria gained",
                "removed": "criteria lost",
            },
        ),
    )
}


def is_known(code: str) -> bool:
    return code in EVENT_TYPES


def is_pattern(code: str) -> bool:
    return "*" in code


@lru_cache(maxsize=4096)
def matches(pattern: str, code: str) -> bool:
    """`ticketing.order.*` matches `ticketing.order.confirmed`; `*` matches every code."""
    return fnmatchcase(code, pattern) if is_pattern(pattern) else pattern == code


def codes_matching(pattern: str) -> list[str]:
    return [code for code in EVENT_TYPES if matches(pattern, code)]


def choices() -> list[tuple[str, str]]:
    """(code, label) of every event type, for forms."""
    return [(t.code, t.label) for t in EVENT_TYPES.values()]
