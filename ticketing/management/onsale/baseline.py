"""The baseline: the rush's row changes as raw psycopg transactions, without Django."""

from __future__ import annotations

import random
import threading
import time

import psycopg
from django.core.management.base import CommandError
from django.db import connection

from ticketing.models.orders import new_reference, new_ticket_code

from .buyers import SIZE_WEIGHTS

BASELINE_TAKE = (
    "UPDATE ticketing_performanceseat SET status = 'sold', hold_id = NULL, "
    "hold_expires_at = NULL WHERE performance_id = %s AND id = ANY(%s) "
    "AND status = 'available' AND allocation_id IS NULL RETURNING seat_id, category_id"
)
# The zone's counter, as inventory.zones.try_take moves it for a sale.
BASELINE_TAKE_PLACES = (
    "UPDATE ticketing_performancezone SET sold = sold + %s WHERE id = %s "
    "AND performance_id = %s AND held + sold + %s <= capacity RETURNING category_id"
)
BASELINE_ORDER = (
    "INSERT INTO ticketing_order (reference, status, channel, currency, total_cents, fee_cents, "
    "refunded_cents, created_at, paid_at) VALUES (%s, 'paid', 'api', 'EUR', %s, 0, 0, now(), "
    "now()) RETURNING id"
)
BASELINE_TICKETS = (
    "INSERT INTO ticketing_ticket (order_id, performance_id, seat_id, tariff_id, price_cents, "
    "fee_cents, tax_rate_bp, status, code, created_at) SELECT %s, %s, u.seat, %s, u.price, 0, "
    "550, 'valid', u.code, now() FROM unnest(%s::bigint[], %s::int[], %s::text[]) "
    "AS u(seat, price, code)"
)
BASELINE_STANDING_TICKETS = (
    "INSERT INTO ticketing_ticket (order_id, performance_id, performance_zone_id, tariff_id, "
    "price_cents, fee_cents, tax_rate_bp, status, code, created_at) SELECT %s, %s, %s, %s, %s, "
    "0, 550, 'valid', u.code, now() FROM unnest(%s::text[]) AS u(code)"
)
# `change_cents` (cash change given back, 0 here) is written where the schema has the column:
# the same baseline then runs in an older checkout too (docs/operations.md, before/after).
BASELINE_PAYMENT = (
    "INSERT INTO ticketing_payment (order_id, method, amount_cents, {change}status, "
    "provider_reference, created_at) VALUES (%s, 'offline_test', %s, {zero}'succeeded', '', "
    "now())"
)


def payment_insert(conn: psycopg.Connection) -> str:
    """BASELINE_PAYMENT for this schema (with or without `change_cents`)."""
    has_change = conn.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = 'ticketing_payment' AND column_name = 'change_cents'"
    ).fetchone()
    if has_change:
        return BASELINE_PAYMENT.format(change="change_cents, ", zero="0, ")
    return BASELINE_PAYMENT.format(change="", zero="")


class SqlBaseline:
    """The rush's row changes without Django, HTTP or choosing seats, so it measures what
    PostgreSQL and the driver cost at this concurrency. Seated (`standing` false): each
    transaction takes a group of 1–4 free seats (groups dealt from one list, best seats
    first). Standing: each takes 1–4 places from the performance's one zone counter, the row
    every transaction queues on, as in the rush."""

    def __init__(
        self,
        params: dict,
        schema: str,
        performance: int,
        concurrency: int,
        seed: int,
        *,
        standing: bool = False,
    ):
        self.params = {**params, "autocommit": False}
        self.schema = schema
        self.performance = performance
        self.concurrency = concurrency
        self.standing = standing
        self.rng = random.Random(seed)  # noqa: S311 - a simulation, not a secret

    def connect(self) -> psycopg.Connection:
        conn = psycopg.connect(**self.params)
        conn.execute(f"SET search_path = {connection.ops.quote_name(self.schema)}, public")
        conn.commit()
        return conn

    def run(self, min_seconds: float, max_passes: int = 30) -> tuple[float, int, int]:
        """Returns (transactions per second, transactions, passes)."""
        admin = self.connect()
        try:
            places = self._places(admin) if self.standing else self._seats(admin)
            self.prices = dict(
                admin.execute(
                    "SELECT p.category_id, p.amount_cents FROM ticketing_price p JOIN "
                    "ticketing_tariff t ON t.id = p.tariff_id WHERE t.code = 'plein'"
                ).fetchall()
            )
            tariff = admin.execute("SELECT id FROM ticketing_tariff WHERE code = 'plein'")
            self.tariff = tariff.fetchone()[0]
            self.payment = payment_insert(admin)
            admin.commit()
            conns = [self.connect() for _ in range(self.concurrency)]
            try:
                total_tx, total_s, passes = 0, 0.0, 0
                while passes < max_passes and (total_s < min_seconds or passes == 0):
                    orders: list[int] = []
                    groups = self._groups(places)
                    seconds, done = self._one_pass(conns, groups, orders)
                    total_tx += done
                    total_s += seconds
                    passes += 1
                    self._reset(admin, orders)
            finally:
                for conn in conns:
                    conn.close()
        finally:
            admin.close()
        return (total_tx / total_s if total_s else 0.0), total_tx, passes

    def _seats(self, admin: psycopg.Connection) -> list[tuple[int, int]]:
        """(performance seat id, category id) of the free seats, best first."""
        return admin.execute(
            "SELECT ps.id, ps.category_id FROM ticketing_performanceseat ps JOIN "
            "ticketing_seat s ON s.id = ps.seat_id WHERE ps.performance_id = %s "
            "AND ps.status = 'available' ORDER BY s.rank, s.y, abs(s.x), s.number",
            [self.performance],
        ).fetchall()

    def _places(self, admin: psycopg.Connection) -> list[tuple[int, int]]:
        """(performance zone id, category id) once per free place of the one zone."""
        zone = admin.execute(
            "SELECT id, category_id, capacity - held - sold FROM ticketing_performancezone "
            "WHERE performance_id = %s",
            [self.performance],
        ).fetchall()
        if len(zone) != 1:
            raise CommandError(f"SQL baseline: {len(zone)} zones, expected one.")
        zone_id, category, free = zone[0]
        return [(zone_id, category)] * free

    def _groups(self, places: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
        sizes, weights = zip(*SIZE_WEIGHTS.items(), strict=True)
        groups, start = [], 0
        while start < len(places):
            size = self.rng.choices(sizes, weights)[0]
            groups.append(places[start : start + size])
            start += size
        return groups

    def _one_pass(self, conns, groups, orders: list[int]) -> tuple[float, int]:
        lock = threading.Lock()
        queue = iter(groups)
        done = [0]
        barrier = threading.Barrier(len(conns) + 1)
        failures: list[BaseException] = []
        transaction = self._standing_transaction if self.standing else self._transaction

        def work(conn: psycopg.Connection) -> None:
            try:
                barrier.wait()
                while True:
                    with lock:
                        group = next(queue, None)
                    if group is None:
                        return
                    order_id = transaction(conn, group)
                    if order_id is not None:
                        with lock:
                            done[0] += 1
                            orders.append(order_id)
            except BaseException as exc:  # reported after the pass
                failures.append(exc)

        threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in conns]
        for thread in threads:
            thread.start()
        barrier.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        if failures:
            raise CommandError(f"SQL baseline failed: {failures[0]!r}")
        return seconds, done[0]

    def _transaction(self, conn: psycopg.Connection, group) -> int | None:
        ids = [ps_id for ps_id, _category in group]
        with conn.cursor() as cursor:
            taken = cursor.execute(BASELINE_TAKE, [self.performance, ids]).fetchall()
            if len(taken) != len(ids):
                conn.rollback()
                return None
            amounts = [self.prices[category] for _seat, category in taken]
            total = sum(amounts)
            cursor.execute(BASELINE_ORDER, [new_reference(), total])
            order_id = cursor.fetchone()[0]
            cursor.execute(
                BASELINE_TICKETS,
                [
                    order_id,
                    self.performance,
                    self.tariff,
                    [seat for seat, _category in taken],
                    amounts,
                    [new_ticket_code() for _ in taken],
                ],
            )
            cursor.execute(self.payment, [order_id, total])
        conn.commit()
        return order_id

    def _standing_transaction(self, conn: psycopg.Connection, group) -> int | None:
        """As the service sells standing places: the counter first, the order after (here in
        three INSERTs; the service writes them in one statement)."""
        zone_id, n = group[0][0], len(group)
        with conn.cursor() as cursor:
            taken = cursor.execute(
                BASELINE_TAKE_PLACES, [n, zone_id, self.performance, n]
            ).fetchone()
            if taken is None:
                conn.rollback()
                return None
            price = self.prices[taken[0]]
            cursor.execute(BASELINE_ORDER, [new_reference(), price * n])
            order_id = cursor.fetchone()[0]
            cursor.execute(
                BASELINE_STANDING_TICKETS,
                [
                    order_id,
                    self.performance,
                    zone_id,
                    self.tariff,
                    price,
                    [new_ticket_code() for _ in range(n)],
                ],
            )
            cursor.execute(self.payment, [order_id, price * n])
        conn.commit()
        return order_id

    def _reset(self, admin: psycopg.Connection, orders: list[int]) -> None:
        admin.execute("DELETE FROM ticketing_ticket WHERE performance_id = %s", [self.performance])
        admin.execute("DELETE FROM ticketing_payment WHERE order_id = ANY(%s)", [orders])
        admin.execute("DELETE FROM ticketing_order WHERE id = ANY(%s)", [orders])
        if self.standing:
            admin.execute(
                "UPDATE ticketing_performancezone SET sold = 0 WHERE performance_id = %s",
                [self.performance],
            )
            inventory = "ticketing_performancezone"
        else:
            admin.execute(
                "UPDATE ticketing_performanceseat SET status = 'available' "
                "WHERE performance_id = %s AND status = 'sold'",
                [self.performance],
            )
            inventory = "ticketing_performanceseat"
        admin.commit()
        admin.autocommit = True
        try:
            admin.execute(f"VACUUM {inventory}, ticketing_ticket, ticketing_order")
        finally:
            admin.autocommit = False
