"""Benchmark: the public storefront under an on-sale rush.

In a throwaway database (dropped at the end, also on failure), a bench venue (a hall of
`--seats` seats, three shows on sale) is served by gunicorn with production settings
(config/settings/bench.py). `--visitors` simulated spectators browse at once, each request on
a new connection, as phones on a mobile network do:

- the programme (`/`), a show page, a performance page — with, where the page asks for them,
  its seat map geometry (once per visitor: browsers keep it) and its availability (every
  time) — and a cart: best available on the performance page, the checkout page (the cart),
  then the seats given back;
- meanwhile `--order-threads` API clients place bench_onsale-style orders (best available,
  one or two seats) at `--orders-per-s` in all, so the availability keeps changing.

Pages per second count the HTML pages (programme, show, performance, cart); the seat map
files are listed apart. Queries per page are counted in this process with Django's test
client on the same database, once the caches are warm, for a page rendered (not served from
the storefront's copy shared for PARTERRE_STOREFRONT_PAGE_TTL_S).

The last line is `RESULT pages_per_s=… p50_ms=… p95_ms=… queries_per_page_max=…`:

    python manage.py bench_storefront --visitors 32 --seconds 20
"""

from __future__ import annotations

import http.client
import random
import re
import threading
import time
from collections import Counter, defaultdict
from http.cookies import SimpleCookie

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django_tenants.utils import tenant_context

from tenants.management.commands.bench_onboarding import (
    database_url,
    quiet_mail,
    throwaway_database,
)
from ticketing.management.commands.bench_onsale import machine
from ticketing.management.onsale.buyers import ApiClient, percentile
from ticketing.management.onsale.server import CpuMeter, running_server, wait_until_ready
from ticketing.management.onsale.venue import BenchVenue, set_up
from ticketing.models import Performance

PAGES = ("programme", "show", "performance", "cart")
_ATTR = re.compile(r'data-(geometry|availability)="([^"]+)"')
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_CATEGORY = re.compile(r'name="category" value="(\d+)"')


class Visitor:
    """A browser: its cookies, what it keeps in its cache (seat map geometry), a new
    connection per request."""

    def __init__(self, port: int, host: str):
        self.port, self.host = port, host
        self.cookies: dict[str, str] = {}
        self.cached: set[str] = set()

    def request(self, method: str, path: str, body: str = "") -> tuple[int, str, float, dict]:
        headers = {"Host": self.host, "Accept-Encoding": "identity"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for value in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    if morsel.value and morsel["max-age"] != "0":
                        self.cookies[name] = morsel.value
                    else:  # deleted (a message shown, a session ended)
                        self.cookies.pop(name, None)
            return response.status, text, (time.perf_counter() - started) * 1000, response.headers
        finally:
            conn.close()


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.ms: dict[str, list[float]] = defaultdict(list)
        self.statuses: Counter = Counter()
        self.errors: list[str] = []

    def add(self, kind: str, status: int, ms: float, expected=(200,)) -> None:
        with self.lock:
            self.ms[kind].append(ms)
            self.statuses[(kind, status)] += 1
            if status not in expected and len(self.errors) < 10:
                self.errors.append(f"{kind}: HTTP {status}")


class Command(BaseCommand):
    help = (
        "The public storefront (programme, show, performance and its seat map, cart) under "
        "concurrent visitors while orders are placed, through a real gunicorn server, in a "
        "throwaway database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--visitors", type=int, default=32, help="Visitors at once (32).")
        parser.add_argument("--seconds", type=float, default=20.0, help="Measured time (20 s).")
        parser.add_argument("--seats", type=int, default=1000, help="Seats in the hall (1000).")
        parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4).")
        parser.add_argument(
            "--worker-class", choices=["sync", "gthread"], default="sync", help="(sync)"
        )
        parser.add_argument("--threads", type=int, default=2, help="Threads per gthread worker.")
        parser.add_argument(
            "--orders-per-s", type=float, default=10.0, help="API orders per second (10)."
        )
        parser.add_argument("--order-threads", type=int, default=2, help="Order clients (2).")
        parser.add_argument(
            "--cart-share",
            type=float,
            default=0.15,
            help="Share of visits that put seats in a cart and give them back (0.15).",
        )
        parser.add_argument("--seed", type=int, default=1)

    def say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def handle(self, *args, **options):
        for name in ("visitors", "seats", "workers", "threads"):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1.")
        if not 0 <= options["cart_share"] <= 1:
            raise CommandError("--cart-share is between 0 and 1.")
        started = time.perf_counter()
        prefix = f"parterre-bench-store-{time.time_ns()}"
        with throwaway_database() as name, quiet_mail():
            self.say(f"Throwaway database {name}")
            self.say(machine())
            result = self.run_benchmark(options, prefix)
        self.say(f"Database {name} dropped; total {time.perf_counter() - started:.0f} s")
        self.stdout.write("RESULT " + " ".join(f"{k}={v}" for k, v in result.items()))

    def run_benchmark(self, options: dict, prefix: str) -> dict[str, str]:
        call_command("migrate_schemas", interactive=False, verbosity=0)
        venue = set_up(options["seats"])
        with tenant_context(venue.venue):
            slugs = dict(
                Performance.objects.filter(pk__in=[venue.rush, venue.warmup]).values_list(
                    "pk", "show__slug"
                )
            )
        connection.set_schema_to_public()
        self.say(f"Venue {venue.host}: {venue.capacity} seats; shows {', '.join(slugs.values())}")
        params = connection.get_connection_params()
        with running_server(
            db_url=database_url(params),
            workers=options["workers"],
            worker_class=options["worker_class"],
            threads=options["threads"],
            cache_prefix=prefix,
            say=self.say,
        ) as server:
            wait_until_ready(server.port, venue.host, venue.key)
            paths = {
                "programme": "/",
                "show": f"/shows/{slugs[venue.rush]}/",
                "performance": f"/performances/{venue.rush}/",
            }
            self.visit(server.port, venue, paths, options, seconds=3.0, warm=True)
            meter = CpuMeter(server.pid, params["dbname"])
            before = meter.snapshot()
            stats, orders, wall = self.visit(
                server.port, venue, paths, options, seconds=options["seconds"]
            )
            after = meter.snapshot()
        pages = [ms for kind in PAGES for ms in stats.ms[kind]]
        self.say(
            f"{len(pages)} pages in {wall:.1f} s with {options['visitors']} visitors; "
            f"{orders} API orders meanwhile"
        )
        for kind in (*PAGES, "availability", "geometry", "hold", "release"):
            values = stats.ms.get(kind, [])
            if values:
                self.say(
                    f"  {kind:<13} {len(values):>6} × p50 {percentile(values, 0.5):7.1f} ms  "
                    f"p95 {percentile(values, 0.95):7.1f} ms  max {max(values):7.1f} ms"
                )
        self.say(f"Statuses: {dict(sorted(stats.statuses.items()))}")
        for error in stats.errors:
            self.say(f"  error: {error}")
        requests = sum(len(v) for v in stats.ms.values())
        self.say(CpuMeter.report(before, after, requests))
        queries = self.count_queries(venue, paths)
        self.say(
            "Queries per page (warm caches): " + ", ".join(f"{k} {v}" for k, v in queries.items())
        )
        return {
            "pages_per_s": f"{len(pages) / wall:.1f}" if wall else "0",
            "p50_ms": f"{percentile(pages, 0.5):.1f}",
            "p95_ms": f"{percentile(pages, 0.95):.1f}",
            "show_p95_ms": f"{percentile(stats.ms['show'], 0.95):.1f}",
            "performance_p95_ms": f"{percentile(stats.ms['performance'], 0.95):.1f}",
            "availability_p95_ms": f"{percentile(stats.ms.get('availability', []), 0.95):.1f}",
            "queries_per_page_max": str(max(queries.values())),
            "errors": str(sum(n for (k, s), n in stats.statuses.items() if s >= 500)),
        }

    # --- The load ----------------------------------------------------------------------------
    def visit(self, port, venue: BenchVenue, paths, options, *, seconds: float, warm=False):
        stats = Stats()
        stop = threading.Event()
        orders = Counter()
        seed = options["seed"] + (1000 if warm else 0)

        def browse(index: int) -> None:
            rng = random.Random(seed * 7919 + index)  # noqa: S311
            visitor = Visitor(port, venue.host)
            try:
                while not stop.is_set():
                    roll = rng.random()
                    if roll < options["cart_share"]:
                        self.cart(visitor, paths, stats, rng)
                    else:
                        kind = rng.choices(("programme", "show", "performance"), (1, 1, 2))[0]
                        self.page(visitor, kind, paths[kind], stats)
            except Exception as exc:  # one broken visitor must not hide the others
                with stats.lock:
                    stats.errors.append(f"visitor: {exc!r}")

        def order(index: int) -> None:
            client = ApiClient(port, venue.host, venue.key, venue.rush)
            rng = random.Random(seed * 31 + index)  # noqa: S311
            pause = options["order_threads"] / options["orders_per_s"]
            try:
                while not stop.is_set():
                    began = time.perf_counter()
                    status, _body, _ms = client.order(best=rng.choice((1, 2)))
                    orders[status] += 1
                    stop.wait(max(0.0, pause - (time.perf_counter() - began)))
            finally:
                client.close()

        threads = [threading.Thread(target=browse, args=(i,)) for i in range(options["visitors"])]
        if not warm and options["orders_per_s"] > 0:
            threads += [
                threading.Thread(target=order, args=(i,)) for i in range(options["order_threads"])
            ]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        stop.wait(seconds)
        stop.set()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
        if warm:
            self.say(f"Warm-up: {dict(sorted(stats.statuses.items()))}")
            return stats, 0, wall
        return stats, orders.get(201, 0), wall

    @staticmethod
    def page(visitor: Visitor, kind: str, path: str, stats: Stats) -> str:
        status, text, ms, _headers = visitor.request("GET", path)
        stats.add(kind, status, ms)
        if kind == "performance":
            for what, url in _ATTR.findall(text):
                url = url.replace("&amp;", "&")
                if what == "geometry":
                    if url in visitor.cached:
                        continue  # the browser keeps it (immutable)
                    visitor.cached.add(url)
                status, _body, ms, _headers = visitor.request("GET", url)
                stats.add(what, status, ms)
        return text

    def cart(self, visitor: Visitor, paths, stats: Stats, rng: random.Random) -> None:
        """Best available on the performance page, the cart page, the seats given back."""
        text = self.page(visitor, "performance", paths["performance"], stats)
        token, categories = _CSRF.search(text), _CATEGORY.findall(text)
        if not token or not categories:
            return  # sold out
        form = f"csrfmiddlewaretoken={token.group(1)}&category={rng.choice(categories)}"
        status, _text, ms, headers = visitor.request(
            "POST", f"{paths['performance']}hold/", f"{form}&quantity={rng.choice((1, 2))}"
        )
        stats.add("hold", status, ms, expected=(302,))
        if status != 302 or not (headers.get("Location") or "").endswith("/checkout/"):
            return  # no seats left together: the page said so
        status, text, ms, _headers = visitor.request("GET", "/checkout/")
        stats.add("cart", status, ms)
        token = _CSRF.search(text)
        if token:
            status, _text, ms, headers = visitor.request(
                "POST", "/checkout/", f"csrfmiddlewaretoken={token.group(1)}&action=release"
            )
            stats.add("release", status, ms, expected=(302,))
            if status == 302:  # back on the performance page, which says the seats went back
                self.page(visitor, "performance", headers["Location"], stats)

    # --- Queries per page ----------------------------------------------------------------------
    def count_queries(self, venue: BenchVenue, paths: dict[str, str]) -> dict[str, int]:
        """Each page's queries once warm, through Django's test client in this process (same
        database); the availability file too when the performance page asks for it."""
        client = Client(HTTP_HOST=venue.host)
        found: dict[str, int] = {}
        # The reads of a page rendered, not of the shared copy (views/storefront.py).
        rendered = override_settings(PARTERRE_STOREFRONT_PAGE_TTL_S=0)
        rendered.enable()
        try:
            targets = dict(paths)
            page = client.get(paths["performance"]).content.decode()
            for what, url in _ATTR.findall(page):
                targets[what] = url.replace("&amp;", "&")
            for name, path in targets.items():
                client.get(path)
                with CaptureQueriesContext(connection) as queries:
                    client.get(path)
                found[name] = len(queries)
            category = _CATEGORY.search(page)
            if category:
                client.post(
                    f"{paths['performance']}hold/", {"category": category.group(1), "quantity": 1}
                )
                client.get("/checkout/")
                with CaptureQueriesContext(connection) as queries:
                    client.get("/checkout/")
                found["cart"] = len(queries)
                client.post("/checkout/", {"action": "release"})
        finally:
            rendered.disable()
            connection.set_schema_to_public()
        return found
