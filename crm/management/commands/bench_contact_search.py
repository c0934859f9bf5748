"""Benchmark: the contact search (crm.search) on a venue of `--contacts` French contacts.

Everything is thrown away afterwards: a database `parterre_bench_<pid>` created on the
configured server (dropped at the end, also on failure or Ctrl-C) and a venue `bench` cloned
from the template. Steps:

1. load `--contacts` realistic French contacts (Faker fr_FR: accented first and last names,
   compound names; 85 % with an email, 60 % with a phone, 80 % with a postcode) with COPY,
   then ANALYZE, as a venue in service would have its statistics;
2. time `--searches` searches as the counter types them, a mix of: exact email, start of an
   email, full name, full name with a typo in the last name, name without accents in lower
   case, "last first", phone in national format ("06 12 34 56 78"), postcode + last name.
   Each search is `search_contacts()` as the view calls it (Django included), one query.
   A search "finds" when the contact it was made from is among the 20 results.

The last line is `RESULT contacts=… searches=… p50_ms=… p95_ms=… found_pct=…`.

    python manage.py bench_contact_search --contacts 100000
"""

from __future__ import annotations

import contextlib
import os
import platform
import random
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from crm.search import search_contacts
from tenants.management.commands.bench_onboarding import quiet_mail, throwaway_database
from tenants.services import create_venue

KINDS = (
    "exact_email",
    "partial_email",
    "full_name",
    "name_typo",
    "no_accents",
    "last_first",
    "phone_national",
    "postcode_name",
)
DOMAINS = ("gmail.com", "orange.fr", "free.fr", "laposte.net", "hotmail.fr", "sfr.fr", "yahoo.fr")
COLUMNS = (
    "first_name, last_name, email, email_normalized, phone, postcode, language, created_at, "
    "updated_at, purchase_count, tickets_bought, amount_spent_cents, attendance_count, "
    "refund_count"
)


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    email: str
    phone: str  # E.164
    postcode: str


def ascii_fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def make_people(count: int, seed: int) -> list[Person]:
    from faker import Faker  # a development dependency: imported when the benchmark runs

    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    rng = random.Random(seed)  # noqa: S311 (test data, reproducible)
    people = []
    for n in range(count):
        first, last = fake.first_name(), fake.last_name()
        email = ""
        if rng.random() < 0.85:
            local = ascii_fold(f"{first}.{last}").lower().replace(" ", "").replace("'", "")
            email = f"{local}{n}@{rng.choice(DOMAINS)}"  # the number keeps emails unique
        phone = ""
        if rng.random() < 0.6:
            phone = f"+33{rng.choice('6677123459')}{rng.randrange(10**8):08d}"
        postcode = fake.postcode() if rng.random() < 0.8 else ""
        people.append(Person(first, last, email, phone, postcode))
    return people


def load(people: list[Person]) -> None:
    """COPY the people into the current venue's crm_contact, then ANALYZE."""
    now = timezone.now()
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY crm_contact ({COLUMNS}) FROM STDIN") as copy:
            for p in people:
                names = (p.first_name, p.last_name)
                reach = (p.email, p.email.lower(), p.phone, p.postcode)
                copy.write_row((*names, *reach, "fr", now, now, 0, 0, 0, 0, 0))
        cursor.execute("ANALYZE crm_contact")


def with_typo(word: str, rng: random.Random) -> str:
    """One letter of `word` replaced by another (not the first one: people get that right)."""
    if len(word) < 4:
        return word
    at = rng.randrange(1, len(word))
    letters = [c for c in "abcdefghijklmnopqrstuvwxyz" if c != word[at].lower()]
    return word[:at] + rng.choice(letters) + word[at + 1 :]


def national(phone: str) -> str:
    digits = "0" + phone[3:]
    return " ".join(digits[i : i + 2] for i in range(0, 10, 2))


def make_query(kind: str, p: Person, rng: random.Random) -> str | None:
    """What the counter would type to find `p` that way, or None when `p` lacks the field."""
    if kind == "exact_email":
        return p.email or None
    if kind == "partial_email":
        return p.email[: rng.randint(6, 10)] if p.email else None
    if kind == "full_name":
        return f"{p.first_name} {p.last_name}"
    if kind == "name_typo":
        return f"{p.first_name} {with_typo(p.last_name, rng)}"
    if kind == "no_accents":
        return ascii_fold(f"{p.first_name} {p.last_name}").lower()
    if kind == "last_first":
        return f"{p.last_name} {p.first_name}"
    if kind == "phone_national":
        return national(p.phone) if p.phone else None
    if kind == "postcode_name":
        return f"{p.postcode} {p.last_name}" if p.postcode else None
    raise ValueError(kind)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def machine() -> str:
    model = "?"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        names = (line.split(":", 1)[1] for line in cpuinfo if line.startswith("model name"))
        model = next(names, "?").strip()
    return (
        f"Machine: {os.cpu_count()} × {model}; "
        f"PostgreSQL {connection.pg_version // 10000}, Python {platform.python_version()}"
    )


class Command(BaseCommand):
    help = "Time the contact search on a throwaway venue of N French contacts."

    def add_arguments(self, parser):
        parser.add_argument("--contacts", type=int, default=100_000)
        parser.add_argument("--searches", type=int, default=400)
        parser.add_argument("--seed", type=int, default=1)

    def say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    def handle(self, *args, **options):
        if options["contacts"] < 10 or options["searches"] < len(KINDS):
            raise CommandError(f"--contacts: at least 10; --searches: at least {len(KINDS)}.")
        if options["contacts"] > 2_000_000:
            raise CommandError("--contacts: at most 2000000.")
        with throwaway_database() as name, quiet_mail():
            self.say(f"Throwaway database {name}")
            self.say(machine())
            result = self.run_benchmark(options)
        self.say(f"Database {name} dropped")
        self.stdout.write("RESULT " + " ".join(f"{key}={value}" for key, value in result.items()))

    def run_benchmark(self, options: dict) -> dict[str, str]:
        call_command("migrate_schemas", interactive=False, verbosity=0)
        venue = create_venue(name="Bench", slug="bench", admin_email="admin@bench.test").venue
        started = time.perf_counter()
        people = make_people(options["contacts"], options["seed"])
        generated = time.perf_counter()
        with tenant_context(venue):
            load(people)
            loaded = time.perf_counter()
            self.say(
                f"{len(people)} contacts: generated in {generated - started:.1f} s, "
                f"loaded (COPY, indexes, ANALYZE) in {loaded - generated:.1f} s"
            )
            timings, found = self.search(people, options)
        connection.set_schema_to_public()
        everything = [ms for kind in KINDS for ms in timings[kind]]
        for kind in KINDS:
            ms = timings[kind]
            self.say(
                f"  {kind:15} n={len(ms):4} p50={percentile(ms, 0.5):6.1f} ms "
                f"p95={percentile(ms, 0.95):6.1f} ms max={max(ms):6.1f} ms "
                f"found={100 * found[kind] / len(ms):5.1f} %"
            )
        return {
            "contacts": str(len(people)),
            "searches": str(len(everything)),
            "p50_ms": f"{percentile(everything, 0.5):.1f}",
            "p95_ms": f"{percentile(everything, 0.95):.1f}",
            "max_ms": f"{max(everything):.1f}",
            "found_pct": f"{100 * sum(found.values()) / len(everything):.1f}",
        }

    def search(self, people: list[Person], options: dict):
        rng = random.Random(options["seed"])  # noqa: S311 (test data, reproducible)
        ids = sorted(_contact_ids())  # ids[i] is people[i]
        for _ in range(20):  # warm-up: plan cache, buffers
            person = rng.choice(people)
            search_contacts(f"{person.first_name} {person.last_name}")
        timings: dict[str, list[float]] = defaultdict(list)
        found: dict[str, int] = defaultdict(int)
        per_kind = max(1, options["searches"] // len(KINDS))
        for kind in KINDS:
            while len(timings[kind]) < per_kind:
                index = rng.randrange(len(people))
                query = make_query(kind, people[index], rng)
                if query is None:
                    continue
                begin = time.perf_counter()
                results = search_contacts(query)
                timings[kind].append((time.perf_counter() - begin) * 1000)
                found[kind] += ids[index] in {c.pk for c in results}
        return timings, found


def _contact_ids() -> list[int]:
    """The loaded contacts' ids, in COPY order (ids ascend with it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM crm_contact")
        return [row[0] for row in cursor.fetchall()]
