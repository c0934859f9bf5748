"""Benchmark: the open pixel and the click redirect under load, and no open redirect.

In a throwaway database (dropped at the end, also on failure), a venue with a sent campaign
(`--recipients` deliveries, two registered links) is served by gunicorn with production
settings (config/settings/bench.py), started here with a secret of ours so that the signed
click addresses can be built in this process. Clients fire requests at `--rate` per second
in all (open loop: each request starts at its planned time, on a new connection, as mail
clients do), for `--seconds`: half open pixels, the rest clicks, and one request in
`--forged-every` a forged or foreign click (bad signature, a link of another campaign, an
unknown token) which must answer 404 without a Location. Every redirect's Location must be
a registered link.

Each hit costs two statements (a conditional UPDATE … RETURNING, then the timeline's INSERT
… ON CONFLICT DO NOTHING when it is news) plus django-tenants' SET search_path. The last
line is

    RESULT requests=… rps=… p95_ms_open=… p95_ms_click=… open_redirect=0 errors=…

    python manage.py bench_tracking --rate 500 --seconds 10
"""

from __future__ import annotations

import contextlib
import http.client
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from campaigns import addresses
from campaigns.models import Campaign, Delivery, TrackedLink
from crm.models import Contact
from tenants.management.commands.bench_onboarding import (
    database_url,
    quiet_mail,
    throwaway_database,
)
from tenants.services import create_venue
from ticketing.management.commands.bench_onsale import machine
from ticketing.management.onsale.buyers import percentile
from ticketing.management.onsale.server import free_port

REGISTERED = ("https://example.org/saison-26", "https://example.org/billetterie")
EVIL = "https://evil.example/phish"


@contextlib.contextmanager
def gunicorn(*, db_url: str, secret: str, workers: int, threads: int, say):
    """gunicorn on a free loopback port with our SECRET_KEY, stopped by its own pid."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.bench",
        "DATABASE_URL": db_url,
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": secret,
        "PARTERRE_BASE_DOMAIN": settings.PARTERRE_BASE_DOMAIN,
        "DEFAULT_FROM_EMAIL": "bench@bench.test",
        "CACHE_KEY_PREFIX": f"parterre-bench-tracking-{time.time_ns()}",
        "CONN_MAX_AGE": "60",
        "SECURE_SSL_REDIRECT": "False",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        # Each hit mostly waits (Redis, PostgreSQL): threads keep the cores busy meanwhile.
        *([f"--threads={threads}", "--worker-class=gthread"] if threads > 1 else []),
        "--backlog=2048",
        "--log-level=warning",
        "--timeout=120",
    ]
    with tempfile.TemporaryFile(mode="w+") as log:
        server = subprocess.Popen(
            command, env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            say(
                f"gunicorn pid {server.pid} on 127.0.0.1:{port}: {workers} workers"
                + (f" × {threads} threads" if threads > 1 else " (sync)")
            )
            yield port
        except BaseException:
            log.seek(0)
            say("gunicorn output:\n" + log.read()[-3000:])
            raise
        finally:
            if server.poll() is None:
                server.terminate()
                try:
                    server.wait(20)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()


def hit(port: int, host: str, path: str) -> tuple[int, str | None, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": host, "Accept-Encoding": "identity"})
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Location"), time.perf_counter() - started
    finally:
        conn.close()


class Command(BaseCommand):
    help = "Open pixel and click redirect under load; prints RESULT requests=… rps=… p95_ms_…"

    def add_arguments(self, parser):
        parser.add_argument("--rate", type=int, default=500, help="Requests per second (500).")
        parser.add_argument("--seconds", type=float, default=10.0, help="Duration (10).")
        parser.add_argument("--recipients", type=int, default=5000, help="Deliveries (5000).")
        parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (3).")
        parser.add_argument("--threads", type=int, default=8, help="Threads per worker (8).")
        parser.add_argument("--clients", type=int, default=48, help="Client threads (48).")
        parser.add_argument("--forged-every", type=int, default=20, help="One forged in N.")
        parser.add_argument("--seed", type=int, default=1)

    def say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def handle(self, *args, **options):
        if not 1 <= options["rate"] <= 5000 or options["seconds"] <= 0:
            raise CommandError("--rate: 1 to 5000; --seconds: more than 0.")
        started = time.perf_counter()
        with throwaway_database() as name, quiet_mail():
            self.say(f"Throwaway database {name}")
            self.say(machine())
            result = self.run_benchmark(options)
        self.say(f"Database {name} dropped; total {time.perf_counter() - started:.0f} s")
        self.stdout.write("RESULT " + " ".join(f"{k}={v}" for k, v in result.items()))

    def set_up(self, recipients: int):
        call_command("migrate_schemas", interactive=False, verbosity=0)
        venue = create_venue(
            name="Bench tracking", slug="benchtrack", admin_email="admin@bench.test"
        ).venue
        with tenant_context(venue):
            contacts = Contact.objects.bulk_create(
                [
                    Contact(email=f"p{i}@bench.test", first_name=f"P{i}", email_consent=True)
                    for i in range(recipients)
                ],
                batch_size=2000,
            )
            now = timezone.now()
            campaign = Campaign.objects.create(
                name="Saison 26", status=Campaign.Status.SENT, started_at=now
            )
            other = Campaign.objects.create(name="Autre", status=Campaign.Status.SENT)
            links = [
                TrackedLink.objects.create(campaign=campaign, url=url, label=url)
                for url in REGISTERED
            ]
            foreign = TrackedLink.objects.create(campaign=other, url=EVIL)
            deliveries = Delivery.objects.bulk_create(
                [
                    Delivery(
                        campaign=campaign,
                        contact=c,
                        email=c.email,
                        status=Delivery.Status.SENT,
                        sent_at=now,
                    )
                    for c in contacts
                ],
                batch_size=2000,
            )
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            tokens = [d.token for d in deliveries]
        host = f"{venue.slug}.{settings.PARTERRE_BASE_DOMAIN}"
        return venue, host, tokens, [link.pk for link in links], foreign.pk

    def plan(self, tokens, link_ids, foreign_id, options) -> list[tuple[str, str]]:
        """(kind, path) of every request, signed here with the server's secret."""
        rng = random.Random(options["seed"])  # noqa: S311 (benchmark data)
        total = int(options["rate"] * options["seconds"])
        requests = []
        for i in range(total):
            token = rng.choice(tokens)
            if options["forged_every"] and i % options["forged_every"] == 0:
                kind = rng.choice(("bad_signature", "foreign_link", "unknown_token"))
                if kind == "bad_signature":
                    path = addresses.click_path(token, link_ids[0])[:-5] + "beef/"
                elif kind == "foreign_link":
                    path = addresses.click_path(token, foreign_id)
                else:
                    path = addresses.click_path(secrets.token_urlsafe(16), link_ids[0])
                requests.append(("forged", path))
            elif rng.random() < 0.5:
                requests.append(("open", addresses.pixel_path(token)))
            else:
                requests.append(("click", addresses.click_path(token, rng.choice(link_ids))))
        return requests

    def run_benchmark(self, options) -> dict[str, str]:
        venue, host, tokens, link_ids, foreign_id = self.set_up(options["recipients"])
        self.say(f"Venue {host}: a sent campaign, {len(tokens)} deliveries, 2 links")
        secret = secrets.token_urlsafe(48)
        with override_settings(SECRET_KEY=secret), tenant_context(venue):
            warm = self.plan(tokens, link_ids, foreign_id, {**options, "seconds": 1.0})
            plan = self.plan(tokens, link_ids, foreign_id, options)
        connection.set_schema_to_public()
        params = connection.get_connection_params()
        with gunicorn(
            db_url=database_url(params),
            secret=secret,
            workers=options["workers"],
            threads=options["threads"],
            say=self.say,
        ) as port:
            self.wait(port, host)
            self.fire(port, host, warm, options["rate"], options["clients"])
            latencies, statuses, bad, wall = self.fire(
                port, host, plan, options["rate"], options["clients"]
            )
        self.say(f"{len(plan)} requests in {wall:.1f} s; statuses {dict(sorted(statuses.items()))}")
        for kind in ("open", "click", "forged"):
            values = latencies.get(kind, [])
            if values:
                self.say(
                    f"  {kind:<7} {len(values):>6} × p50 {percentile(values, 0.5):6.1f} ms  "
                    f"p95 {percentile(values, 0.95):6.1f} ms  max {max(values):7.1f} ms"
                )
        with tenant_context(venue):
            counted = Delivery.objects.filter(opens__gt=0).count()
        self.say(f"Deliveries opened at least once: {counted}")
        errors = sum(n for (kind, s), n in statuses.items() if s >= 500 or s == 0)
        return {
            "requests": str(len(plan)),
            "rps": f"{len(plan) / wall:.1f}" if wall else "0",
            "p95_ms_open": f"{percentile(latencies.get('open', [0]), 0.95):.1f}",
            "p95_ms_click": f"{percentile(latencies.get('click', [0]), 0.95):.1f}",
            "open_redirect": str(bad),
            "errors": str(errors),
        }

    def wait(self, port: int, host: str, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                if hit(port, host, "/m/o/ready.gif")[0] == 200:
                    return
            time.sleep(0.2)
        raise CommandError(f"The server did not answer on port {port}.")

    @staticmethod
    def fire(port, host, plan, rate, clients):
        """Open loop: request i starts at i / rate seconds (or as soon as a client is free)."""
        latencies: dict[str, list[float]] = {"open": [], "click": [], "forged": []}
        statuses: Counter = Counter()
        redirects_outside = [0]
        lock = threading.Lock()
        cursor = [0]
        start = time.perf_counter() + 0.2

        def work() -> None:
            mine: dict[str, list[float]] = {"open": [], "click": [], "forged": []}
            counts: Counter = Counter()
            outside = 0
            while True:
                with lock:
                    index = cursor[0]
                    cursor[0] += 1
                if index >= len(plan):
                    break
                delay = start + index / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                kind, path = plan[index]
                try:
                    status, location, seconds = hit(port, host, path)
                except OSError:
                    counts[(kind, 0)] += 1
                    continue
                counts[(kind, status)] += 1
                mine[kind].append(seconds * 1000)
                if kind == "forged" and (location or 300 <= status < 400):
                    outside += 1
                if location and location not in REGISTERED:
                    outside += 1
            with lock:
                for k, v in mine.items():
                    latencies[k].extend(v)
                statuses.update(counts)
                redirects_outside[0] += outside

        threads = [threading.Thread(target=work) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - start
        return latencies, statuses, redirects_outside[0], wall
