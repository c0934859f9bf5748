"""The buyers of the rush: what they ask for, the seat map they pick from (seated rush), their
HTTP client, and what they saw (statuses, latencies, tickets)."""

from __future__ import annotations

import http.client
import json
import math
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

SIZE_WEIGHTS = {1: 25, 2: 40, 3: 20, 4: 15}  # places (seats or standing) asked per buyer, in %
ORDERS_PATH = "/api/v1/orders/"
SEATS_TAKEN = "ticketing.seats_unavailable"
NOT_ENOUGH = "ticketing.not_enough_places"


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass(frozen=True)
class SeatInfo:
    id: int  # Seat id (what the API takes)
    label: str
    row: int  # 0 = the row nearest the stage, over the whole hall
    number: int


class SeatMap:
    """What the buyers believe is free: the hall minus the seats they bought or saw taken.
    Shared by every buyer and never re-read from the server, so it is a little stale, as a
    seat map in a browser is during a rush: that is where the collisions come from."""

    def __init__(self, seats: list[SeatInfo], *, hot_rows: int, hot_share: float):
        self.by_label = {s.label: s for s in seats}
        self.free = {s.id for s in seats}
        self.lock = threading.Lock()
        rows: dict[int, list[SeatInfo]] = {}
        for seat in seats:
            rows.setdefault(seat.row, []).append(seat)
        self.rows = [sorted(rows[r], key=lambda s: s.number) for r in sorted(rows)]
        # The hot block: the front rows, their centre `hot_share` of seats.
        self.hot = []
        for row in self.rows[:hot_rows]:
            margin = round(len(row) * (1 - hot_share) / 2)
            self.hot.append(row[margin : len(row) - margin] or row)

    def pick(self, size: int, rng: random.Random) -> list[int] | None:
        """`size` adjacent seats believed free: in the hot block if it has room, else in one
        of the three front-most rows that has."""
        with self.lock:
            for rows in (self.hot, self.rows):
                runs = []
                for row in rows:
                    runs.extend(self._windows(row, size))
                    if rows is self.rows and len(runs) >= 3 * size:
                        break
                if runs:
                    return [s.id for s in rng.choice(runs)]
        return None

    def _windows(self, row: list[SeatInfo], size: int) -> list[list[SeatInfo]]:
        windows, run = [], []
        for seat in row:
            run = [*run, seat] if seat.id in self.free else []
            if len(run) >= size:
                windows.append(run[-size:])
        return windows

    def sold(self, labels: list[str]) -> None:
        with self.lock:
            for label in labels:
                seat = self.by_label.get(label)
                if seat is not None:
                    self.free.discard(seat.id)

    def taken(self, seat_ids: list[int]) -> None:
        """The server said some of these are gone (it does not say which)."""
        with self.lock:
            self.free.difference_update(seat_ids)


@dataclass
class RushStats:
    capacity: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies_ms: list[float] = field(default_factory=list)  # successful orders
    all_latencies_ms: list[float] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    orders: int = 0
    tickets: int = 0
    amount_cents: int = 0
    requests: int = 0
    # Standing rush: the fewest places a buyer was refused (409 "not enough places"). Places
    # only go during a rush, so as many must not be left at the end.
    smallest_refusal: int | None = None

    def sold_out(self) -> bool:
        return self.tickets >= self.capacity

    def request_done(self, status: int, ms: float) -> None:
        with self.lock:
            self.requests += 1
            self.statuses[status] += 1
            self.all_latencies_ms.append(ms)

    def success(self, body: dict, ms: float) -> None:
        with self.lock:
            self.orders += 1
            self.tickets += len(body.get("tickets", []))
            self.amount_cents += int(body.get("total_cents") or 0)
            self.latencies_ms.append(ms)

    def outcome(self, name: str) -> None:
        with self.lock:
            self.outcomes[name] += 1

    def refused(self, places: int) -> None:
        with self.lock:
            self.outcomes["not_enough_left"] += 1
            if self.smallest_refusal is None or places < self.smallest_refusal:
                self.smallest_refusal = places

    def error(self, detail: str) -> None:
        with self.lock:
            self.outcomes["error"] += 1
            if len(self.error_samples) < 5:
                self.error_samples.append(detail[:300])


class ApiClient:
    """One buyer's HTTP/1.1 connection. Kept alive when the server allows it (gthread);
    a sync gunicorn worker closes it after each answer and it is reopened for the next."""

    def __init__(self, port: int, host: str, key: str, performance: int):
        self.port = port
        self.performance = performance
        self.headers = {
            "Host": host,
            "Authorization": f"Token {key}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def order(self, *, seats=None, best=0, zones=None, buyer=None) -> tuple[int, dict, float]:
        """Precise `seats`, else standing places (`zones`: performance zone id → places),
        else `best` best-available seats."""
        body: dict = {
            "performance": self.performance,
            "tariff": "plein",
            "payment": {"method": "offline_test"},
        }
        if seats:
            body["seats"] = seats
        elif zones:
            body["zones"] = {str(zone): places for zone, places in zones.items()}
        else:
            body["best_available"] = best
        if buyer:
            body["buyer"] = buyer
        return self.post(ORDERS_PATH, body)

    def post(self, path: str, body: dict) -> tuple[int, dict, float]:
        payload = json.dumps(body).encode()
        started = time.perf_counter()
        try:
            self.conn.request("POST", path, body=payload, headers=self.headers)
            response = self.conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            return 0, {"detail": f"{exc.__class__.__name__}: {exc}"}, 0.0
        ms = (time.perf_counter() - started) * 1000
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {"detail": raw[:200].decode(errors="replace")}
        return response.status, data if isinstance(data, dict) else {"body": data}, ms

    def get(self, path: str) -> int:
        try:
            self.conn.request("GET", path, headers=self.headers)
            response = self.conn.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            self.conn.close()
            return 0

    def close(self) -> None:
        self.conn.close()


@dataclass(frozen=True)
class BuyerPlan:
    size: int
    specific: bool
    buyer: dict | None


def plan_buyers(count: int, *, specific_share: float, buyer_share: float, seed: int):
    rng = random.Random(seed)  # noqa: S311 - a simulation, not a secret
    sizes, weights = zip(*SIZE_WEIGHTS.items(), strict=True)
    plans = []
    for n in range(count):
        buyer = None
        if rng.random() < buyer_share:
            buyer = {"email": f"buyer{n}@bench.test", "first_name": "Buyer", "last_name": str(n)}
        plans.append(
            BuyerPlan(
                size=rng.choices(sizes, weights)[0],
                specific=rng.random() < specific_share,
                buyer=buyer,
            )
        )
    return plans
