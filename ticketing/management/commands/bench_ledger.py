"""Benchmark: what the sales ledger costs when one venue's sales all commit at once.

In a throwaway database (dropped at the end) holding the ledger's tables and the migration's
own functions and triggers, `--concurrency` connections loop for `--seconds`, each variant in
turn (`--rounds` times):

- `baseline`: BEGIN; an INSERT standing for the sale's own rows; COMMIT;
- `ledger` (what Parterre does): the same plus the entries of a sale and its payment into the
  journal (one INSERT, what `ticketing.ledger.services` sends); after the COMMIT, the
  chaining (`SELECT ticketing_ledger_chain(…)`, autocommit: numbers and hashes everything
  waiting, one caller at a time, the others return at once);
- `in_transaction` (the design it replaced, kept here to compare): the entries numbered and
  chained inside the sale's transaction by a function that takes the chain head's row lock,
  held through the COMMIT and its WAL flush, so one venue's sales commit one at a time.

    python manage.py bench_ledger [--concurrency 32] [--seconds 8] [--rounds 2]

The last line is `RESULT baseline_tx_per_s=… ledger_tx_per_s=… in_transaction_tx_per_s=…
ledger_ratio=… ledger_p95_ms=… baseline_p95_ms=… gaps=0`; gaps counts missing or repeated
numbers and journal rows left unchained after a last chaining (must be 0).
"""

from __future__ import annotations

import threading
import time

import psycopg
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from tenants.management.commands.bench_onboarding import throwaway_database
from ticketing.ledger.services import CHAIN, CHAIN_BATCH, RECORD, new_entry, record_payload
from ticketing.ledger.sql import CHAIN_SQL, REFUSE_SQL
from ticketing.models import (
    LedgerClosing,
    LedgerEntry,
    LedgerHead,
    LedgerPending,
    Order,
    Payment,
)

VARIANTS = ("baseline", "ledger", "in_transaction")

IN_TRANSACTION_SQL = """
CREATE FUNCTION bench_ledger_append(entries jsonb) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    n integer := jsonb_array_length(entries);
    last_number bigint;
    last_hash text;
    e jsonb;
    h text;
BEGIN
    INSERT INTO ticketing_ledgerhead AS head (singleton, number, hash)
    VALUES (true, n, repeat('0', 64))
    ON CONFLICT (singleton) DO UPDATE SET number = head.number + n
    RETURNING head.number - n, head.hash INTO last_number, last_hash;
    FOR e IN SELECT value FROM jsonb_array_elements(entries) LOOP
        last_number := last_number + 1;
        h := encode(sha256(convert_to(
            last_number::text || '|' || last_hash || '|' || (e->>'body'), 'UTF8')), 'hex');
        INSERT INTO ticketing_ledgerentry (
            number, kind, order_id, order_reference, payment_id, method, currency,
            total_cents, vat_cents, fee_cents, actor_id, actor_label, data, created_at,
            previous_hash, hash)
        VALUES (
            last_number, e->>'kind', (e->>'order_id')::bigint, e->>'order_reference',
            (e->>'payment_id')::bigint, e->>'method', e->>'currency',
            (e->>'total_cents')::bigint, e->'vat_cents', (e->>'fee_cents')::bigint,
            (e->>'actor_id')::bigint, e->>'actor_label', e->'data',
            (e->>'created_at')::timestamptz, last_hash, h);
        last_hash := h;
    END LOOP;
    UPDATE ticketing_ledgerhead SET hash = last_hash WHERE singleton;
    RETURN last_number;
END
$$;
"""


def _entries(i: int) -> list[dict]:
    order = Order(pk=i, reference=f"B{i:07d}", total_cents=5000, fee_cents=100, channel="api")
    payment = Payment(pk=i, method="offline_test", amount_cents=5000)
    now = timezone.now()
    return [
        new_entry(
            "sale",
            order=order,
            total_cents=5000,
            vat_cents={550: 4900},
            fee_cents=100,
            created_at=now,
        ),
        new_entry("payment", order=order, payment=payment, total_cents=5000, created_at=now),
    ]


def _in_transaction_payload(entries: list[dict]) -> str:
    """The replaced design's JSON: the journal's, which has every column and the body."""
    return record_payload(entries)


def _percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(share * len(values)))] if values else 0.0


class Command(BaseCommand):
    help = "Benchmark the sales ledger under concurrent commits of one venue."

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=32)
        parser.add_argument("--seconds", type=float, default=8.0)
        parser.add_argument("--rounds", type=int, default=2)

    def handle(self, *args, **options):
        with throwaway_database() as name:
            with connection.schema_editor() as editor:
                for model in (LedgerHead, LedgerEntry, LedgerClosing, LedgerPending):
                    editor.create_model(model)
            with connection.cursor() as cursor:
                cursor.execute(CHAIN_SQL + REFUSE_SQL + IN_TRANSACTION_SQL)
                cursor.execute("CREATE TABLE bench_sale (id bigserial PRIMARY KEY, n integer)")
            params = {**connection.get_connection_params(), "dbname": name}
            for key in ("cursor_factory", "context"):
                params.pop(key, None)
            connection.close()
            payloads = [record_payload(_entries(i)) for i in range(200)]
            results: dict[str, list[tuple[float, float]]] = {v: [] for v in VARIANTS}
            for _round in range(options["rounds"]):
                for variant in VARIANTS:
                    rate, p95 = self._run(params, variant, payloads, options)
                    results[variant].append((rate, p95))
                    self.stdout.write(f"{variant}: {rate:.0f} tx/s, p95 {p95:.1f} ms")
            gaps = self._gaps(params)

        def rate(variant: str) -> float:
            return sum(r for r, _p in results[variant]) / len(results[variant])

        def p95(variant: str) -> float:
            return max(p for _r, p in results[variant])

        self.stdout.write(
            f"RESULT baseline_tx_per_s={rate('baseline'):.0f} ledger_tx_per_s={rate('ledger'):.0f} "
            f"in_transaction_tx_per_s={rate('in_transaction'):.0f} "
            f"ledger_ratio={rate('ledger') / rate('baseline'):.2f} "
            f"ledger_p95_ms={p95('ledger'):.1f} baseline_p95_ms={p95('baseline'):.1f} "
            f"in_transaction_p95_ms={p95('in_transaction'):.1f} gaps={gaps}"
        )
        if gaps:
            raise CommandError(f"{gaps} gaps, repeats or unchained rows")

    def _run(self, params: dict, variant: str, payloads: list[str], options) -> tuple[float, float]:
        concurrency = options["concurrency"]
        stop = time.monotonic() + options["seconds"]
        barrier = threading.Barrier(concurrency)
        latencies: list[float] = []
        lock = threading.Lock()

        def work(k: int) -> None:
            mine = []
            with psycopg.connect(**params, autocommit=True) as conn:
                barrier.wait()
                i = k
                while time.monotonic() < stop:
                    started = time.perf_counter()
                    payload = payloads[i % len(payloads)]
                    with conn.transaction(), conn.cursor() as cursor:
                        cursor.execute("INSERT INTO bench_sale (n) VALUES (%s)", [i])
                        if variant == "ledger":
                            cursor.execute(RECORD, [payload])
                        elif variant == "in_transaction":
                            cursor.execute("SELECT bench_ledger_append(%s::jsonb)", [payload])
                    if variant == "ledger":  # on_commit, as services.chain_after_commit
                        conn.execute(CHAIN, [CHAIN_BATCH])
                    mine.append((time.perf_counter() - started) * 1000)
                    i += concurrency
            with lock:
                latencies.extend(mine)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(concurrency)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return len(latencies) / (time.monotonic() - began), _percentile(latencies, 0.95)

    def _gaps(self, params: dict) -> int:
        with psycopg.connect(**params, autocommit=True) as conn:
            while conn.execute(CHAIN, [CHAIN_BATCH]).fetchone()[0] > 0:
                pass
            count, low, high = conn.execute(
                "SELECT count(*), min(number), max(number) FROM ticketing_ledgerentry"
            ).fetchone()
            head = conn.execute("SELECT number FROM ticketing_ledgerhead").fetchone()[0]
            left = conn.execute("SELECT count(*) FROM ticketing_ledgerpending").fetchone()[0]
        return abs((high - low + 1) - count) + abs(head - count) + (low != 1) + left
