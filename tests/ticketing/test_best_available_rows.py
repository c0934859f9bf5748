"""Best available looks first at the rows holding the best rank left (a third of the hall),
and long runs only around their centre: it must answer exactly what scoring every window of
the whole hall answers."""

import random

import pytest

from ticketing import bestseat
from ticketing.selectors.seating import LayoutSeats
from ticketing.specs import HoldRequest


def _hall(rng: random.Random, sold: float = 0.55, every: list | None = None) -> list[tuple]:
    """Free seats as candidate rows: 2 sections, rows ranked by thirds (some rows with mixed
    ranks, an aisle gap, wheelchair spaces and companion seats), a random part sold. `every`
    receives every seat, sold or not."""
    rows, seat_id = [], 0
    for section in (1, 2):
        for r in range(12):
            y = 3.0 + 1.2 * r + (20 if section == 2 else 0)
            mixed = rng.random() < 0.2
            for number in range(1, 21):
                seat_id += 1
                rank = 1 + (3 * r) // 12
                if mixed and number > 14:
                    rank = min(3, rank + 1)
                x = (number - 10.5) + (2.0 if number > 10 else 0.0)  # an aisle mid-row
                wheelchair = r == 11 and number in (1, 2)
                companion = r == 11 and number == 3
                seat = (seat_id, section, f"R{r}", number, x, y, rank, wheelchair, companion)
                if every is not None:
                    every.append(seat)
                if rng.random() < sold:  # sold or held: not a candidate
                    continue
                rows.append(seat)
    return rows


@pytest.mark.parametrize("seed", range(60))
def test_the_same_seats_as_over_the_whole_hall(seed):
    rng = random.Random(seed)
    every: list[tuple] = []
    rows = _hall(rng, every=every)
    layout = LayoutSeats.build(every)
    free = {r[0] for r in rows}
    for quantity in (1, 2, 3, 4, 6):
        for wheelchair in (0, 1) if quantity > 1 else (0,):
            request = HoldRequest(best_available=quantity, wheelchair=wheelchair)
            everything = bestseat.choose(
                [bestseat.Candidate(*r) for r in rows],
                quantity,
                stage_y=0.0,
                wheelchair=wheelchair,
                right=layout.right,
            )
            assert layout.choose(free, request, 0.0) == everything, (seed, quantity, wheelchair)


@pytest.mark.parametrize("seed", range(40))
def test_searching_long_runs_around_the_centre_finds_the_best_window(seed, monkeypatch):
    """bestseat._starts scores only the windows near the centre of long runs of one rank: the
    answer must be the one scoring every window gives, with the layout's neighbours."""
    rng = random.Random(seed)
    every: list[tuple] = []
    rows = _hall(rng, sold=rng.choice([0.0, 0.1, 0.3, 0.6]), every=every)
    right = bestseat.neighbours(every)
    for quantity in (1, 2, 3, 4, 6):
        fast = bestseat.choose(rows, quantity, stage_y=0.0, right=right)
        monkeypatch.setattr(bestseat, "_SCAN_ALL_UP_TO", 10**6)
        assert bestseat.choose(rows, quantity, stage_y=0.0, right=right) == fast, quantity
        monkeypatch.undo()


def test_odd_even_numbering_seats_a_party_side_by_side():
    """French numbering: 9 7 5 3 1 2 4 6 8 10 from left to right. Side by side is in x."""
    numbers = [9, 7, 5, 3, 1, 2, 4, 6, 8, 10]
    every = [(i + 1, 1, "A", n, float(i), 1.0, 1, False, False) for i, n in enumerate(numbers)]
    right = bestseat.neighbours(every)
    choice = bestseat.choose(every, 4, right=right)
    assert choice.contiguous
    assert sorted(numbers[i - 1] for i in choice.ids) == [1, 2, 3, 4]
    sold_middle = [seat for seat in every if seat[3] not in (1, 2)]
    choice = bestseat.choose(sold_middle, 3, right=right)  # 1 and 2 sold: never across them
    assert choice.contiguous and {numbers[i - 1] % 2 for i in choice.ids} in ({0}, {1})
