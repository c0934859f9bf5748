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

Seats that fit the person: a spectator may declare needs (NEEDS: the codes a contact's
`accessibility_needs` holds). `fit()` says how well one seat meets them and `for_needs()`
orders seats by it; best available with needs (`choose(..., needs=...)`) looks among the
fitting seats first. The storefront, the counter and the API all rank through these two
functions, nowhere else.
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
    hearing_loop: bool = False
    step_free: bool = False


@dataclass(frozen=True)
class Choice:
    ids: list[int]
    contiguous: bool


# Field positions: choose() reads candidates by index, so that plain tuples in Candidate's
# order serve as well as Candidates (best-available builds thousands per request).
ID, SECTION, ROW, NUMBER, X, Y, RANK, WHEELCHAIR, COMPANION, HEARING_LOOP, STEP_FREE = range(11)
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


# --- Seats that fit the person ---------------------------------------------------------------
WHEELCHAIR_NEED = "wheelchair"
COMPANION_NEED = "companion_seat"
HEARING_LOOP_NEED = "hearing_loop"
REDUCED_MOBILITY_NEED = "reduced_mobility"
NEEDS = (WHEELCHAIR_NEED, COMPANION_NEED, HEARING_LOOP_NEED, REDUCED_MOBILITY_NEED)


def clean_needs(values: Iterable[str] | None) -> tuple[str, ...]:
    """The known need codes among `values`, in NEEDS order (unknown ones are ignored: a
    contact's list may hold codes a later version added)."""
    given = {str(v) for v in (values or ())}
    return tuple(code for code in NEEDS if code in given)


def needs_of(person) -> tuple[str, ...]:
    """A contact's declared needs (the CRM's `accessibility_needs`, when it has them)."""
    return clean_needs(getattr(person, "accessibility_needs", None) or ())


def fit(seat, needs: tuple[str, ...]) -> int:
    """How well one seat (a Candidate, or a tuple in its order) meets these needs: the number
    of needs it answers, 0 when none. A wheelchair user needs a wheelchair space, whoever
    comes with them a companion seat; reduced mobility is met by a step-free seat (or a
    companion seat, which is beside the step-free spaces); hearing loop by its zone."""
    score = 0
    if WHEELCHAIR_NEED in needs and seat[WHEELCHAIR]:
        score += 1
    if COMPANION_NEED in needs and seat[COMPANION]:
        score += 1
    if HEARING_LOOP_NEED in needs and len(seat) > HEARING_LOOP and seat[HEARING_LOOP]:
        score += 1
    if REDUCED_MOBILITY_NEED in needs and (
        (len(seat) > STEP_FREE and seat[STEP_FREE]) or seat[COMPANION]
    ):
        score += 1
    return score


def for_needs(seats: Iterable, needs: tuple[str, ...], *, stage_y: float = 0.0) -> list:
    """These seats, the ones that fit the needs best first (then best rank, nearest the
    stage). Wheelchair spaces and companion seats are kept for those who need them: without
    such a need they are left out."""
    keep_spaces = WHEELCHAIR_NEED in needs or COMPANION_NEED in needs
    pool = [
        s
        for s in seats
        if keep_spaces or REDUCED_MOBILITY_NEED in needs or not (s[WHEELCHAIR] or s[COMPANION])
    ]
    if not keep_spaces:
        pool = [s for s in pool if not s[WHEELCHAIR]]
    return sorted(
        pool, key=lambda s: (-fit(s, needs), s[RANK], round(abs(s[Y] - stage_y), 3), s[X])
    )


def _choose_for_needs(
    candidates: list, quantity: int, needs: tuple[str, ...], stage_y: float, right
) -> Choice | None:
    """Side by side among the seats that fit, else the fitting seats first and the nearest
    others of the same rows; None when no seat fits (the caller chooses as usual)."""
    ranked = for_needs(candidates, needs, stage_y=stage_y)
    fitting = [s for s in ranked if fit(s, needs)]
    if not fitting:
        return None
    if len(fitting) >= quantity:
        choice = choose_in_rows(by_row(fitting).items(), quantity, stage_y=stage_y, right=right)
        if choice is not None:
            return choice
        return Choice(ids=[s[ID] for s in fitting[:quantity]], contiguous=False)
    anchor = fitting[0]
    chosen = {s[ID] for s in fitting}
    others = sorted(
        (s for s in ranked if s[ID] not in chosen),
        key=lambda s: (
            (s[SECTION], s[ROW]) != (anchor[SECTION], anchor[ROW]),
            abs(s[X] - anchor[X]) + abs(s[Y] - anchor[Y]),
        ),
    )
    picked = fitting + others[: quantity - len(fitting)]
    if len(picked) < quantity:
        return None
    return Choice(ids=[s[ID] for s in picked], contiguous=False)


def choose(
    candidates: list[Candidate],
    quantity: int,
    *,
    stage_y: float = 0.0,
    wheelchair: int = 0,
    needs: tuple[str, ...] = (),
    row_centres: dict[tuple[int, str], float] | None = None,
    right: dict[int, int] | None = None,
) -> Choice | None:
    """The best `quantity` seats among these free ones. `right`: which seat is beside which
    (neighbours() over the whole layout); without it, worked out from the candidates' numbers
    (_neighbours_by_number). `needs`: the spectator's declared needs (NEEDS), fitting seats
    first."""
    if quantity <= 0:
        return None
    if needs and not wheelchair:
        # Declared needs are a preference: seats that fit first, else the usual choice.
        if WHEELCHAIR_NEED in needs:
            choice = _choose_accessible([Candidate(*c) for c in candidates], quantity, 1, stage_y)
            if choice is not None:
                return choice
        if right is None:
            right = _neighbours_by_number(candidates)
        choice = _choose_for_needs(candidates, quantity, needs, stage_y, right)
        if choice is not None:
            return choice
    if wheelchair:
        return _choose_accessible(
            [Candidate(*c) for c in candidates], quantity, wheelchair, stage_y
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
    return _fallback([Candidate(*c) for c in usual], quantity, stage_y)


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
