"""Which seats are free and which best-available would choose: reads shared by the counter's
suggestion (without taking anything) and by the services that take seats.

Hot path of an on-sale rush: the database says which seats are free, as one array in one row,
and what each seat is (row, rank, position) comes from a per-layout index kept in this
process (`layout_seats`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from tenants import generations
from ticketing import bestseat
from ticketing.models import Performance, PerformanceSeat
from ticketing.specs import HoldRequest


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
        if not request.wheelchair and not request.needs:
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
            needs=request.needs,
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


def layout_seats(layout_id: int, seat_ids: set[int]) -> LayoutSeats:
    found = _LAYOUTS.get(layout_id)
    if found is generations.MISSING or not seat_ids <= found.seats.keys():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.id, s.section_id, s.row, s.number, s.x, s.y, s.rank, s.wheelchair, "
                "s.companion, s.hearing_loop, s.step_free FROM ticketing_seat s "
                "JOIN ticketing_section c ON c.id = s.section_id WHERE c.layout_id = %s",
                [layout_id],
            )
            found = LayoutSeats.build(cursor.fetchall())
        _LAYOUTS.set(layout_id, found)
    return found


def free_seats(
    performance: Performance, *, category_id: int | None = None, allow_allocated: bool = False
) -> tuple[set[int], LayoutSeats | None]:
    """The Seat ids of the free seats, and the layout's seats.

    The hot path of an on-sale rush: the database says which seats are free, as one array in
    one row, and what each seat is comes from layout_seats. Reading ~1,000 rows of nine
    columns per request cost more than the rest of an order."""
    extra = [] if category_id is None else [category_id]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(ps.seat_id) FROM ticketing_performanceseat ps "  # noqa: S608
            f"WHERE ps.performance_id = %s AND {PerformanceSeat.takeable_sql('ps')} "
            f"{'' if allow_allocated else 'AND ps.allocation_id IS NULL'} "
            f"{'AND ps.category_id = %s' if category_id is not None else ''}",
            [performance.pk, timezone.now(), *extra],
        )
        (ids,) = cursor.fetchone()
    if not ids:
        return set(), None
    free = set(ids)
    return free, layout_seats(performance.layout_id, free)


def suggest_best_available(
    performance: Performance,
    *,
    quantity: int,
    category_id: int | None,
    exclude=(),
    needs: tuple[str, ...] = (),
) -> bestseat.Choice | None:
    """The seats best-available would take now (Seat ids), leaving out `exclude`, without
    taking them: the counter shows them to the buyer first (the seats that fit the buyer's
    `needs` first)."""
    free, layout = free_seats(performance, category_id=category_id)
    free -= set(exclude)
    if not free:
        return None
    request = HoldRequest(best_available=quantity, needs=bestseat.clean_needs(needs))
    return layout.choose(free, request, performance.layout.stage_y)


def seats_for_needs(
    performance: Performance, needs: tuple[str, ...], *, limit: int = 8
) -> list[tuple]:
    """The free public seats that fit these needs, best first (bestseat.for_needs), at most
    `limit`: offered first to a spectator who declared them. Two queries at most."""
    needs = bestseat.clean_needs(needs)
    if not needs:
        return []
    free, layout = free_seats(performance)
    if not free:
        return []
    ranked = bestseat.for_needs(
        (layout.seats[i] for i in free), needs, stage_y=performance.layout.stage_y
    )
    return [s for s in ranked if bestseat.fit(s, needs)][:limit]
