"""Reads for the door: which ticket a scanned text names, the live counter, the conflicts to
show staff, the performances a door may admit today. (What a device keeps for offline
scanning is the door bundle: ticketing.selectors.tickets.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from crm.models import Contact
from ticketing.models import CheckIn, Performance, Ticket
from ticketing.tickets import keys
from ticketing.tickets.payload import PREFIX, InvalidTicketPayload, verify_ticket_payload

from .availability import performance_figures
from .tickets import ISSUED_ORDER_STATUSES

# The longest text a door sends (a QR payload is at most 400 characters, a typed code 32).
MAX_SCANNED_LENGTH = 400
DOOR_RELATED = ("order", "tariff", "seat__section", "performance_zone__zone", "performance__show")


@dataclass(frozen=True)
class Scanned:
    """What a scanned text names: the ticket (None when it names none of this venue's), and
    when it does not, why (the signature check's code, or `not_found`)."""

    ticket: Ticket | None
    reason: str = ""


def scanned_ticket(text: str) -> Scanned:
    """The ticket a QR payload (`PT:…`, signature verified with the venue's key) or a typed
    ticket code names. One query for the key, one for the ticket (with what the door shows)."""
    text = (text or "").strip()
    if not text or len(text) > MAX_SCANNED_LENGTH:
        return Scanned(None, "malformed")
    tickets = Ticket.objects.select_related(*DOOR_RELATED)
    if text.upper().startswith(PREFIX):
        try:
            claims = verify_ticket_payload(
                PREFIX + text[len(PREFIX) :], keys.signing_key().public_key
            )
        except InvalidTicketPayload as error:
            return Scanned(None, error.code)
        ticket = tickets.filter(pk=claims.ticket_id, performance_id=claims.performance_id).first()
    elif len(text) <= Ticket._meta.get_field("code").max_length:
        ticket = tickets.filter(code=text).first()
    else:
        return Scanned(None, "malformed")
    return Scanned(ticket, "" if ticket else "not_found")


def is_issued(ticket: Ticket) -> bool:
    """Only a paid order's tickets open the door (a reservation not paid yet does not)."""
    return ticket.order.status in ISSUED_ORDER_STATUSES


def first_time(contact_id: int | None) -> bool:
    """Whether this contact never came to the venue before (crm's behaviour columns)."""
    if contact_id is None:
        return False
    count = Contact.objects.filter(pk=contact_id).values_list("attendance_count", flat=True)
    return next(iter(count), None) == 0


def first_check_in(ticket_id: int) -> CheckIn | None:
    """The scan that let this ticket in."""
    return (
        CheckIn.objects.filter(ticket_id=ticket_id, result=CheckIn.Result.VALID)
        .order_by("scanned_at", "id")
        .first()
    )


def door_counts(performance: Performance) -> dict:
    """The live counter: tickets let in / sold / capacity, and let in by door. Three queries."""
    figures = performance_figures([performance.pk])[performance.pk]
    by_door = (
        CheckIn.objects.filter(performance=performance, result=CheckIn.Result.VALID)
        .values("door")
        .annotate(n=Count("id"))
        .order_by("door")
    )
    scanned = Ticket.objects.filter(
        performance=performance, status=Ticket.Status.VALID, checked_in_at__isnull=False
    ).count()
    return {
        "performance_id": performance.pk,
        "scanned": scanned,
        "sold": figures["sold"],
        "capacity": figures["capacity"],
        "by_door": [{"door": row["door"], "scanned": row["n"]} for row in by_door],
        "conflicts": CheckIn.objects.filter(performance=performance, conflict=True).count(),
    }


def conflicts(performance: Performance | None = None, *, limit: int = 200) -> list[CheckIn]:
    """Offline scans that let someone in on a ticket already let in earlier, newest first."""
    qs = CheckIn.objects.filter(conflict=True).select_related(
        "ticket__seat__section", "ticket__performance_zone__zone", "performance__show", "staff"
    )
    if performance is not None:
        qs = qs.filter(performance=performance)
    return list(qs.order_by("-scanned_at", "-id")[:limit])


def recent_check_ins(performance: Performance, *, limit: int = 20) -> list[CheckIn]:
    return list(
        CheckIn.objects.filter(performance=performance)
        .select_related("ticket__seat__section", "ticket__performance_zone__zone")
        .order_by("-id")[:limit]
    )


def door_performances(*, now: datetime | None = None) -> list[Performance]:
    """The performances a door may admit: from yesterday to a week ahead, soonest first."""
    now = now or timezone.now()
    return list(
        Performance.objects.filter(
            starts_at__gte=now - timedelta(hours=12), starts_at__lte=now + timedelta(days=7)
        )
        .exclude(status__in=[Performance.Status.DRAFT, Performance.Status.CANCELLED])
        .select_related("show", "layout__hall")
        .order_by("starts_at")
    )
