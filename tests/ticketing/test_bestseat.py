"""The best-available choice, on hand-drawn rows (no database)."""

from ticketing.bestseat import Candidate, choose


def row(label, numbers, *, rank=1, y=1.0, section=1, start_id=0, wheelchair=(), companion=()):
    return [
        Candidate(
            id=start_id + n,
            section=section,
            row=label,
            number=n,
            x=float(n),
            y=y,
            rank=rank,
            wheelchair=n in wheelchair,
            companion=n in companion,
        )
        for n in numbers
    ]


def test_takes_contiguous_seats_in_the_centre_of_the_best_row():
    seats = row("A", range(1, 11), rank=1) + row("B", range(1, 11), rank=2, y=2, start_id=100)
    choice = choose(seats, 2)
    assert choice.contiguous
    assert choice.ids in ([5, 6], [6, 5])


def test_best_rank_wins_over_the_centre():
    seats = row("A", [1, 2, 3], rank=1) + row("B", range(1, 11), rank=2, y=2, start_id=100)
    assert choose(seats, 2).ids[0] in (1, 2)


def test_never_spans_a_sold_seat():
    # Row A: 1 2 . 4 5 (3 is sold) — 3 adjacent seats only exist in row B.
    seats = row("A", [1, 2, 4, 5]) + row("B", [1, 2, 3], rank=1, y=2, start_id=100)
    assert choose(seats, 3).ids == [101, 102, 103]


def test_avoids_stranding_a_single_seat_when_it_can():
    # Run 1..5: taking 2..5 would strand seat 1; taking 1..4 strands 5. Both strand one,
    # but run 10..13 (4 seats) strands nothing and is preferred.
    seats = row("A", [1, 2, 3, 4, 5]) + row("A", [10, 11, 12, 13])
    assert sorted(choose(seats, 4).ids) == [10, 11, 12, 13]


def test_keeps_wheelchair_and_companion_seats_for_those_who_ask():
    seats = row("A", range(1, 5), wheelchair={1}, companion={2})
    assert sorted(choose(seats, 2).ids) == [3, 4]
    assert choose(seats, 3) is None  # only two ordinary seats: the others stay kept
    accessible = choose(seats, 2, wheelchair=1)
    assert sorted(accessible.ids) == [1, 2]


def test_falls_back_to_the_best_separate_seats():
    seats = row("A", [1, 3, 5]) + row("B", [2], rank=2, y=2, start_id=100)
    choice = choose(seats, 3)
    assert not choice.contiguous
    assert sorted(choice.ids) == [1, 3, 5]


def test_returns_none_when_there_are_not_enough_seats():
    assert choose(row("A", [1, 2]), 3) is None
