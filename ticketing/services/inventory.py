"""Holds (carts) on seats and general-admission places. PostgreSQL decides who gets a seat:
every status change is one conditional UPDATE, checked by its row count.

Lock order when several kinds of rows are touched in one transaction: hold → performance seats
(by id) → performance zones (by id). Nothing here reads a row and writes it back later.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.accounts.services import record_event
from ticketing.errors import (
    HoldExpired,
    InvalidRequest,
    NotEnoughPlaces,
    NotOnSale,
    SeatsUnavailable,
)
from ticketing.models import (
    Hold,
    HoldZoneItem,
    Performance,
    PerformanceSeat,
    PerformanceZone,
    SalesSettings,
)

from . import bestseat

# Test-only switch: when True, seats and places are taken by "read, check in Python, write"
# instead of conditional updates, so that the concurrency tests can show the race they guard
# against really happens. Never set outside tests.
UNSAFE_READ_THEN_WRITE = False

MAX_PER_HOLD = 20
# Free, or held by a cart whose time is up. The clock is the application's (a parameter, not
# SQL now()), so that every expiry decision uses the same clock, frozen clocks in tests included.
TAKEABLE = "(status = 'available' OR (status = 'held' AND hold_expires_at <= %s))"


@dataclass
class HoldRequest:
    seat_ids: list[int] = field(default_factory=list)  # Seat ids of the performance's layout
    zones: dict[int, int] = field(default_factory=dict)  # PerformanceZone id -> quantity
    best_available: int = 0  # number of seats chosen by best_available()
    category_id: int | None = None  # restrict best available to a price category
    wheelchair: int = 0


def check_on_sale(performance: Performance, *, box_office: bool = False) -> None:
    now = timezone.now()
    if performance.status != Performance.Status.ON_SALE:
        raise NotOnSale(_("This performance is not on sale."))
    if box_office:  # the counter may sell before the web opens and until the show starts
        if now >= performance.starts_at + timedelta(minutes=30):
            raise NotOnSale(_("This performance is over."))
        return
    if performance.sale_opens_at and now < performance.sale_opens_at:
        raise NotOnSale(
            _("Sales open on %(date)s.")
            % {"date": timezone.localtime(performance.sale_opens_at).strftime("%d/%m/%Y %H:%M")}
        )
    if now >= (performance.sale_closes_at or performance.starts_at):
        raise NotOnSale(_("Online sales for this performance are closed."))


def _validate(request: HoldRequest) -> int:
    if any(q <= 0 for q in request.zones.values()):
        raise InvalidRequest(_("Quantities must be positive."), field="zones")
    if request.best_available < 0 or request.wheelchair < 0:
        raise InvalidRequest(_("Quantities must be positive."), field="quantity")
    if len(set(request.seat_ids)) != len(request.seat_ids):
        raise InvalidRequest(_("The same seat is asked twice."), field="seats")
    total = len(request.seat_ids) + sum(request.zones.values()) + request.best_available
    if total == 0:
        raise InvalidRequest(_("Choose at least one seat or place."), field="seats")
    if total > MAX_PER_HOLD:
        raise InvalidRequest(
            _("At most %(n)s places per order.") % {"n": MAX_PER_HOLD}, field="seats"
        )
    return total


@transaction.atomic
def create_hold(
    *,
    performance: Performance,
    request: HoldRequest,
    channel: str = "web",
    actor=None,
    allow_allocated: bool = False,
    box_office: bool = False,
) -> Hold:
    """Reserve seats and places for `SalesSettings.hold_minutes`; all or nothing."""
    _validate(request)
    check_on_sale(performance, box_office=box_office)
    minutes = SalesSettings.current().hold_minutes
    expires_at = timezone.now() + timedelta(minutes=minutes)
    hold = Hold.objects.create(
        performance=performance,
        expires_at=expires_at,
        channel=channel,
        seat_count=len(request.seat_ids) + request.best_available,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    if request.seat_ids:
        _take_seats(performance.pk, hold, request.seat_ids, allow_allocated)
    if request.best_available:
        _take_best_available(performance, hold, request)
    for zone_id, quantity in sorted(request.zones.items()):
        _take_places(performance.pk, hold, zone_id, quantity)
    return hold


def _take_seats(
    performance_id: int, hold: Hold, seat_ids: list[int], allow_allocated: bool
) -> None:
    if UNSAFE_READ_THEN_WRITE:
        return _take_seats_unsafely(performance_id, hold, seat_ids)
    allocated = "" if allow_allocated else "AND allocation_id IS NULL"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE ticketing_performanceseat SET status = 'held', hold_id = %s, "  # noqa: S608
            f"hold_expires_at = %s WHERE performance_id = %s AND seat_id = ANY(%s) "
            f"AND {TAKEABLE} {allocated} RETURNING seat_id",
            [hold.pk, hold.expires_at, performance_id, list(seat_ids), timezone.now()],
        )
        taken = {row[0] for row in cursor.fetchall()}
    if len(taken) != len(seat_ids):
        missing = sorted(set(seat_ids) - taken)
        raise SeatsUnavailable(seats=[str(s) for s in missing])


def _take_seats_unsafely(performance_id: int, hold: Hold, seat_ids: list[int]) -> None:
    rows = PerformanceSeat.objects.filter(performance_id=performance_id, seat_id__in=seat_ids)
    now = timezone.now()
    free = [
        ps.pk
        for ps in rows
        if ps.status == PerformanceSeat.Status.AVAILABLE
        or (ps.status == PerformanceSeat.Status.HELD and ps.hold_expires_at <= now)
    ]
    if len(free) != len(seat_ids):
        raise SeatsUnavailable()
    time.sleep(0.01)  # widen the window between the check and the write, as real load does
    PerformanceSeat.objects.filter(pk__in=free).update(
        status=PerformanceSeat.Status.HELD, hold=hold, hold_expires_at=hold.expires_at
    )


def best_available_candidates(
    performance: Performance, *, category_id: int | None = None, allow_allocated: bool = False
) -> list[bestseat.Candidate]:
    extra = [] if category_id is None else [category_id]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ps.id, s.section_id, s.row, s.number, s.x, s.y, s.rank, s.wheelchair, "  # noqa: S608
            "s.companion FROM ticketing_performanceseat ps JOIN ticketing_seat s "
            "ON s.id = ps.seat_id WHERE ps.performance_id = %s "
            "AND (ps.status = 'available' OR (ps.status = 'held' "
            "AND ps.hold_expires_at <= %s)) "
            f"{'' if allow_allocated else 'AND ps.allocation_id IS NULL'} "
            f"{'AND ps.category_id = %s' if category_id is not None else ''}",
            [performance.pk, timezone.now(), *extra],
        )
        return [bestseat.Candidate(*row) for row in cursor.fetchall()]


def _take_best_available(performance: Performance, hold: Hold, request: HoldRequest) -> None:
    """Choose, then take with a conditional update; if someone was faster, choose again."""
    stage_y = performance.layout.stage_y
    for _attempt in range(4):
        candidates = best_available_candidates(performance, category_id=request.category_id)
        choice = bestseat.choose(
            candidates, request.best_available, stage_y=stage_y, wheelchair=request.wheelchair
        )
        if choice is None:
            raise NotEnoughPlaces(
                _("Not enough seats left together for %(n)s people.")
                % {"n": request.best_available}
            )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE ticketing_performanceseat SET status = 'held', hold_id = %s, "  # noqa: S608
                f"hold_expires_at = %s WHERE id = ANY(%s) AND {TAKEABLE} "
                "AND allocation_id IS NULL RETURNING id",
                [hold.pk, hold.expires_at, choice.ids, timezone.now()],
            )
            if cursor.rowcount == len(choice.ids):
                return
            # Lost a race for some seats: undo this attempt (savepoint) and choose again.
            transaction.set_rollback(True)
    raise SeatsUnavailable(_("Seats are selling fast: please try again."))


def _take_places(performance_id: int, hold: Hold, zone_id: int, quantity: int) -> None:
    if UNSAFE_READ_THEN_WRITE:
        zone = PerformanceZone.objects.get(pk=zone_id, performance_id=performance_id)
        if zone.held + zone.sold + quantity > zone.capacity:
            raise NotEnoughPlaces(_("Not enough places left."))
        time.sleep(0.01)
        PerformanceZone.objects.filter(pk=zone_id).update(held=zone.held + quantity)
        HoldZoneItem.objects.create(hold=hold, performance_zone_id=zone_id, quantity=quantity)
        return
    sql = (
        "UPDATE ticketing_performancezone SET held = held + %s WHERE id = %s "
        "AND performance_id = %s AND held + sold + %s <= capacity"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [quantity, zone_id, performance_id, quantity])
        if cursor.rowcount == 0:
            # Expired carts may still count as held: release them, then try once more.
            release_expired_holds(performance_id=performance_id)
            cursor.execute(sql, [quantity, zone_id, performance_id, quantity])
        if cursor.rowcount == 0:
            if not PerformanceZone.objects.filter(
                pk=zone_id, performance_id=performance_id
            ).exists():
                raise InvalidRequest(_("Unknown zone."), field="zones")
            raise NotEnoughPlaces(_("Not enough places left in this zone."))
    HoldZoneItem.objects.create(hold=hold, performance_zone_id=zone_id, quantity=quantity)


def _free_hold(hold_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ticketing_performanceseat SET status = 'available', hold_id = NULL, "
            "hold_expires_at = NULL WHERE hold_id = %s AND status = 'held'",
            [hold_id],
        )
        cursor.execute(
            "UPDATE ticketing_performancezone z SET held = z.held - i.quantity "
            "FROM ticketing_holdzoneitem i WHERE i.performance_zone_id = z.id AND i.hold_id = %s",
            [hold_id],
        )


@transaction.atomic
def release_hold(*, hold: Hold, actor=None) -> None:
    """The buyer gives up their cart: its seats and places go back on sale at once."""
    updated = Hold.objects.filter(pk=hold.pk, status=Hold.Status.ACTIVE).update(
        status=Hold.Status.RELEASED
    )
    if updated:
        _free_hold(hold.pk)


@transaction.atomic
def release_expired_holds(*, performance_id: int | None = None, limit: int = 500) -> int:
    """Expire carts whose time is up (periodic task, and lazily when places run short).

    SKIP LOCKED: a cart being confirmed right now is left alone; the confirmation itself
    refuses an expired cart.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM ticketing_hold WHERE status = 'active' AND expires_at <= %s "  # noqa: S608
            + ("AND performance_id = %s " if performance_id else "")
            + "ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
            [timezone.now(), *([performance_id] if performance_id else []), limit],
        )
        ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return 0
        cursor.execute("UPDATE ticketing_hold SET status = 'expired' WHERE id = ANY(%s)", [ids])
    for hold_id in ids:
        _free_hold(hold_id)
    return len(ids)


def lock_active_hold(token) -> Hold:
    """Lock a cart for confirmation; refuse it if it is gone or its time is up."""
    hold = (
        Hold.objects.select_for_update(of=("self",))
        .select_related("performance")
        .filter(token=token)
        .first()
    )
    if hold is None:
        raise HoldExpired(_("This reservation does not exist."))
    if hold.status != Hold.Status.ACTIVE:
        raise HoldExpired()
    if hold.expires_at <= timezone.now() and not UNSAFE_READ_THEN_WRITE:
        raise HoldExpired()
    return hold


# --- Allocations -------------------------------------------------------------------------
@transaction.atomic
def allocate_seats(
    *, performance: Performance, kind: str, name: str, seat_ids: list[int], actor=None
):
    from ticketing.models import Allocation

    allocation = Allocation.objects.create(performance=performance, kind=kind, name=name)
    updated = PerformanceSeat.objects.filter(
        performance=performance,
        seat_id__in=seat_ids,
        status=PerformanceSeat.Status.AVAILABLE,
        allocation__isnull=True,
    ).update(allocation=allocation)
    if updated != len(set(seat_ids)):
        raise SeatsUnavailable(_("Some of these seats are not free to set aside."))
    record_event(
        code="ticketing.allocation.created",
        actor=actor,
        data={"performance": performance.pk, "kind": kind, "seats": updated},
    )
    return allocation


@transaction.atomic
def release_allocation(*, allocation, actor=None) -> int:
    """Put every unsold seat of an allocation back on public sale, in one statement."""
    freed = PerformanceSeat.objects.filter(allocation=allocation).update(allocation=None)
    allocation.released_at = timezone.now()
    allocation.save(update_fields=["released_at"])
    record_event(
        code="ticketing.allocation.released",
        actor=actor,
        data={"allocation": allocation.pk, "seats": freed},
    )
    return freed
