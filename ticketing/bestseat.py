"""Best available seats: pure functions over a list of candidate seats (no database).

For N seats we look, row by row, at every window of N *adjacent* free seats (same section,
same row, side by side in x with no aisle or sold seat between: see neighbours()). Each
window gets a score and the lowest score wins, compared in this order:

1. the worst seat rank in the window (rank 1 = best seats: best rank first);
2. whether taking it strands a single free seat at either end of its run, which is hard to
   sell later (we avoid that whenever another window exists);
3. the distance of the window's centre to the middle of its row (close to the centre);
4. the row's distance to the stage (closer first), then row and position for a stable result.

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

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
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


# Field positions: choose() reads candidates by index, so that plain tuples in Candidate's
# order serve as well as Candidates (best-available builds thousands per request).
ID, SECTION, ROW, NUMBER, X, Y, RANK, WHEELCHAIR, COMPANION = range(9)
# Two seats of a row side by side are at most this many times the row's usual spacing apart;
# a wider gap is an aisle.
AISLE_FACTOR = 1.6


def by_row(seats: Iterable[Candidate], *, order: int = X) -> dict[tuple, list]:
    """(section, row) → that row's seats, sorted by `order` (a field position: left to right
    by default)."""
    rows: dict[tuple, list] = {}
    for seat in seats:
        rows.setdefault((seat[SECTION], seat[ROW]), []).append(seat)
    for row in rows.values():
        row.sort(key=lambda s: s[order])
    return rows


def neighbours(seats: Iterable[Candidate]) -> dict[int, int]:
    """Seat id → the id of the seat just right of it (same section and row, next in x, no
    aisle between). Given every seat of a layout, free or not, a seat sold between two free
    ones breaks their run; given only free seats, a gap wider than the row's usual spacing
    does. Seat numbers play no part: French odd/even numbering puts 3 beside 1."""
    right: dict[int, int] = {}
    for row in by_row(seats).values():
        gaps = [b[X] - a[X] for a, b in pairwise(row)]
        if not gaps:
            continue
        limit = median(gaps) * AISLE_FACTOR
        for a, b in pairwise(row):
            if b[X] - a[X] <= limit:
                right[a[ID]] = b[ID]
    return right


def _neighbours_by_number(seats: Iterable[Candidate]) -> dict[int, int]:
    """neighbours() when only the free seats are known: seats with consecutive numbers and
    no aisle between are side by side (a sold seat leaves a gap in the numbers)."""
    right: dict[int, int] = {}
    for row in by_row(seats, order=NUMBER).values():
        pairs = [(a, b) for a, b in pairwise(row) if b[NUMBER] == a[NUMBER] + 1]
        if not pairs:
            continue
        limit = median(abs(b[X] - a[X]) for a, b in pairs) * AISLE_FACTOR
        for a, b in pairs:
            if abs(b[X] - a[X]) <= limit:
                left, other = (a, b) if a[X] <= b[X] else (b, a)
                right[left[ID]] = other[ID]
    return right


def _runs(seats: list, right: dict[int, int]) -> list[list]:
    """Split a row's free seats (left to right) into runs of seats side by side."""
    runs = [[seats[0]]]
    for prev, seat in pairwise(seats):
        if right.get(prev[ID]) == seat[ID]:
            runs[-1].append(seat)
        else:
            runs.append([seat])
    return runs


# A run offering more windows than this, all of one rank, is searched only around its centre.
_SCAN_ALL_UP_TO = 6


def _starts(run: list, quantity: int, centre: float, uniform: bool) -> range:
    """The first seats of the windows of `run` worth scoring.

    All of them, unless the run is all of one rank and long: then only those around the
    row's centre. Along a run (left to right) the windows' middles grow, so their distance
    to the centre falls, then rises; the windows that strand a single seat (the 2nd and the
    last but one) are at least four apart; so the best window — no stranded seat first, then
    closest to the centre, ties to the left — is among the three windows each side of where
    the middles cross the centre. Scoring every window of every row cost more than the rest
    of an order."""
    last = len(run) - quantity
    if not uniform or last < _SCAN_ALL_UP_TO:
        return range(last + 1)
    span = quantity - 1
    crossing = bisect_left([(run[i][X] + run[i + span][X]) / 2 for i in range(last + 1)], centre)
    return range(max(0, crossing - 3), min(last, crossing + 2) + 1)


def choose(
    candidates: list[Candidate],
    quantity: int,
    *,
    stage_y: float = 0.0,
    wheelchair: int = 0,
    row_centres: dict[tuple[int, str], float] | None = None,
    right: dict[int, int] | None = None,
) -> Choice | None:
    """The best `quantity` seats among these free ones. `right`: which seat is beside which
    (neighbours() over the whole layout); without it, worked out from the candidates' numbers
    (_neighbours_by_number)."""
    if quantity <= 0:
        return None
    if wheelchair:
        return _choose_accessible(
            [Candidate._make(c) for c in candidates], quantity, wheelchair, stage_y
        )
    usual = [c for c in candidates if not (c[WHEELCHAIR] or c[COMPANION])]
    if len(usual) < quantity:
        return None
    if right is None:
        right = _neighbours_by_number(candidates)
    choice = choose_in_rows(
        by_row(usual).items(), quantity, stage_y=stage_y, right=right, row_centres=row_centres
    )
    if choice is not None:
        return choice
    return _fallback([Candidate._make(c) for c in usual], quantity, stage_y)


def choose_in_rows(
    rows,
    quantity: int,
    *,
    stage_y: float,
    right: dict[int, int],
    row_centres: dict[tuple[int, str], float] | None = None,
) -> Choice | None:
    """The best window of `quantity` seats side by side, or None. `rows`: ((section, row),
    that row's free seats left to right, wheelchair spaces and companion seats left out)."""
    best: tuple | None = None
    best_ids: list[int] = []
    for key, seats in rows:
        if len(seats) < quantity:
            continue
        centre = (row_centres or {}).get(key)
        if centre is None:
            centre = (seats[0][X] + seats[-1][X]) / 2
        for run in _runs(seats, right):
            size = len(run)
            if size < quantity:
                continue
            ranks = [s[RANK] for s in run]
            lowest = min(ranks)
            if best is not None and lowest > best[0]:
                continue  # every window here is worse on the first criterion
            for start in _starts(run, quantity, centre, lowest == max(ranks)):
                end = start + quantity - 1
                first = run[start]
                score = (
                    max(ranks[start : end + 1]),
                    (start == 1) + (size - end - 1 == 1),  # single seats stranded
                    round(abs((first[X] + run[end][X]) / 2 - centre), 3),
                    round(abs(first[Y] - stage_y), 3),
                    key,
                    first[X],
                )
                if best is None or score < best:
                    best, best_ids = score, [s[ID] for s in run[start : end + 1]]
    return None if best is None else Choice(ids=best_ids, contiguous=True)


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
        row = sorted((c for c in pool if (c.section, c.row) == key), key=lambda c: c.x)
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
