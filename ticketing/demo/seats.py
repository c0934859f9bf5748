"""Seat picking for demo buyers, in memory: one query per layout, none per order."""

from __future__ import annotations

import random
from dataclasses import dataclass

from ticketing.models import Layout, Seat


@dataclass
class _Seat:
    id: int
    row_key: tuple[int, str]
    x: float
    y: float
    rank: int
    wheelchair: bool
    companion: bool


class SeatPicker:
    """Chooses seats for demo buyers the way people do: good rows first, together, near the
    centre, leaving scattered single seats at the end. Wheelchair spaces and companion seats
    are only sold in pairs, to buyers who ask for them."""

    def __init__(self, seats: list[_Seat]):
        rows: dict[tuple[int, str], list[_Seat]] = {}
        for seat in seats:
            rows.setdefault(seat.row_key, []).append(seat)
        self.rows = [sorted(r, key=lambda s: s.x) for _k, r in sorted(rows.items())]
        self.by_id = {s.id: s for s in seats}
        self.free = {s.id for s in seats if not (s.wheelchair or s.companion)}
        self.wheelchair = sorted(s.id for s in seats if s.wheelchair)
        self.companions = sorted(s.id for s in seats if s.companion)

    def remaining(self) -> int:
        return len(self.free)

    def _runs(self, row: list[_Seat], n: int) -> list[list[_Seat]]:
        windows, run = [], []
        for seat in [*row, None]:
            if seat is not None and seat.id in self.free:
                run.append(seat)
                continue
            windows.extend(run[i : i + n] for i in range(len(run) - n + 1))
            run = []
        return windows

    def take(self, n: int, rng: random.Random, ranks: set[int] | None = None) -> list[int]:
        if n > len(self.free):
            return []
        weights, rows = [], []
        for row in self.rows:
            if ranks is not None and row[0].rank not in ranks:
                continue
            free = sum(1 for s in row if s.id in self.free)
            if free >= n:
                rows.append(row)
                weights.append({1: 5.0, 2: 2.5}.get(row[0].rank, 1.0) * free / len(row))
        for _attempt in range(6 if rows else 0):
            row = rng.choices(rows, weights)[0]
            windows = self._runs(row, n)
            if windows:
                best = min(windows, key=lambda w: abs(w[0].x + w[-1].x) / 2 + rng.random() * 3)
                return self._mark([s.id for s in best])
        # A big group or a nearly full hall: the best free seats, row after row.
        pool = [s for s in (self.by_id[i] for i in self.free) if ranks is None or s.rank in ranks]
        if len(pool) < n:
            return []
        pool.sort(key=lambda s: (s.rank, s.y, abs(s.x)))
        return self._mark([s.id for s in pool[:n]])

    def take_accessible(self) -> list[int]:
        """A wheelchair space and the companion seat next to it."""
        for wheelchair in self.wheelchair:
            w = self.by_id[wheelchair]
            near = [c for c in self.companions if self.by_id[c].row_key == w.row_key]
            if near:
                companion = min(near, key=lambda c: abs(self.by_id[c].x - w.x))
                self.wheelchair.remove(wheelchair)
                self.companions.remove(companion)
                return [wheelchair, companion]
        return []

    def _mark(self, ids: list[int]) -> list[int]:
        self.free.difference_update(ids)
        return ids


def layout_seats(layout: Layout) -> list[_Seat]:
    return [
        _Seat(sid, (order, row), x, y, rank, wheelchair, companion)
        for sid, order, row, x, y, rank, wheelchair, companion in Seat.objects.filter(
            section__layout=layout, is_blocked=False
        ).values_list("id", "section__order", "row", "x", "y", "rank", "wheelchair", "companion")
    ]
