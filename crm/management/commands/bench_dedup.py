"""Benchmark: deduplication of generated French contacts with known duplicates.

No database is used: the contacts are plain `crm.dedup.Record`s built in memory and the engine
(`crm.dedup.find_duplicates`) runs on them directly. Faker (fr_FR, a development dependency)
provides names, streets, towns and postcodes; localities are drawn with a skewed distribution,
as a venue's audience lives mostly around the venue (large postcode blocks, on purpose).

The base: `--contacts` records of which `--dup-rate` are duplicates of another contact (picked
at random, so a person may have two duplicates). Non-duplicates that look alike are generated
on purpose: households (same last name, address and often phone or email, another first name)
and the homonyms that 400 last names × 220 first names produce by themselves. Each duplicate
gets one to three kinds of noise: typos in names, missing fields, a changed email, first and
last names swapped, a married name (same first name and address, new or hyphenated last
name), accents, hyphens and case dropped, "St"/"Saint" and "Cedex" in the town, another phone
format, a nickname ("Catherine" → "Cathy"), a move (new address, same email or phone).

Measured: precision and recall over true duplicate pairs, where the predicted pairs are all
the pairs inside the clusters the engine forms at the auto threshold (what an automatic merge
would do), `seconds` for the engine alone (normalisation, blocking, scoring, clustering; not
the generation), and `pairs_compared` after blocking. The last line:
`RESULT precision=… recall=… f1=… seconds=… pairs_compared=… cpu_seconds=…` (cpu_seconds: the
engine's CPU time, which a shared machine does not inflate as it does the wall time).

`--generator variant` draws the contacts from a second generator with other noise, and
`--fields names-address` removes email and phone (see _dedup_variant.py).
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from itertools import combinations

from django.core.management.base import BaseCommand

from crm.dedup import Record, find_duplicates
from crm.dedup.records import _NICKNAMES, ascii_lower

SAINT_TOWNS = [
    ("Saint-Étienne", "42000"),
    ("Saint-Denis", "93200"),
    ("Saint-Malo", "35400"),
    ("Saint-Nazaire", "44600"),
    ("Sainte-Foy-lès-Lyon", "69110"),
    ("Saint-Maur-des-Fossés", "94100"),
    ("Saint-Brieuc", "22000"),
    ("Saint-Quentin", "02100"),
]
PHONE_FORMATS = (
    "{0}{1} {2}{3} {4}{5} {6}{7} {8}{9}",
    "{0}{1}{2}{3}{4}{5}{6}{7}{8}{9}",
    "{0}{1}.{2}{3}.{4}{5}.{6}{7}.{8}{9}",
    "+33 {1} {2}{3} {4}{5} {6}{7} {8}{9}",
    "+33{1}{2}{3}{4}{5}{6}{7}{8}{9}",
    "(0){1} {2}{3} {4}{5} {6}{7} {8}{9}",
)


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    letters = "abcdefghijklmnopqrstuvwxyz"
    if kind < 0.3:
        return word[:i] + word[i + 1 :]
    if kind < 0.55:
        return word[:i] + rng.choice(letters) + word[i:]
    if kind < 0.8:
        return word[:i] + rng.choice(letters) + word[i + 1 :]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def _phone(rng: random.Random, digits: str) -> str:
    return rng.choice(PHONE_FORMATS).format(*digits)


def _email(rng: random.Random, first: str, last: str, domains: list[str], taken: set[str]) -> str:
    """A plausible address nobody else holds yet (an address belongs to one mailbox)."""
    f, la = ascii_lower(first).replace(" ", ""), ascii_lower(last).replace(" ", "")
    local = rng.choice((f"{f}.{la}", f"{f[0]}{la}", f"{f}{la}{rng.randint(1, 99)}", f"{la}.{f}"))
    email = f"{local}@{rng.choice(domains)}".replace("'", "")
    while email in taken:
        email = f"{local}{rng.randint(1, 9999)}@{rng.choice(domains)}".replace("'", "")
    taken.add(email)
    return email


def generate_contacts(n: int, dup_rate: float, seed: int) -> tuple[list[Record], list[int]]:
    """`n` records and, for each, the id of the person it is (equal ids = true duplicates)."""
    from faker import Faker

    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    rng = random.Random(seed)  # noqa: S311 (test data, reproducible)
    localities = [(fake.city(), fake.postcode()) for _ in range(3000)] + SAINT_TOWNS
    weights = [1 / (rank + 5) for rank in range(len(localities))]
    rng.shuffle(weights)
    domains = [fake.free_email_domain() for _ in range(30)] + ["gmail.com"] * 10
    taken: set[str] = set()

    def person() -> dict:
        first = fake.first_name()
        last = fake.last_name()
        if rng.random() < 0.05:
            last = f"{last}-{fake.last_name()}"
        town, postcode = rng.choices(localities, weights)[0]
        digits = rng.choice("66667712345") + "".join(str(rng.randrange(10)) for _ in range(8))
        return {
            "first_name": first,
            "last_name": last,
            "email": _email(rng, first, last, domains, taken) if rng.random() < 0.8 else None,
            "phone": _phone(rng, "0" + digits) if rng.random() < 0.7 else None,
            "street": fake.street_address() if rng.random() < 0.85 else None,
            "postcode": postcode,
            "town": town,
        }

    n_dups = round(n * dup_rate)
    originals: list[dict] = []
    while len(originals) < n - n_dups:
        p = person()
        originals.append(p)
        if rng.random() < 0.08 and len(originals) < n - n_dups:
            # A household member: another person at the same address.
            other = person()
            other.update(
                last_name=p["last_name"], street=p["street"], postcode=p["postcode"], town=p["town"]
            )
            if rng.random() < 0.5:
                other["phone"] = p["phone"]
            if rng.random() < 0.3:
                other["email"] = p["email"]
            originals.append(other)

    records: list[dict] = [dict(o) for o in originals]
    truth = list(range(len(originals)))
    noises = (
        "typo",
        "missing",
        "email",
        "swap",
        "married",
        "ascii",
        "town",
        "phone",
        "nick",
        "moved",
    )
    noise_weights = (35, 40, 30, 8, 10, 30, 10, 40, 10, 5)
    for _ in range(n_dups):
        k = rng.randrange(len(originals))
        d = dict(originals[k])
        for noise in dict.fromkeys(rng.choices(noises, noise_weights, k=rng.randint(1, 3))):
            if noise == "typo":
                field = rng.choice(("first_name", "last_name"))
                if d[field]:
                    d[field] = _typo(rng, d[field])
            elif noise == "missing":
                for field in ("email", "phone", "street", "postcode", "town"):
                    if rng.random() < 0.35:
                        d[field] = None
            elif noise == "email":
                d["email"] = _email(rng, d["first_name"], d["last_name"], domains, taken)
            elif noise == "swap":
                d["first_name"], d["last_name"] = d["last_name"], d["first_name"]
            elif noise == "married":
                new = fake.last_name()
                old = d["last_name"]
                d["last_name"] = rng.choice((new, f"{old}-{new}", f"{new}-{old}"))
                if rng.random() < 0.5:
                    d["email"] = _email(rng, d["first_name"], new, domains, taken)
            elif noise == "ascii":
                for field in ("first_name", "last_name", "town"):
                    if d[field]:
                        value = ascii_lower(d[field]).replace("-", " ")
                        d[field] = value.upper() if rng.random() < 0.5 else value
            elif noise == "town" and d["town"]:
                d["town"] = d["town"].replace("Saint-", "St-").replace("Sainte-", "Ste ")
                if rng.random() < 0.5:
                    d["town"] = f"{d['town']} Cedex"
            elif noise == "phone" and d["phone"]:
                digits = "".join(ch for ch in d["phone"] if ch.isdigit())[-9:]
                d["phone"] = _phone(rng, "0" + digits)
            elif noise == "nick":
                key = ascii_lower(d["first_name"] or "")
                if key in _NICKNAMES:
                    d["first_name"] = rng.choice(_NICKNAMES[key]).capitalize()
                elif "-" in (d["first_name"] or ""):
                    d["first_name"] = "".join(t[0] for t in d["first_name"].split("-")).upper()
            elif noise == "moved":
                town, postcode = rng.choices(localities, weights)[0]
                d.update(street=fake.street_address(), town=town, postcode=postcode)
        records.append(d)
        truth.append(k)
    order = list(range(len(records)))
    rng.shuffle(order)
    return [Record(id=i, **records[j]) for i, j in enumerate(order)], [truth[j] for j in order]


def true_pairs(truth: list[int]) -> set[tuple[int, int]]:
    by_person: dict[int, list[int]] = defaultdict(list)
    for record_id, person_id in enumerate(truth):
        by_person[person_id].append(record_id)
    return {p for ids in by_person.values() if len(ids) > 1 for p in combinations(sorted(ids), 2)}


def evaluate(clusters: list[list], truth: list[int]) -> tuple[float, float, float]:
    predicted = {p for c in clusters for p in combinations(sorted(c), 2)}
    expected = true_pairs(truth)
    hits = len(predicted & expected)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(expected) if expected else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


class Command(BaseCommand):
    help = "Generate French contacts with known duplicates and measure the dedup engine."

    def add_arguments(self, parser):
        parser.add_argument("--contacts", type=int, default=100_000)
        parser.add_argument("--dup-rate", type=float, default=0.1)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--auto-threshold", type=float, default=0.9)
        parser.add_argument(
            "--generator",
            choices=["default", "variant"],
            default="default",
            help="variant: another generator with other noise (see _dedup_variant.py), to "
            "check the engine is not tuned to the default one.",
        )
        parser.add_argument(
            "--fields",
            choices=["all", "names-address"],
            default="all",
            help="names-address: no email and no phone, as in public record-linkage benchmarks.",
        )

    def handle(self, *args, contacts, dup_rate, seed, auto_threshold, **options):
        from dataclasses import replace

        from ._dedup_variant import generate_variant

        started = time.perf_counter()
        generate = generate_variant if options["generator"] == "variant" else generate_contacts
        records, truth = generate(contacts, dup_rate, seed)
        if options["fields"] == "names-address":
            records = [replace(r, email=None, phone=None) for r in records]
        self.stdout.write(
            f"{options['generator']} generator, fields: {options['fields']}; "
            f"generated {len(records)} contacts, {len(true_pairs(truth))} true duplicate pairs "
            f"in {time.perf_counter() - started:.1f} s"
        )
        started, cpu_started = time.perf_counter(), time.process_time()
        result = find_duplicates(
            records, auto_threshold=auto_threshold, review_threshold=auto_threshold
        )
        seconds = time.perf_counter() - started
        # CPU time of this process: on a shared machine, wall time also counts the others.
        cpu_seconds = time.process_time() - cpu_started
        precision, recall, f1 = evaluate(result.clusters, truth)
        self.stdout.write(
            f"RESULT precision={precision:.4f} recall={recall:.4f} f1={f1:.4f} "
            f"seconds={seconds:.1f} pairs_compared={result.pairs_compared} "
            f"cpu_seconds={cpu_seconds:.1f}"
        )
