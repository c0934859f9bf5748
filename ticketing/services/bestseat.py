"""Best available seats: pure functions over a list of candidate seats (no database).

For N seats we look, row by row, at every window of N *adjacent* free seats (same section,
same row, consecutive numbers, no aisle gap in x). Each window gets a score and the lowest
score wins, compared in this order:

1. the worst seat rank in the window (rank 1 = best seats: best rank first);
2. whether taking it strands a single free seat at either end of its run, which is hard to
   sell later (we avoid that whenever another window exists);
3. the distance of the window's centre to the middle of its row (close to the centre);
4. the row's distance to the stage (closer first), then row and number for a stable result.

        stage
    A  . . [x x x] . . .      window of 3 in row A, centred; leaves runs of 2 and 3: fine
    B  . [x x x] . . . .      leaves a single free seat on the left: penalised
    C  x x . . . . x x x      (sold seats break runs: a window never spans them)

Wheelchair spaces and companion seats are kept for spectators who ask for them: they are left
out unless `wheelchair` > 0, in which case that many wheelchair spaces are chosen first and
the rest of the party is seated on companion seats or the nearest free seats of the same row.
When no row has N adjacent seats, the N best single seats are returned, grouped as closely as
possible (same row first), and the caller says so to the buyer.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby, pairwise
from statistics import median
from typing import NamedTuple


class Candidate(NamedTuple):
    """A free seat (a tuple: thousands are made per request in a rush)."""

    id: int  # Seat id
    section: int
    row: str
    number: int
    x: float
    y: float
    rank: int
    wheelchair: bool = False
    companion: bool = False


@dataclass(frozen=True)
class Choice:
    ids: list[int]
    contiguous: bool


def _runs(row_seats: list[Candidate]) -> list[list[Candidate]]:
    """Split a row's free seats into runs of adjacent seats (consecutive numbers, no aisle)."""
    seats = sorted(row_seats, key=lambda s: s.number)
    if not seats:
        return []
    gaps = [abs(b.x - a.x) for a, b in pairwise(seats) if b.number == a.number + 1]
    spacing = median(gaps) if gaps else 1.0
    runs: list[list[Candidate]] = [[seats[0]]]
    for prev, seat in pairwise(seats):
        adjacent = seat.number == prev.number + 1 and abs(seat.x - prev.x) <= spacing * 1.6
        if adjacent:
            runs[-1].append(seat)
        else:
            runs.append([seat])
    return runs


def choose(
    candidates: list[Candidate],
    quantity: int,
    *,
    stage_y: float = 0.0,
    wheelchair: int = 0,
    row_centres: dict[tuple[int, str], float] | None = None,
) -> Choice | None:
    if quantity <= 0:
        return None
    if wheelchair:
        return _choose_accessible(candidates, quantity, wheelchair, stage_y)
    pool = [c for c in candidates if not (c.wheelchair or c.companion)]
    if len(pool) < quantity:
        return None
    by_row = {
        key: list(group)
        for key, group in groupby(
            sorted(pool, key=lambda c: (c.section, c.row)), key=lambda c: (c.section, c.row)
        )
    }
    best: tuple | None = None
    best_ids: list[int] = []
    for key, seats in by_row.items():
        centre = (row_centres or {}).get(key)
        if centre is None:
            centre = (min(s.x for s in seats) + max(s.x for s in seats)) / 2
        for run in _runs(seats):
            if len(run) < quantity:
                continue
            for start in range(len(run) - quantity + 1):
                window = run[start : start + quantity]
                left, right = start, len(run) - start - quantity
                strands = int(left == 1) + int(right == 1)
                mid_x = (window[0].x + window[-1].x) / 2
                score = (
                    max(s.rank for s in window),
                    strands,
                    round(abs(mid_x - centre), 3),
                    round(abs(window[0].y - stage_y), 3),
                    key,
                    window[0].number,
                )
                if best is None or score < best:
                    best, best_ids = score, [s.id for s in window]
    if best is not None:
        return Choice(ids=best_ids, contiguous=True)
    return _fallback(pool, quantity, stage_y)


def _fallback(pool: list[Candidate], quantity: int, stage_y: float) -> Choice:
    """No row has enough adjacent seats: take the best seats, filling one row before the next."""
    rows = sorted(
        {(c.section, c.row) for c in pool},
        key=lambda key: min(
            (c.rank, abs(c.y - stage_y)) for c in pool if (c.section, c.row) == key
        ),
    )
    chosen: list[int] = []
    for key in rows:
        row = sorted((c for c in pool if (c.section, c.row) == key), key=lambda c: c.number)
        for seat in row:
            if len(chosen) == quantity:
                break
            chosen.append(seat.id)
    return Choice(ids=chosen[:quantity], contiguous=False)


def _choose_accessible(
    candidates: list[Candidate], quantity: int, wheelchair: int, stage_y: float
) -> Choice | None:
    spaces = sorted(
        (c for c in candidates if c.wheelchair),
        key=lambda c: (c.rank, abs(c.y - stage_y), c.number),
    )
    if len(spaces) < wheelchair:
        return None
    picked = spaces[:wheelchair]
    rest = quantity - wheelchair
    if rest:
        anchor = picked[0]
        others = sorted(
            (c for c in candidates if not c.wheelchair and c.id not in {p.id for p in picked}),
            key=lambda c: (
                not c.companion,
                (c.section, c.row) != (anchor.section, anchor.row),
                abs(c.x - anchor.x) + abs(c.y - anchor.y),
            ),
        )
        if len(others) < rest:
            return None
        picked += others[:rest]
    return Choice(ids=[c.id for c in picked], contiguous=False)
