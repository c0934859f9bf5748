"""Loading the generated base the way a restore would: secondary indexes and constraints
dropped, one COPY per table, indexes and constraints rebuilt, VACUUM ANALYZE."""

from __future__ import annotations

import tempfile
import time
from datetime import datetime

from django.db import connection

from .generate import Base

TIMELINE_COLUMNS = (
    "contact_id, code, occurred_at, data, actor_label, show_id, performance_id, order_id, "
    "campaign_id, genre, dedupe_key, recorded_at"
)
CONTACT_COLUMNS = (
    "id, first_name, last_name, email, email_normalized, phone, postcode, department, city, "
    "language, contact_types, tags, criteria, first_source, first_seen_at, email_consent, "
    "sms_consent, merged_into_id, anonymised_at, created_at, updated_at, first_purchase_at, "
    "last_purchase_at, purchase_count, tickets_bought, amount_spent_cents, attendance_count, "
    "last_attended_at, refund_count, first_attended_at, genres_seen, referred_buyers, "
    "unused_credit_cents, busy_quarters"
)
TABLES = (
    "crm_contact",
    "crm_timelineevent",
    "crm_genrestats",
    "crm_seasonstats",
    "crm_quarterstats",
    "crm_affinity",
)


COPY_COLUMNS = {
    "crm_contact": CONTACT_COLUMNS,
    "crm_timelineevent": TIMELINE_COLUMNS,
    "crm_genrestats": (
        "contact_id, genre, purchases, attendances, last_purchased_at, last_attended_at, "
        "recent_attendances"
    ),
    "crm_seasonstats": "contact_id, season, purchases, tickets, spend_cents, attendances",
    "crm_quarterstats": "contact_id, quarter, attendances",
    "crm_affinity": "contact_id, kind, key, weight, updated_at",
}


def _secondary_structures(cursor) -> tuple[list[str], list[str]]:
    """(statements that drop, statements that recreate) the crm tables' indexes and
    constraints other than primary keys: the load runs without them, like a restore."""
    drops, creates = [], []
    cursor.execute(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
        "FROM pg_constraint c WHERE c.conrelid::regclass::text = ANY(%s) "
        "AND c.contype IN ('u','f') "
        "ORDER BY c.contype DESC",  # unique first on the way back: foreign keys need them
        [list(TABLES)],
    )
    constraints = cursor.fetchall()
    for table, name, definition in constraints:
        drops.append(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        creates.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    names = {name for _t, name, _d in constraints}
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "AND tablename = ANY(%s) AND indexname NOT LIKE '%%_pkey'",
        [list(TABLES)],
    )
    for name, definition in cursor.fetchall():
        if name not in names:
            drops.append(f'DROP INDEX "{name}"')
            creates.insert(0, definition)
    # Foreign keys to the loaded tables from others (a user's segment, consents…) stay.
    return drops, creates


def load(options: dict, now: datetime, say) -> Base:
    """Generate the base (`options`: contacts, seed) and load it; `say` reports progress."""
    started = time.perf_counter()
    base = Base(options["contacts"], options["seed"], now)
    with connection.cursor() as cursor:
        drops, creates = _secondary_structures(cursor)
        for statement in drops:
            cursor.execute(statement)
        # Generated in chunks into one spool file per table, then one COPY per table.
        spools = {t: tempfile.TemporaryFile("w+", encoding="utf-8") for t in TABLES}  # noqa: SIM115 (closed after its COPY)
        counts = dict.fromkeys(TABLES, 0)
        lines: dict[str, list[str]] = {t: [] for t in TABLES}
        sinks = {t: lines[t].append for t in TABLES}
        chunk, total = 20_000, base.n
        for first in range(1, total + 1, chunk):
            base.generate(sinks, first, min(chunk, total + 1 - first))
            for table in TABLES:
                counts[table] += len(lines[table])
                spools[table].write("".join(lines[table]))
                lines[table].clear()
            done_so_far = min(total, first + chunk - 1)
            if done_so_far % 100_000 < chunk or done_so_far == total:
                say(f"  generated {done_so_far} contacts, {base.events} events")
        gen_done = time.perf_counter()
        for table in TABLES:
            spools[table].seek(0)
            with cursor.cursor.copy(f"COPY {table} ({COPY_COLUMNS[table]}) FROM STDIN") as copy:
                while data := spools[table].read(8 << 20):
                    copy.write(data)
            spools[table].close()
        cursor.execute("SELECT setval(pg_get_serial_sequence('crm_contact', 'id'), %s)", [total])
        # The recent window's start the generated counters were computed from.
        cursor.execute(
            "INSERT INTO crm_behavioursettings (singleton, season_start_month, "
            "regular_min_shows, lapsed_after_months, relay_min_referred, big_spender_min_cents, "
            "swept_season, recent_since, updated_at) VALUES (true, 9, 3, 12, 2, 20000, '', %s, "
            "now()) ON CONFLICT (singleton) DO UPDATE SET recent_since = EXCLUDED.recent_since",
            [base.recent_since],
        )
        copied = time.perf_counter()
        cursor.execute("SET maintenance_work_mem = '512MB'")
        slow = []
        for statement in creates:
            begin = time.perf_counter()
            cursor.execute(statement)
            slow.append((time.perf_counter() - begin, statement[:90]))
        for seconds, statement in sorted(slow, reverse=True)[:6]:
            say(f"  {seconds:6.1f} s  {statement}")
        indexed = time.perf_counter()
        for table in TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
        done = time.perf_counter()
    say(
        f"{total} contacts, {base.events} events, "
        + ", ".join(f"{counts[t]} {t.removeprefix('crm_')}" for t in TABLES[2:])
    )
    say(
        f"Generated in {gen_done - started:.0f} s, COPY {copied - gen_done:.0f} s, "
        f"{len(creates)} indexes and constraints {indexed - copied:.0f} s, "
        f"VACUUM ANALYZE {done - indexed:.0f} s"
    )
    return base
