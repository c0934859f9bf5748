"""Timing the standard segments: warm, cold (after a server restart, or the caches a client
can empty), their plans, and freshness (an event recorded → the count reflects it)."""

from __future__ import annotations

import statistics
import subprocess
import time

from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from crm.segments.definition import segment_queryset
from crm.segments.selectors import segment_count, segment_members, segment_settings
from crm.services import record_attendance


class Measurements:
    def __init__(self, say):
        self.say = say

    def time_warm(self, segments: dict, runs: int) -> dict[str, list[float]]:
        timings: dict[str, list[float]] = {}
        for name, definition in segments.items():
            count = segment_count(definition)  # warm-up: buffers, plans
            runs_ms = []
            for _ in range(runs):
                begin = time.perf_counter()
                segment_count(definition)
                runs_ms.append((time.perf_counter() - begin) * 1000)
            timings[name] = runs_ms
            self.say(
                f"  warm {name:28} count={count:8} p50={statistics.median(runs_ms):7.1f} ms "
                f"max={max(runs_ms):7.1f} ms"
            )
        return timings

    def explain(self, segments: dict) -> None:
        for name, definition in segments.items():
            sql, params = (
                segment_queryset(definition).order_by().values("pk").query.sql_with_params()
            )
            with segment_settings(), connection.cursor() as cursor:
                explain = f"EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM ({sql}) s"  # noqa: S608 (the ORM's own SQL)
                cursor.execute(explain, params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            self.say(f"--- {name}\n{plan}")

    def time_cold(self, venue, segments: dict, restart: str) -> dict[str, float]:
        if restart:
            self.say(f"Cold runs: the server is restarted before each segment ({restart!r}).")
        else:
            self.say(
                "Cold runs: no --restart-command, so before each segment PostgreSQL's shared "
                "buffers are filled with an unrelated table (pg_prewarm, 5 × shared_buffers: "
                "every page of the venue evicted, as after a restart) and the segment runs on a "
                "new connection after DISCARD ALL (empty plan and catalogue caches). The OS page "
                "cache stays warm, as after a real restart of the server alone."
            )
            self._make_flush_table()
        timings = {}
        for name, definition in segments.items():
            connection.close()
            left = ""
            if restart:
                subprocess.run(restart, shell=True, check=True)  # noqa: S602 (operator's own command)
                self._wait_for_server()
            else:
                left = (
                    f" ({self._flush_shared_buffers()} pages of crm tables left in shared buffers)"
                )
                connection.close()
            with tenant_context(venue), connection.cursor() as cursor:
                cursor.execute("DISCARD ALL")
            with tenant_context(venue):
                begin = time.perf_counter()
                segment_count(definition)
                timings[name] = (time.perf_counter() - begin) * 1000
            self.say(f"  cold {name:28} {timings[name]:7.1f} ms{left}")
        return timings

    def _make_flush_table(self) -> None:
        """An unlogged table of five times shared_buffers in the throwaway database: reading
        it into the buffers (clock sweep: a page used often needs up to five passes) pushes
        out every other page."""
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm SCHEMA public")
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_buffercache SCHEMA public")
            cursor.execute(
                "SELECT setting::bigint * 8192 FROM pg_settings WHERE name = 'shared_buffers'"
            )
            size = cursor.fetchone()[0]
            rows = 5 * size // 1000  # ~1 kB a row
            cursor.execute(
                "CREATE UNLOGGED TABLE IF NOT EXISTS public.bench_buffer_flush AS "
                "SELECT g AS id, repeat('x', 900) AS filler FROM generate_series(1, %s) AS g",
                [rows],
            )

    def _flush_shared_buffers(self) -> int:
        """Fill the shared buffers with the flush table; the crm pages still there after."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT public.pg_prewarm('public.bench_buffer_flush', 'buffer')")
            cursor.execute(
                "SELECT count(*) FROM public.pg_buffercache b JOIN pg_class c "
                "ON b.relfilenode = pg_relation_filenode(c.oid) "
                "WHERE b.reldatabase = (SELECT oid FROM pg_database WHERE datname = "
                "current_database()) AND c.relname LIKE 'crm%%'"
            )
            return cursor.fetchone()[0]

    def _wait_for_server(self) -> None:
        for _ in range(100):
            try:
                connection.close()
                connection.ensure_connection()
                return
            except Exception:
                time.sleep(0.2)
        raise CommandError("The server did not come back after the restart.")

    def freshness(self, venue, definition: dict) -> float:
        """A card holder of the segment comes to a show: seconds until the count says so."""
        member = segment_members(definition).values_list("pk", flat=True).first()
        if member is None:
            self.say("Freshness: the segment is empty, nothing to measure.")
            return 0.0
        before = segment_count(definition)
        begin = time.perf_counter()
        record_attendance(
            contact_id=member,
            ticket_reference="BENCH-FRESHNESS",
            performance_label="Bench",
            occurred_at=timezone.now(),
        )
        while segment_count(definition) != before - 1:
            if time.perf_counter() - begin > 120:
                raise CommandError("The segment did not reflect the attendance within 2 minutes.")
            time.sleep(0.01)
        seconds = time.perf_counter() - begin
        self.say(
            f"Freshness: attendance recorded, segment count {before} → {before - 1} "
            f"in {seconds:.3f} s"
        )
        return seconds
