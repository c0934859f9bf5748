"""The door: check a ticket in (online, at once) and sync the scans a device made offline.

One owner per rule:
- *who may come in* is `_admission` (the ticket exists, is paid, is for this performance, is
  still valid) — for online scans and synced offline scans alike;
- *exactly one entry per ticket* is decided by PostgreSQL on the ticket row: online, a
  conditional `UPDATE … SET checked_in_at = now WHERE checked_in_at IS NULL` (two doors at
  the same instant: one row updated, one not); offline scans, synced later, under the row's
  lock, where the earliest scan (by the device's `scanned_at`) wins and a later one that had
  also let someone in is marked `conflict` for staff.

Each scan writes one CheckIn row (the door's history: no separate audit entry per scan, the row
is one). A ticket let in reports the attendance to crm (its holder, else the buyer) and
publishes `ticketing.ticket.checked_in`, both in the scan's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import services as crm
from tenants.errors import ValidationFailed
from tenants.events.services import publish
from ticketing.models import CheckIn, Performance, Ticket
from ticketing.selectors import door as door_selectors
from ticketing.selectors.tickets import attendee_id
from ticketing.services.orders.history import crm_references
from ticketing.tickets.qr import place_label

Result = CheckIn.Result
DOOR_MAX = CheckIn._meta.get_field("door").max_length
DEVICE_MAX = CheckIn._meta.get_field("device_id").max_length
CLIENT_ID_MAX = CheckIn._meta.get_field("client_id").max_length


@dataclass
class ScanOutcome:
    """What the door shows: the result, and what goes with it."""

    check_in: CheckIn
    ticket: Ticket | None = None
    # already scanned: the scan that let the ticket in
    previous: CheckIn | None = None
    previous_at: datetime | None = None
    extra: dict = field(default_factory=dict)

    @property
    def result(self) -> str:
        return self.check_in.result


@dataclass(frozen=True)
class OfflineScan:
    """One scan a device made without network, as it sends it back."""

    client_id: str
    scanned: str
    scanned_at: datetime
    # What the device decided: only a scan the device let in ("valid") may claim the ticket.
    local_result: str
    local_reason: str = ""


def _clean(*, door: str, device_id: str) -> tuple[str, str]:
    door = (door or "").strip()[:DOOR_MAX]
    if not door:
        raise ValidationFailed(
            _("Name the door you scan at."), code="ticketing.door.no_door", field="door"
        )
    return door, (device_id or "").strip()[:DEVICE_MAX]


def _admission(performance: Performance, scanned: door_selectors.Scanned) -> tuple[str, str]:
    """(result, reason) for everything but a second entry: unknown, wrong performance,
    revoked, or valid (not yet claimed)."""
    ticket = scanned.ticket
    if ticket is None:
        return Result.UNKNOWN, scanned.reason
    if ticket.performance_id != performance.pk:
        return Result.WRONG_PERFORMANCE, ""
    if ticket.status != Ticket.Status.VALID:
        return Result.REVOKED, ticket.status
    if not door_selectors.is_issued(ticket):
        return Result.REVOKED, "not_paid"
    return Result.VALID, ""


def _let_in(ticket: Ticket, *, at: datetime, door: str, offline: bool, actor) -> bool:
    """What a first entry does besides the check-in row: crm learns who came, the outbox
    says so. Returns whether the attendee comes for the first time."""
    contact_id = attendee_id(ticket)
    newcomer = door_selectors.first_time(contact_id)
    performance = ticket.performance
    if contact_id is not None:
        crm.record_attendance(
            contact_id=contact_id,
            ticket_reference=ticket.code,
            performance_label=str(performance),
            occurred_at=at,
            actor=actor if getattr(actor, "pk", None) else None,
            **crm_references(performance, order_id=ticket.order_id),
        )
    publish(
        code="ticketing.ticket.checked_in",
        key=f"ticket:{ticket.pk}",
        data={
            "ticket_id": ticket.pk,
            "order_id": ticket.order_id,
            "performance_id": ticket.performance_id,
            "contact_id": contact_id,
            "door": door,
            "checked_in_at": at.isoformat(),
            "offline": offline,
            "first_time": newcomer,
        },
        actor=actor if getattr(actor, "pk", None) else None,
    )
    return newcomer


def _row(performance, ticket, *, door, device_id, actor, at, result, reason="", **extra):
    return CheckIn(
        ticket=ticket,
        performance=performance,
        door=door,
        device_id=device_id,
        staff=actor if getattr(actor, "pk", None) else None,
        scanned_at=at,
        result=result,
        reason=reason,
        **extra,
    )


def claim_ticket(ticket_id: int, at: datetime) -> bool:
    """Mark the ticket let in, if nobody did: one conditional UPDATE, so of two doors scanning
    it at the same instant exactly one gets the row (the other waits for the row lock, then
    finds `checked_in_at` set). The tests patch an unprotected variant in here."""
    return bool(
        Ticket.objects.filter(
            pk=ticket_id, status=Ticket.Status.VALID, checked_in_at__isnull=True
        ).update(checked_in_at=at)
    )


@transaction.atomic
def check_in_ticket(
    *, performance: Performance, scanned: str, door: str, device_id: str = "", actor=None
) -> ScanOutcome:
    """Scan a QR payload or a typed ticket code at `door` for `performance`, now."""
    door, device_id = _clean(door=door, device_id=device_id)
    now = timezone.now()
    found = door_selectors.scanned_ticket(scanned)
    ticket = found.ticket
    result, reason = _admission(performance, found)
    outcome = ScanOutcome(check_in=None, ticket=ticket)  # type: ignore[arg-type]
    first = False
    if result == Result.VALID:
        if claim_ticket(ticket.pk, now):
            first = _let_in(ticket, at=now, door=door, offline=False, actor=actor)
        else:
            ticket.refresh_from_db(fields=["status", "checked_in_at"])
            if ticket.status != Ticket.Status.VALID:  # revoked in between
                result, reason = Result.REVOKED, ticket.status
            else:
                result = Result.ALREADY_SCANNED
                outcome.previous = door_selectors.first_check_in(ticket.pk)
                outcome.previous_at = ticket.checked_in_at
    outcome.check_in = _row(
        performance,
        ticket,
        door=door,
        device_id=device_id,
        actor=actor,
        at=now,
        result=result,
        reason=reason,
        first_time=first,
    )
    outcome.check_in.save(force_insert=True)
    return outcome


def _sync_one(performance, scan: OfflineScan, *, door, device_id, actor, now) -> ScanOutcome:
    found = door_selectors.scanned_ticket(scan.scanned)
    ticket = found.ticket
    base = {"door": door, "device_id": device_id, "actor": actor, "at": scan.scanned_at}
    extra = {"offline": True, "synced_at": now, "client_id": scan.client_id}
    outcome = ScanOutcome(check_in=None, ticket=ticket)  # type: ignore[arg-type]
    if scan.local_result != Result.VALID:
        # The device turned the person away: nothing to claim, its answer is the record.
        result = scan.local_result if scan.local_result in Result.values else Result.UNKNOWN
        outcome.check_in = _row(
            performance, ticket, **base, result=result, reason=scan.local_reason[:20], **extra
        )
        outcome.check_in.save(force_insert=True)
        return outcome
    result, reason = _admission(performance, found)
    first = False
    if result == Result.VALID:
        # Under the ticket's lock: the earliest scan of the ticket is the one that let it in.
        locked = Ticket.objects.select_for_update().only("checked_in_at").get(pk=ticket.pk)
        if locked.checked_in_at is None:
            Ticket.objects.filter(pk=ticket.pk).update(checked_in_at=scan.scanned_at)
            first = _let_in(ticket, at=scan.scanned_at, door=door, offline=True, actor=actor)
        elif locked.checked_in_at > scan.scanned_at:
            # This device let the ticket in before the scan recorded so far: it becomes the
            # entry, the other one the second entry staff must look at.
            Ticket.objects.filter(pk=ticket.pk).update(checked_in_at=scan.scanned_at)
            CheckIn.objects.filter(ticket_id=ticket.pk, result=Result.VALID).update(
                result=Result.ALREADY_SCANNED, conflict=True
            )
        else:
            result = Result.ALREADY_SCANNED
            outcome.previous = door_selectors.first_check_in(ticket.pk)
            outcome.previous_at = locked.checked_in_at
    # The device let someone in whom the server would not have: staff must know.
    conflict = result != Result.VALID
    outcome.check_in = _row(
        performance,
        ticket,
        **base,
        result=result,
        reason=reason,
        first_time=first,
        conflict=conflict,
        **extra,
    )
    outcome.check_in.save(force_insert=True)
    return outcome


def sync_check_ins(
    *,
    performance: Performance,
    scans: list[OfflineScan],
    door: str,
    device_id: str,
    actor=None,
) -> list[ScanOutcome]:
    """Record the scans a device made offline, in scan order, each in its own transaction.
    Sending the same scans again writes nothing twice (`device_id` + `client_id` are unique):
    a scan already synced answers with its recorded row."""
    door, device_id = _clean(door=door, device_id=device_id)
    if not device_id:
        raise ValidationFailed(
            _("A device id is required to sync."),
            code="ticketing.door.no_device",
            field="device_id",
        )
    known = {
        c.client_id: c
        for c in CheckIn.objects.filter(
            device_id=device_id, client_id__in=[s.client_id for s in scans]
        )
    }
    outcomes = []
    for scan in sorted(scans, key=lambda s: s.scanned_at):
        if scan.client_id in known:
            outcomes.append(ScanOutcome(check_in=known[scan.client_id]))
            continue
        try:
            with transaction.atomic():
                outcome = _sync_one(
                    performance,
                    scan,
                    door=door,
                    device_id=device_id,
                    actor=actor,
                    now=timezone.now(),
                )
        except IntegrityError:  # the same scan, synced at the same moment by a retry
            outcome = ScanOutcome(
                check_in=CheckIn.objects.get(device_id=device_id, client_id=scan.client_id)
            )
        outcomes.append(outcome)
    return outcomes


def describe(outcome: ScanOutcome) -> dict:
    """The answer a door shows (API and page): result, reason, seat or zone, tariff…"""
    row, ticket = outcome.check_in, outcome.ticket or outcome.check_in.ticket
    data = {
        "id": row.pk,
        "result": row.result,
        "reason": row.reason,
        "scanned_at": row.scanned_at.isoformat(),
        "door": row.door,
        "offline": row.offline,
        "conflict": row.conflict,
        "first_time": row.first_time,
        "ticket_id": None,
        "label": "",
        "tariff": "",
        "previous": None,
        "ticket_performance": None,
    }
    if ticket is not None and row.result != Result.UNKNOWN:
        data.update(ticket_id=ticket.pk, label=place_label(ticket), tariff=ticket.tariff.name)
        if row.result == Result.WRONG_PERFORMANCE:
            perf = ticket.performance
            data["ticket_performance"] = {
                "id": perf.pk,
                "show": perf.show.title,
                "starts_at": perf.starts_at.isoformat(),
            }
    if outcome.previous_at is not None:
        data["previous"] = {
            "scanned_at": outcome.previous_at.isoformat(),
            "door": outcome.previous.door if outcome.previous else "",
        }
    return data
