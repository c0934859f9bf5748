"""Holds (carts) on seats and general-admission places. PostgreSQL decides who gets a seat:
every status change is one conditional UPDATE, checked by its row count.

Lock order when several kinds of rows are touched in one transaction: hold → performance seats
(by id) → performance zones (by id). Nothing here reads a row and writes it back later.

Hot path (an on-sale rush): nothing every order writes is shared by all orders (no counter row
per performance), the venue's SalesSettings come from the cache, and best-available skips
seats another transaction is taking instead of queueing behind it.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from tenants import generations
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
# Where taken seats go: into a cart until it expires (hold id and expiry follow as parameters),
# or straight into an order (a hold and its confirmation in one transaction).
INTO_HOLD = "status = 'held', hold_id = %s, hold_expires_at = %s"
INTO_ORDER = "status = 'sold', hold_id = NULL, hold_expires_at = NULL"
# Best-available choices tried per request before answering "selling fast, try again".
BEST_AVAILABLE_ATTEMPTS = 8
SALES_SETTINGS_KEY = "ticketing:sales_settings"  # the cache's KEY_FUNCTION adds the schema
SALES_SETTINGS_SECONDS = 300

# (seat id, price category id, seat label) of each seat taken.
TakenSeat = tuple[int, int, str]
TAKEABLE_PS = "(ps.status = 'available' OR (ps.status = 'held' AND ps.hold_expires_at <= %s))"


@dataclass
class HoldRequest:
    seat_ids: list[int] = field(default_factory=list)  # Seat ids of the performance's layout
    zones: dict[int, int] = field(default_factory=dict)  # PerformanceZone id -> quantity
    best_available: int = 0  # number of seats chosen by best_available()
    category_id: int | None = None  # restrict best available to a price category
    wheelchair: int = 0


# The venue's SalesSettings in this process (tenants/generations.py), then in Redis.
_SETTINGS = generations.LocalCache("sales_settings", size=512)


def sales_settings() -> SalesSettings:
    """The venue's SalesSettings (read only: use the services to change them): every hold
    and order needs them, and they change a few times a year. Kept in this process while the
    venue's generation is current, and in the cache; both forgotten when they are saved or
    deleted (below)."""
    found = _SETTINGS.get("current")
    if isinstance(found, SalesSettings):
        return found
    try:
        found = cache.get(SALES_SETTINGS_KEY)
    except Exception:  # the cache is an optimisation: without it, read the table
        found = None
    if not isinstance(found, SalesSettings):
        found = SalesSettings.current()
        with contextlib.suppress(Exception):  # same: the next call reads the table again
            cache.set(SALES_SETTINGS_KEY, found, SALES_SETTINGS_SECONDS)
    _SETTINGS.set("current", found)
    return found


@receiver([post_save, post_delete], sender=SalesSettings)
def _forget_sales_settings(**kwargs) -> None:
    schema = connection.schema_name
    generations.bump(schema)

    def forget() -> None:
        if connection.schema_name == schema:
            cache.delete(SALES_SETTINGS_KEY)
        else:
            with schema_context(schema):
                cache.delete(SALES_SETTINGS_KEY)

    forget()
    # Again once committed: a request may have cached the old row before the commit.
    transaction.on_commit(forget)


def check_on_sale(performance: Performance, *, box_office: bool = False) -> None:
    now = timezone.now()
    if performance.status not in Performance.SELLABLE:
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


def validate_request(request: HoldRequest) -> int:
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
    validate_request(request)
    check_on_sale(performance, box_office=box_office)
    minutes = sales_settings().hold_minutes
    expires_at = timezone.now() + timedelta(minutes=minutes)
    hold = Hold.objects.create(
        performance=performance,
        expires_at=expires_at,
        channel=channel,
        seat_count=len(request.seat_ids) + request.best_available,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    if request.seat_ids:
        take_seats(performance.pk, request.seat_ids, hold=hold, allow_allocated=allow_allocated)
    if request.best_available:
        take_best_available(performance, request, hold=hold)
    for zone_id, quantity in sorted(request.zones.items()):
        _take_places(performance.pk, hold, zone_id, quantity)
    return hold


def _into(hold: Hold | None) -> tuple[str, list]:
    return (INTO_ORDER, []) if hold is None else (INTO_HOLD, [hold.pk, hold.expires_at])


def take_seats(
    performance_id: int, seat_ids: list[int], *, hold: Hold | None, allow_allocated: bool = False
) -> list[TakenSeat]:
    """Take these seats for `hold`, or straight into an order when `hold` is None: all or
    none. A seat another transaction is taking is waited for (it is probably gone then)."""
    if UNSAFE_READ_THEN_WRITE:
        return _take_seats_unsafely(performance_id, hold, seat_ids)
    allocated = "" if allow_allocated else "AND ps.allocation_id IS NULL"
    into, into_params = _into(hold)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE ticketing_performanceseat ps SET {into} FROM ticketing_seat s "  # noqa: S608
            f"WHERE s.id = ps.seat_id AND ps.performance_id = %s AND ps.seat_id = ANY(%s) "
            f"AND {TAKEABLE_PS} {allocated} RETURNING ps.seat_id, ps.category_id, s.label",
            [*into_params, performance_id, list(seat_ids), timezone.now()],
        )
        taken = cursor.fetchall()
    if len(taken) != len(seat_ids):
        missing = sorted(set(seat_ids) - {row[0] for row in taken})
        raise SeatsUnavailable(seats=[str(s) for s in missing])
    return taken


def _take_seats_unsafely(
    performance_id: int, hold: Hold | None, seat_ids: list[int]
) -> list[TakenSeat]:
    rows = PerformanceSeat.objects.filter(
        performance_id=performance_id, seat_id__in=seat_ids
    ).select_related("seat")
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
    if hold is None:
        PerformanceSeat.objects.filter(pk__in=free).update(
            status=PerformanceSeat.Status.SOLD, hold=None, hold_expires_at=None
        )
    else:
        PerformanceSeat.objects.filter(pk__in=free).update(
            status=PerformanceSeat.Status.HELD, hold=hold, hold_expires_at=hold.expires_at
        )
    return [(ps.seat_id, ps.category_id, ps.seat.label) for ps in rows]


@dataclass(frozen=True)
class LayoutSeats:
    """A layout's seats as best-available sees them, built once per process and layout."""

    seats: dict[int, tuple]  # Seat id → bestseat.Candidate fields (id first)
    right: dict[int, int]  # which seat is beside which (bestseat.neighbours)
    rows: dict[tuple, list[tuple]]  # (section, row) → its seats, left to right
    row_of: dict[int, tuple]  # Seat id → (section, row)
    # (rank, ids of the seats of that rank that are neither wheelchair spaces nor companion
    # seats), best rank first.
    usual_by_rank: list[tuple[int, frozenset[int]]]

    @classmethod
    def build(cls, rows: list[tuple]) -> LayoutSeats:
        by_rank: dict[int, set[int]] = {}
        for seat in rows:
            if not (seat[bestseat.WHEELCHAIR] or seat[bestseat.COMPANION]):
                by_rank.setdefault(seat[bestseat.RANK], set()).add(seat[bestseat.ID])
        by_row = bestseat.by_row(rows)
        return cls(
            seats={seat[bestseat.ID]: seat for seat in rows},
            right=bestseat.neighbours(rows),
            rows=by_row,
            row_of={seat[bestseat.ID]: key for key, seats in by_row.items() for seat in seats},
            usual_by_rank=[(rank, frozenset(ids)) for rank, ids in sorted(by_rank.items())],
        )

    def choose(self, free: set[int], request: HoldRequest, stage_y: float):
        """bestseat.choose over the free seats, looking first only at the rows that hold a
        free seat of the best rank left (a third of the hall when ranks go by thirds), with
        set operations rather than a pass over every free seat.

        Same answer as over every row: a window's score starts with the worst rank in it and
        the rest of it is worked out within its row (runs, centre, strands), so when those
        rows have side-by-side seats all of the best rank, the best window of the hall is
        among them (tests/ticketing/test_best_available_rows.py)."""
        quantity = request.best_available
        if not request.wheelchair:
            for rank, ids in self.usual_by_rank:
                best = ids & free
                if best:
                    keys = {self.row_of[seat_id] for seat_id in best}
                    choice = bestseat.choose_in_rows(
                        ((key, self._usual(key, free)) for key in keys),
                        quantity,
                        stage_y=stage_y,
                        right=self.right,
                    )
                    if choice is not None and all(
                        self.seats[seat_id][bestseat.RANK] == rank for seat_id in choice.ids
                    ):
                        return choice
                    break
        return bestseat.choose(
            [self.seats[seat_id] for seat_id in free],
            quantity,
            stage_y=stage_y,
            wheelchair=request.wheelchair,
            right=self.right,
        )

    def _usual(self, key: tuple, free: set[int]) -> list[tuple]:
        return [
            s
            for s in self.rows[key]
            if s[bestseat.ID] in free and not (s[bestseat.WHEELCHAIR] or s[bestseat.COMPANION])
        ]


# Per layout, in this process while the venue's generation is current (tenants/generations.py:
# seat writes bump it, see ticketing/apps.py and services/halls.py).
_LAYOUTS = generations.LocalCache("layout_seats", size=256)


def _layout_seats(layout_id: int, seat_ids: set[int]) -> LayoutSeats:
    found = _LAYOUTS.get(layout_id)
    if found is generations.MISSING or not seat_ids <= found.seats.keys():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.id, s.section_id, s.row, s.number, s.x, s.y, s.rank, s.wheelchair, "
                "s.companion FROM ticketing_seat s JOIN ticketing_section c "
                "ON c.id = s.section_id WHERE c.layout_id = %s",
                [layout_id],
            )
            found = LayoutSeats.build(cursor.fetchall())
        _LAYOUTS.set(layout_id, found)
    return found


def _free_seats(
    performance: Performance, *, category_id: int | None = None, allow_allocated: bool = False
) -> tuple[set[int], LayoutSeats | None]:
    """The Seat ids of the free seats, and the layout's seats.

    The hot path of an on-sale rush: the database says which seats are free, as one array in
    one row, and what each seat is comes from _layout_seats. Reading ~1,000 rows of nine
    columns per request cost more than the rest of an order."""
    extra = [] if category_id is None else [category_id]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(ps.seat_id) FROM ticketing_performanceseat ps "  # noqa: S608
            f"WHERE ps.performance_id = %s AND {TAKEABLE_PS} "
            f"{'' if allow_allocated else 'AND ps.allocation_id IS NULL'} "
            f"{'AND ps.category_id = %s' if category_id is not None else ''}",
            [performance.pk, timezone.now(), *extra],
        )
        (ids,) = cursor.fetchone()
    if not ids:
        return set(), None
    free = set(ids)
    return free, _layout_seats(performance.layout_id, free)


def suggest_best_available(
    performance: Performance, *, quantity: int, category_id: int | None, exclude=()
) -> bestseat.Choice | None:
    """The seats best-available would take now (Seat ids), leaving out `exclude`, without
    taking them: the counter shows them to the buyer first."""
    free, layout = _free_seats(performance, category_id=category_id)
    free -= set(exclude)
    if not free:
        return None
    return layout.choose(free, HoldRequest(best_available=quantity), performance.layout.stage_y)


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
    free, layout = _free_seats(performance, category_id=request.category_id)
    refused: set[int] = set()
    into, into_params = _into(hold)
    for _attempt in range(BEST_AVAILABLE_ATTEMPTS):
        choice = layout.choose(free - refused, request, stage_y) if free - refused else None
        if choice is None:
            if refused:  # the refused seats may yet come back on sale
                break
            raise NotEnoughPlaces(
                _("Not enough seats left together for %(n)s people.")
                % {"n": request.best_available}
            )
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH free AS (SELECT id FROM ticketing_performanceseat "  # noqa: S608
                f"WHERE performance_id = %s AND seat_id = ANY(%s) AND {TAKEABLE} "
                "AND allocation_id IS NULL FOR UPDATE SKIP LOCKED) "
                f"UPDATE ticketing_performanceseat ps SET {into} "
                "FROM ticketing_seat s WHERE s.id = ps.seat_id "
                "AND ps.id IN (SELECT id FROM free) AND (SELECT count(*) FROM free) = %s "
                "RETURNING ps.seat_id, ps.category_id, s.label",
                [performance.pk, choice.ids, timezone.now(), *into_params, len(choice.ids)],
            )
            taken = cursor.fetchall()
        if len(taken) == len(choice.ids):
            return taken
        # Someone was faster for some of these seats: choose again without them.
        refused.update(choice.ids)
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
        .select_related("performance__show")
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
