"""Benchmark: the doors of a full 2,000-seat hall opening at once.

Everything is thrown away afterwards (a database `parterre_bench_<pid>`, dropped at the end,
also on failure): a venue cloned from the template, a hall of `--seats` seats, one performance
sold out in orders of 1–4 seats, each with its buyer (so every entry reports an attendance to
crm, as in service). Then `--doors` doors scan at once, each a thread with its own PostgreSQL
connection calling the door's service (`ticketing.services.door.check_in_ticket`, the code
behind the API and the door page) with the tickets' signed QR texts: every ticket once, plus
`--rescans` of them (10 %) scanned a second time at another door *at the same moment* (both
doors get it at the same position of their queue), the case where exactly one may be valid.

Checks, in SQL: tickets with more than one valid check-in (`double_valid`, must be 0), tickets
let in against distinct tickets scanned, tickets whose `checked_in_at` disagrees with their
check-ins. The last line is

    RESULT scans_per_s=… p95_ms=… double_valid=0 seats=… doors=… scans=… valid=… errors=…

scans_per_s counts every scan answered over the wall time of the rush; p95 is over each
scan's time as its door saw it (the service call, its queries and its commit; no HTTP).

    python manage.py bench_checkin --seats 2000 --doors 8
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django_tenants.utils import tenant_context

from tenants.management.commands.bench_onboarding import quiet_mail, throwaway_database
from ticketing.management.commands.bench_onsale import machine
from ticketing.management.onsale.buyers import percentile
from ticketing.management.onsale.venue import set_up
from ticketing.models import CheckIn, Performance, Seat, Tariff, Ticket
from ticketing.services import door, inventory, orders
from ticketing.services.inventory import HoldRequest
from ticketing.services.orders import Buyer, TariffChoice
from ticketing.tickets import keys
from ticketing.tickets.qr import ticket_payload


def sell_out(performance: Performance, seed: int) -> int:
    """Every seat sold, in paid orders of 1–4 seats, each with its own buyer."""
    rng = random.Random(seed)  # noqa: S311 (benchmark data)
    seat_ids = list(
        Seat.objects.filter(section__layout=performance.layout)
        .order_by("id")
        .values_list("id", flat=True)
    )
    plein = Tariff.objects.get(code="plein")
    n = 0
    while seat_ids:
        size = min(len(seat_ids), rng.choice((1, 2, 2, 2, 3, 4)))
        chunk, seat_ids = seat_ids[:size], seat_ids[size:]
        hold = inventory.create_hold(performance=performance, request=HoldRequest(seat_ids=chunk))
        n += 1
        orders.confirm_order(
            hold_token=hold.token,
            tariffs=TariffChoice(default=plein.pk),
            buyer=Buyer(email=f"spectateur{n}@bench.test", first_name="Spect", last_name=str(n)),
            pay_total_with="offline_test",
        )
    return n


class Command(BaseCommand):
    help = "Doors scanning a sold-out hall at once; prints RESULT scans_per_s=… p95_ms=…"

    def add_arguments(self, parser):
        parser.add_argument("--seats", type=int, default=2000, help="Seats in the hall (2000).")
        parser.add_argument("--doors", type=int, default=8, help="Doors scanning at once (8).")
        parser.add_argument(
            "--rescans",
            type=float,
            default=0.10,
            help="Share of tickets scanned at two doors at the same moment (0.10).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (1).")

    def say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def handle(self, *args, **options):
        if not 1 <= options["seats"] <= 20000:
            raise CommandError("--seats: from 1 to 20000.")
        if not 2 <= options["doors"] <= 64:
            raise CommandError("--doors: from 2 to 64.")
        started = time.perf_counter()
        with throwaway_database() as name, quiet_mail():
            self.say(f"Throwaway database {name}")
            self.say(machine())
            result = self.run_benchmark(options)
        self.say(f"Database {name} dropped; total {time.perf_counter() - started:.0f} s")
        self.stdout.write("RESULT " + " ".join(f"{key}={value}" for key, value in result.items()))

    def run_benchmark(self, options) -> dict[str, str]:
        call_command("migrate_schemas", interactive=False, verbosity=0)
        bench = set_up(options["seats"])
        with tenant_context(bench.venue):
            performance = Performance.objects.get(pk=bench.rush)
            t0 = time.perf_counter()
            n_orders = sell_out(performance, options["seed"])
            self.say(
                f"Sold {options['seats']} seats in {n_orders} orders "
                f"({time.perf_counter() - t0:.0f} s)"
            )
            key = keys.signing_key()
            tickets = list(Ticket.objects.filter(performance=performance).order_by("id"))
            texts = [ticket_payload(t, key) for t in tickets]
            warm = Performance.objects.get(pk=bench.warmup)
            for text in texts[:3]:  # the code paths imported, the key read
                door.check_in_ticket(performance=warm, scanned=text, door="Essai")
        plan = self.plan(texts, options)
        latencies, results, wall, errors = self.rush(bench.venue, performance, plan)
        self.say(f"Rush: {sum(len(q) for q in plan)} scans at {len(plan)} doors in {wall:.2f} s")
        self.say("Results: " + ", ".join(f"{k} {v}" for k, v in sorted(results.items())))
        with tenant_context(bench.venue):
            checks = self.verify(performance, len(texts))
        for line in checks.pop("lines"):
            self.say(line)
        scans = len(latencies)
        return {
            "scans_per_s": f"{scans / wall:.1f}" if wall else "0",
            "p95_ms": f"{percentile(latencies, 0.95):.1f}",
            "double_valid": str(checks["double_valid"]),
            "seats": str(options["seats"]),
            "doors": str(options["doors"]),
            "scans": str(scans),
            "valid": str(results.get(CheckIn.Result.VALID, 0)),
            "errors": str(errors + checks["mismatched"]),
        }

    @staticmethod
    def plan(texts: list[str], options) -> list[list[str]]:
        """Each door's queue: the tickets dealt round the doors in a random order; a share of
        them also put in the next door's queue at the same position (scanned twice at once)."""
        rng = random.Random(options["seed"])  # noqa: S311
        doors = options["doors"]
        order = texts[:]
        rng.shuffle(order)
        queues: list[list[str]] = [[] for _ in range(doors)]
        for index, text in enumerate(order):
            queues[index % doors].append(text)
        twice = set(rng.sample(range(len(order)), int(len(order) * options["rescans"])))
        for index in sorted(twice):
            door_index, position = index % doors, index // doors
            other = queues[(door_index + 1) % doors]
            other.insert(min(position, len(other)), order[index])
        return queues

    @staticmethod
    def rush(venue, performance, queues):
        latencies: list[float] = []
        results: Counter = Counter()
        errors = [0]
        lock = threading.Lock()
        barrier = threading.Barrier(len(queues))

        def work(index: int) -> None:
            mine, counts = [], Counter()
            try:
                connection.set_tenant(venue)
                connection.ensure_connection()
                barrier.wait(timeout=30)
                for text in queues[index]:
                    t = time.perf_counter()
                    try:
                        outcome = door.check_in_ticket(
                            performance=performance,
                            scanned=text,
                            door=f"Porte {index + 1}",
                            device_id=f"bench-{index + 1}",
                        )
                        counts[outcome.result] += 1
                    except Exception:
                        with lock:
                            errors[0] += 1
                        continue
                    mine.append((time.perf_counter() - t) * 1000)
            finally:
                connection.close()
                with lock:
                    latencies.extend(mine)
                    results.update(counts)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(queues))]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return latencies, results, time.perf_counter() - started, errors[0]

    @staticmethod
    def verify(performance, tickets: int) -> dict:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM (SELECT ticket_id FROM ticketing_checkin WHERE "
                "performance_id = %s AND result = 'valid' GROUP BY ticket_id "
                "HAVING count(*) > 1) twice",
                [performance.pk],
            )
            double_valid = cursor.fetchone()[0]
            cursor.execute(
                "SELECT count(*) FROM ticketing_ticket t WHERE t.performance_id = %s AND "
                "(t.checked_in_at IS NULL) = EXISTS (SELECT 1 FROM ticketing_checkin c "
                "WHERE c.ticket_id = t.id AND c.result = 'valid')",
                [performance.pk],
            )
            mismatched = cursor.fetchone()[0]
        let_in = Ticket.objects.filter(performance=performance, checked_in_at__isnull=False)
        return {
            "double_valid": double_valid,
            "mismatched": mismatched + (tickets - let_in.count()),
            "lines": [
                f"Checks: {let_in.count()} of {tickets} tickets let in, {double_valid} with two "
                f"valid check-ins, {mismatched} whose checked_in_at disagrees with the rows"
            ],
        }
