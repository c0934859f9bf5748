"""The inventory: every change of state of a performance's seats and standing places happens
in this package, and nowhere else. PostgreSQL decides who gets a seat: every change is one
conditional UPDATE, checked by its row count.

- `seats`: take seats (chosen or best available) for a cart or straight into an order;
  claim a cart's seats for its order; put sold or held seats back on sale.
- `zones`: the same for general-admission places (counters under a CHECK constraint).
- `holds`: carts (create, release, expire, lock for confirmation) and what may be sold when.
- `allocations`: seats set aside from public sale.
- `extras`: the stock of extras sold with the tickets (drinks, parking, programme book).

Lock order when several kinds of rows are touched in one transaction: hold → performance
seats (by id) → performance zones (by id) → extras (by id). Nothing here reads a row and
writes it back later.
"""

from ticketing.specs import MAX_PER_HOLD, HoldRequest, TakenPlaces, TakenSeat

from .allocations import allocate_seats, release_allocation
from .extras import release_extras, take_extras
from .holds import (
    check_on_sale,
    claim_hold,
    create_hold,
    extend_hold,
    hold_status,
    lock_active_hold,
    release_expired_holds,
    release_hold,
    sell_places,
    take_places,
    validate_request,
)
from .seats import free_sold_seats, take_best_available, take_seats
from .zones import free_sold_places

__all__ = [
    "MAX_PER_HOLD",
    "HoldRequest",
    "TakenPlaces",
    "TakenSeat",
    "allocate_seats",
    "check_on_sale",
    "claim_hold",
    "create_hold",
    "extend_hold",
    "free_sold_places",
    "free_sold_seats",
    "hold_status",
    "lock_active_hold",
    "release_allocation",
    "release_expired_holds",
    "release_extras",
    "release_hold",
    "sell_places",
    "take_best_available",
    "take_extras",
    "take_places",
    "take_seats",
    "validate_request",
]
