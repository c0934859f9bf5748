"""General-admission (standing) places: a zone's `held` and `sold` counters under
CHECK (held + sold <= capacity), moved by conditional UPDATEs.

Every standing order of a rush updates the same counter row, so its row lock is the queue:
a sale takes it with one statement as late as possible (`sell_places`, just before the order
is written and committed) instead of holding it across a cart's round trips.
"""

from __future__ import annotations

from django.db import connection
from django.utils.translation import gettext as _

from ticketing.errors import InvalidRequest, NotEnoughPlaces
from ticketing.models import Hold, HoldZoneItem, PerformanceZone
from ticketing.specs import TakenPlaces

from .published import availability_changed

_TAKE = (
    "UPDATE ticketing_performancezone SET {counter} = {counter} + %s WHERE id = %s "
    "AND performance_id = %s AND held + sold + %s <= capacity RETURNING category_id"
)


def try_take(counter: str, performance_id: int, zone_id: int, quantity: int) -> TakenPlaces | None:
    """Add `quantity` to a zone's `held` (a cart) or `sold` (an order) counter if that many
    places are left; None if not (expired carts may still count as held: see
    holds.take_places, which releases them and tries again)."""
    assert counter in ("held", "sold")
    with connection.cursor() as cursor:
        cursor.execute(_TAKE.format(counter=counter), [quantity, zone_id, performance_id, quantity])
        row = cursor.fetchone()
    if row is None:
        return None
    availability_changed([performance_id])
    return TakenPlaces(zone_id, row[0], quantity)


def refuse(performance_id: int, zone_id: int) -> None:
    """Why places could not be taken: an unknown zone (400) or a full one (409)."""
    if not PerformanceZone.objects.filter(pk=zone_id, performance_id=performance_id).exists():
        raise InvalidRequest(_("Unknown zone."), field="zones", code="ticketing.unknown_zone")
    raise NotEnoughPlaces(_("Not enough places left in this zone."))


def record_items(hold: Hold, taken: list[TakenPlaces]) -> None:
    """What a cart holds in each zone (confirmed or released with it)."""
    HoldZoneItem.objects.bulk_create(
        HoldZoneItem(hold=hold, performance_zone_id=t.zone_id, quantity=t.quantity) for t in taken
    )


def claim_held_places(hold_id: int) -> list[TakenPlaces]:
    """A cart's standing places, sold to its order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ticketing_performancezone z SET held = z.held - i.quantity, "
            "sold = z.sold + i.quantity FROM ticketing_holdzoneitem i "
            "WHERE i.performance_zone_id = z.id AND i.hold_id = %s "
            "RETURNING z.id, z.category_id, i.quantity",
            [hold_id],
        )
        return [TakenPlaces(*row) for row in cursor.fetchall()]


def free_held_places(hold_ids: list[int]) -> None:
    """These carts' standing places back on sale (released or expired carts), in one
    statement: the quantities are summed per zone first, since an UPDATE … FROM changes a
    row once however many rows it joins."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ticketing_performancezone z SET held = z.held - x.n FROM ("
            "SELECT performance_zone_id, sum(quantity) AS n FROM ticketing_holdzoneitem "
            "WHERE hold_id = ANY(%s) GROUP BY 1) x WHERE z.id = x.performance_zone_id",
            [hold_ids],
        )


def free_sold_places(ticket_ids: list[int]) -> None:
    """The standing places of these tickets back on sale (refund, exchange, cancellation)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ticketing_performancezone z SET sold = z.sold - x.n FROM ("
            "SELECT performance_zone_id, count(*) AS n FROM ticketing_ticket "
            "WHERE id = ANY(%s) AND performance_zone_id IS NOT NULL GROUP BY 1) x "
            "WHERE z.id = x.performance_zone_id RETURNING z.performance_id",
            [ticket_ids],
        )
        availability_changed(row[0] for row in cursor.fetchall())
