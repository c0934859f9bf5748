"""Best available looks first at the rows holding the best rank left (a third of the hall),
and must answer exactly what bestseat.choose answers over the whole hall."""

import random

import pytest

from ticketing.services import bestseat
from ticketing.services.inventory import HoldRequest, _choose


def _hall(rng: random.Random) -> list[tuple]:
    """Free seats as candidate rows: 2 sections, rows ranked by thirds (some rows with mixed
    ranks, an aisle gap, wheelchair spaces and companion seats), a random part sold."""
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
                if rng.random() < 0.55:  # sold or held: not a candidate
                    continue
                rows.append((seat_id, section, f"R{r}", number, x, y, rank, wheelchair, companion))
    return rows


@pytest.mark.parametrize("seed", range(60))
def test_the_same_seats_as_over_the_whole_hall(seed):
    rng = random.Random(seed)
    rows = _hall(rng)
    for quantity in (1, 2, 3, 4, 6):
        for wheelchair in (0, 1) if quantity > 1 else (0,):
            request = HoldRequest(best_available=quantity, wheelchair=wheelchair)
            everything = bestseat.choose(
                [bestseat.Candidate(*r) for r in rows],
                quantity,
                stage_y=0.0,
                wheelchair=wheelchair,
            )
            assert _choose(rows, request, 0.0) == everything, (seed, quantity, wheelchair)
