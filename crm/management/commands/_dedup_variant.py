"""A second generator for bench_dedup (`--generator variant`), written apart from the engine and
from the first generator to check that the engine is not tuned to one kind of noise.

What differs from the default generator:
- people: first names drawn from Faker fr_FR, fr_BE and fr_CH, last names from fr_FR and
  fr_CA, localities with a flatter skew (more towns, fewer per town), 12 % households, and
  1.5 % namesakes (another person with the same first and last name in the same town: the
  hardest non-duplicates, absent from the default generator);
- noise per duplicate (one to three): a keyboard slip (AZERTY neighbour), a sound-alike
  spelling (Dupont → Dupond, Philippe → Filipe, Gauthier → Gautier…), OCR-like confusions
  (m → rn, i → l, e → c), a first name cut to its initial, a compound name cut to one part,
  two postcode digits swapped or the last one changed, a typo in the town, the street
  abbreviated or its number moved behind it, fields dropped, a move, a married name written
  "Spouse-Maiden" (and never the email or the phone format noise of the default generator);
- `--fields names-address` (either generator): no email and no phone for anyone, as in the
  public record-linkage benchmarks (names, address, postcode, town).
"""

from __future__ import annotations

import random
import re

from crm.dedup import Record

AZERTY = [
    "azertyuiop",
    "qsdfghjklm",
    "wxcvbn",
]
SOUND_ALIKE = (
    ("ph", "f"),
    ("th", "t"),
    ("au", "o"),
    ("eau", "o"),
    ("ault", "aud"),
    ("ain", "in"),
    ("y", "i"),
    ("ll", "l"),
    ("nn", "n"),
    ("tt", "t"),
    ("ss", "s"),
    ("qu", "k"),
    ("c", "k"),
    ("ç", "s"),
    ("é", "e"),
    ("è", "e"),
)
OCR = (("m", "rn"), ("i", "l"), ("e", "c"), ("o", "0"), ("u", "v"), ("rn", "m"))
HOUSEHOLD_RATE = 0.12
NAMESAKE_RATE = 0.015
STREET_SHORT = {"Rue": "r.", "Avenue": "av.", "Boulevard": "bd", "Place": "pl.", "Chemin": "ch."}


def _neighbour(ch: str, rng: random.Random) -> str:
    for row in AZERTY:
        i = row.find(ch.lower())
        if i >= 0:
            options = [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
            return rng.choice(options)
    return ch


def keyboard(word: str, rng: random.Random) -> str:
    letters = [i for i, ch in enumerate(word) if ch.isalpha()]
    if len(letters) < 3:
        return word
    i = rng.choice(letters[1:])
    return word[:i] + _neighbour(word[i], rng) + word[i + 1 :]


def sound_alike(word: str, rng: random.Random) -> str:
    low = word.lower()
    options = [(a, b) for a, b in SOUND_ALIKE if a in low[1:]]
    if not options:
        if low.endswith("t"):
            return word[:-1] + "d"
        if low.endswith("d"):
            return word[:-1] + "t"
        return word + "e"
    a, b = rng.choice(options)
    i = low.index(a, 1)
    return word[:i] + b + word[i + len(a) :]


def ocr(word: str, rng: random.Random) -> str:
    options = [(a, b) for a, b in OCR if a in word[1:]]
    if not options:
        return word
    a, b = rng.choice(options)
    i = word.index(a, 1)
    return word[:i] + b + word[i + len(a) :]


def generate_variant(n: int, dup_rate: float, seed: int) -> tuple[list[Record], list[int]]:
    from faker import Faker

    rng = random.Random(seed * 7919 + 13)  # noqa: S311 (test data, reproducible)
    fakers = {loc: Faker(loc) for loc in ("fr_FR", "fr_BE", "fr_CH", "fr_CA")}
    for i, f in enumerate(fakers.values()):
        f.seed_instance(seed * 31 + i)
    fr = fakers["fr_FR"]
    localities = [(fr.city(), fr.postcode()) for _ in range(6000)]
    weights = [1 / (rank + 40) for rank in range(len(localities))]
    rng.shuffle(weights)

    def first_name() -> str:
        return fakers[rng.choice(("fr_FR", "fr_FR", "fr_BE", "fr_CH"))].first_name()

    def last_name() -> str:
        return fakers[rng.choice(("fr_FR", "fr_FR", "fr_FR", "fr_CA"))].last_name()

    def person() -> dict:
        town, postcode = rng.choices(localities, weights)[0]
        last = last_name()
        if rng.random() < 0.07:
            last = f"{last}-{last_name()}"
        return {
            "first_name": first_name(),
            "last_name": last,
            "street": fr.street_address() if rng.random() < 0.9 else None,
            "postcode": postcode,
            "town": town,
        }

    n_dups = round(n * dup_rate)
    originals: list[dict] = []
    while len(originals) < n - n_dups:
        p = person()
        originals.append(p)
        r = rng.random()
        if r < HOUSEHOLD_RATE and len(originals) < n - n_dups:  # household
            other = person()
            other.update(
                last_name=p["last_name"], street=p["street"], postcode=p["postcode"], town=p["town"]
            )
            originals.append(other)
        elif r < HOUSEHOLD_RATE + NAMESAKE_RATE and len(originals) < n - n_dups:  # namesake
            other = person()
            other.update(
                first_name=p["first_name"],
                last_name=p["last_name"],
                postcode=p["postcode"],
                town=p["town"],
            )
            originals.append(other)

    records = [dict(o) for o in originals]
    truth = list(range(len(originals)))
    kinds = (
        "keyboard",
        "sound",
        "ocr",
        "initial",
        "compound",
        "postcode",
        "town",
        "street",
        "missing",
        "moved",
        "married",
    )
    kind_weights = (25, 25, 10, 8, 8, 12, 10, 20, 30, 6, 8)
    for _ in range(n_dups):
        k = rng.randrange(len(originals))
        d = dict(originals[k])
        for kind in dict.fromkeys(rng.choices(kinds, kind_weights, k=rng.randint(1, 3))):
            name_field = rng.choice(("first_name", "last_name"))
            if kind == "keyboard":
                d[name_field] = keyboard(d[name_field], rng)
            elif kind == "sound":
                d[name_field] = sound_alike(d[name_field], rng)
            elif kind == "ocr":
                d[name_field] = ocr(d[name_field], rng)
            elif kind == "initial":
                d["first_name"] = d["first_name"][0] + "."
            elif kind == "compound":
                for f in ("first_name", "last_name"):
                    parts = re.split(r"[- ]", d[f])
                    if len(parts) > 1:
                        d[f] = rng.choice(parts)
            elif kind == "postcode" and d["postcode"]:
                pc = list(d["postcode"])
                if rng.random() < 0.5:
                    i = rng.randrange(len(pc) - 1)
                    pc[i], pc[i + 1] = pc[i + 1], pc[i]
                else:
                    pc[-1] = str((int(pc[-1]) + rng.randint(1, 9)) % 10)
                d["postcode"] = "".join(pc)
            elif kind == "town" and d["town"]:
                d["town"] = keyboard(d["town"], rng)
            elif kind == "street" and d["street"]:
                street = d["street"]
                for long, short in STREET_SHORT.items():
                    street = street.replace(long, short)
                m = re.match(r"(\d+),? (.*)", street)
                if m and rng.random() < 0.5:
                    street = f"{m.group(2)}, {m.group(1)}"
                d["street"] = street
            elif kind == "missing":
                for f in ("street", "postcode", "town"):
                    if rng.random() < 0.3:
                        d[f] = None
            elif kind == "moved":
                town, postcode = rng.choices(localities, weights)[0]
                d.update(street=fr.street_address(), town=town, postcode=postcode)
            elif kind == "married":
                d["last_name"] = f"{last_name()}-{d['last_name']}"
        records.append(d)
        truth.append(k)
    order = list(range(len(records)))
    rng.shuffle(order)
    return [Record(id=i, **records[j]) for i, j in enumerate(order)], [truth[j] for j in order]
