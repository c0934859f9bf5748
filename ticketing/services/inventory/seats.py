"""Seats: taken for a cart or straight into an order, claimed by a cart's order, put back on
sale. Each change is one conditional UPDATE whose WHERE clause carries the rule
(`PerformanceSeat.takeable_sql`), checked by the rows it returns."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ticketing.errors import InvalidRequest, NotEnoughPlaces, SeatsUnavailable
from ticketing.models import Hold, Performance, PerformanceSeat
from ticketing.selectors.seating import free_seats
from ticketing.specs import HoldRequest, TakenSeat

from .published import availability_changed

Status = PerformanceSeat.Status
# Best-available choices tried per request before answering "selling fast, try again".
BEST_AVAILABLE_ATTEMPTS = 8
# Where taken seats go: into a cart until it expires (hold id and expiry follow as
# parameters), or straight into an order (a hold and its confirmation in one transaction).
_INTO_HOLD = f"status = '{Status.HELD}', hold_id = %s, hold_expires_at = %s"
_INTO_ORDER = f"status = '{Status.SOLD}', hold_id = NULL, hold_expires_at = NULL"


def _into(hold: Hold | None) -> tuple[str, list]:
    return (_INTO_ORDER, []) if hold is None else (_INTO_HOLD, [hold.pk, hold.expires_at])


def _taken(rows) -> list[TakenSeat]:
    return [TakenSeat(seat_id, category_id, label) for seat_id, category_id, label in rows]


def take_seats(
    performance_id: int, seat_ids: list[int], *, hold: Hold | None, allow_allocated: bool = False
) -> list[TakenSeat]:
    """Take these seats for `hold`, or straight into an order when `hold` is None: all or
    none. A seat another transaction is taking is waited for (it is probably gone then).
    A seat that is not one of this performance's is bad input (400), not a lost race."""
    allocated = "" if allow_allocated else "AND ps.allocation_id IS NULL"
    into, into_params = _into(hold)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE ticketing_performanceseat ps SET {into} FROM ticketing_seat s "  # noqa: S608
            f"WHERE s.id = ps.seat_id AND ps.performance_id = %s AND ps.seat_id = ANY(%s) "
            f"AND {PerformanceSeat.takeable_sql('ps')} {allocated} "
            "RETURNING ps.seat_id, ps.category_id, s.label",
            [*into_params, performance_id, list(seat_ids), timezone.now()],
        )
        taken = cursor.fetchall()
    if taken:
        availability_changed([performance_id])
    if len(taken) != len(seat_ids):
        missing = set(seat_ids) - {row[0] for row in taken}
        known = set(
            PerformanceSeat.objects.filter(
                performance_id=performance_id, seat_id__in=missing
            ).values_list("seat_id", flat=True)
        )
        if missing - known:
            raise InvalidRequest(
                _("Unknown seat(s) for this performance: %(ids)s.")
                % {"ids": ", ".join(str(s) for s in sorted(missing - known)[:10])},
                field="seats",
                code="ticketing.unknown_seat",
            )
        raise SeatsUnavailable(seats=[str(s) for s in sorted(missing)])
    return _taken(taken)


def take_best_available(
    performance: Performance, request: HoldRequest, *, hold: Hold | None
) -> list[TakenSeat]:
    """Choose the best seats, then take them for `hold` (or straight into an order).

    In a rush every buyer's first choice is the same few seats. A seat another transaction is
    taking right now is skipped (SKIP LOCKED) rather than waited for, and the choice is made
    again without those seats, from the same list of free seats: buyers spread over the hall
    instead of queueing behind each other. Each attempt is all or nothing: it changes no seat
    unless it can take them all. The free seats a failed attempt locked stay locked, unchanged,
    until this transaction ends a few milliseconds later (other buyers' best-available skips
    them meanwhile, a buyer who picked one waits that long): cheaper than a savepoint per
    attempt, a round trip every order would pay.
    """
    stage_y = performance.layout.stage_y
    free, layout = free_seats(performance, category_id=request.category_id)
    refused: set[int] = set()
    into, into_params = _into(hold)
    for _attempt in range(BEST_AVAILABLE_ATTEMPTS):
        choice = layout.choose(free - refused, request, stage_y) if free - refused else None
        if choice is None:
            if refused:  # the refused seats may yet come back on sale
                break
            if (
                request.category_id is not None
                and not performance.categories.filter(pk=request.category_id).exists()
            ):
                raise InvalidRequest(
                    _("Unknown price category for this performance."),
                    field="category",
                    code="ticketing.unknown_category",
                )
            raise NotEnoughPlaces(
                ngettext(
                    "Not enough seats left for %(n)s person.",
                    "Not enough seats left together for %(n)s people.",
                    request.best_available,
                )
                % {"n": request.best_available}
            )
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH free AS (SELECT id FROM ticketing_performanceseat "  # noqa: S608
                "WHERE performance_id = %s AND seat_id = ANY(%s) AND "
                f"{PerformanceSeat.takeable_sql()} AND allocation_id IS NULL "
                f"FOR UPDATE SKIP LOCKED) UPDATE ticketing_performanceseat ps SET {into} "
                "FROM ticketing_seat s WHERE s.id = ps.seat_id "
                "AND ps.id IN (SELECT id FROM free) AND (SELECT count(*) FROM free) = %s "
                "RETURNING ps.seat_id, ps.category_id, s.label",
                [performance.pk, choice.ids, timezone.now(), *into_params, len(choice.ids)],
            )
            taken = cursor.fetchall()
        if len(taken) == len(choice.ids):
            availability_changed([performance.pk])
            return _taken(taken)
        # Someone was faster for some of these seats: choose again without them.
        refused.update(choice.ids)
    raise SeatsUnavailable(_("Seats are selling fast: please try again."))


def claim_held_seats(hold_id: int, now) -> list[TakenSeat]:
    """The seats of a live cart, sold to its order. A seat whose hold has expired is not
    claimed (another buyer may have it now): the caller compares the count."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE ticketing_performanceseat ps SET {_INTO_ORDER} "  # noqa: S608
            "FROM ticketing_seat s WHERE s.id = ps.seat_id AND ps.hold_id = %s "
            "AND ps.status = %s AND ps.hold_expires_at > %s "
            "RETURNING ps.seat_id, ps.category_id, s.label",
            [hold_id, Status.HELD, now],
        )
        return _taken(cursor.fetchall())


def extend_held_seats(hold_id: int, until) -> None:
    """A cart's seats stay held until `until` (its buyer is paying)."""
    PerformanceSeat.objects.filter(hold_id=hold_id, status=Status.HELD).update(
        hold_expires_at=until
    )


def free_held_seats(hold_ids: list[int]) -> None:
    """These carts' seats back on sale (released or expired carts); the callers say which
    performances changed (they know them)."""
    PerformanceSeat.objects.filter(hold_id__in=hold_ids, status=Status.HELD).update(
        status=Status.AVAILABLE, hold=None, hold_expires_at=None
    )


def free_sold_seats(ticket_ids: list[int]) -> None:
    """The seats of these tickets back on sale (refund, exchange, cancelled order)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ticketing_performanceseat ps SET status = %s "
            "FROM ticketing_ticket t WHERE t.id = ANY(%s) AND t.seat_id IS NOT NULL "
            "AND ps.performance_id = t.performance_id AND ps.seat_id = t.seat_id "
            "AND ps.status = %s RETURNING ps.performance_id",
            [Status.AVAILABLE, ticket_ids, Status.SOLD],
        )
        availability_changed(row[0] for row in cursor.fetchall())
