"""Blocking, pair scoring and clustering (see the package docstring for the method)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.fuzz import token_set_ratio

from .records import Normalized, Record, normalize

# Blocks larger than this are split by a second key (first-name initial), and skipped if
# still too large: a block of 5,000 "martin"s would cost 12 million comparisons for nothing.
BLOCK_CAP = 60


def blocking_keys(n: Normalized) -> list[tuple]:
    """The keys under which a record is filed; two records sharing any key become a pair."""
    keys: list[tuple] = []
    if n.email:
        keys.append(("email", n.email_canonical))
    if n.phone:
        keys.append(("phone", n.phone))
    names = sorted(x for x in (n.first, n.last_core) if x)
    if n.last_phon and n.postcode:
        keys.append(("lastphon+pc", n.last_phon, n.postcode))
        if len(n.last_tokens) == 1:
            keys.append(("lastpart", n.last_core, n.first[:1], n.postcode))
    if len(names) == 2 and n.town:
        keys.append(("names+town", *names, n.town))
    if n.last_core and n.first and n.postcode:
        keys.append(("last3+init+pc", n.last_core[:3], n.first[0], n.postcode))
    phons = sorted(x for x in (n.first_phon, n.last_phon) if x)
    if len(phons) == 2:
        keys.append(("phons", *phons))
    if n.street:
        street_word = max(n.street.split(), key=len)[:6]
        if n.first_phon:
            # Married names: same first name at the same address, last name changed.
            keys.append(("first+street", n.first_phon, n.street_number, street_word))
        if n.last_phon:
            keys.append(("last+street", n.last_phon, n.street_number, street_word))
    if n.street_number and n.street and (n.postcode or n.town):
        # Both names mistyped, or a household: the address alone (small blocks).
        street_word = max(n.street.split(), key=len)
        keys.append(("address", n.street_number, street_word, n.postcode or n.town))
    if n.first_phon:
        # A typo in the last name's first letters: the first name with the locality.
        if n.postcode:
            keys.append(("first+pc", n.first_phon, n.postcode))
        if n.town:
            keys.append(("first+town", n.first_phon, n.town))
    if len(names) == 2:
        keys.append(("names", *names))  # moved, or a typo in the postcode and the town
    if len(n.last_tokens) > 1 and (n.postcode or n.town):
        # Compound last names ("Dupont-Martin"): each part with the locality.
        for token in n.last_tokens:
            keys.append(("lastpart", token, n.first[:1], n.postcode or n.town))
    return keys


def candidate_pairs(normalized: Sequence[Normalized], cap: int = BLOCK_CAP) -> set[tuple[int, int]]:
    blocks: dict[tuple, list[int]] = defaultdict(list)
    for i, n in enumerate(normalized):
        for key in blocking_keys(n):
            blocks[key].append(i)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) < 2:
            continue
        groups: Iterable[list[int]] = [members]
        if len(members) > cap:
            sub: dict[str, list[int]] = defaultdict(list)
            for i in members:
                sub[normalized[i].first[:1]].append(i)
            groups = [g for g in sub.values() if 2 <= len(g) <= cap]
        for group in groups:
            for a in range(len(group)):
                ia = group[a]
                for b in range(a + 1, len(group)):
                    ib = group[b]
                    pairs.add((ia, ib) if ia < ib else (ib, ia))
    return pairs


# --- Scoring: Fellegi–Sunter log-likelihood ratios, ln(m/u) per comparison level -----------
# m = P(level | same person), u = P(level | different people). Values are set from reasoning
# about French contact data (how often a real duplicate has a typo, a changed email, a married
# name…), not fitted to the generator; u for exact name/postcode/town agreement comes from the
# value's frequency in the data set (term-frequency adjustment: two "Martin"s prove less than
# two "Kerguelen"s).


def _w(m: float, u: float) -> float:
    return math.log(m / u)


FIRST_EXACT_M = 0.85
FIRST_NICK = _w(0.03, 0.001)
# u is small: two common spellings one typo apart count as different (see _first_level).
FIRST_CLOSE = _w(0.07, 0.002)
FIRST_WEAK = _w(0.03, 0.03)
FIRST_PREFIX = _w(0.02, 0.01)  # an initial, or "Jean" for "Jean-Pierre"
FIRST_DIFF = _w(0.03, 0.97)
LAST_EXACT_M = 0.80
LAST_CLOSE = _w(0.08, 0.005)
LAST_PART = _w(0.05, 0.001)  # one compound name holds the other: "Maréchal-Dupont", "Dupont"
LAST_DIFF = _w(0.12, 0.99)  # married names and heavy typos
SWAP_PENALTY = math.log(0.05)  # names entered the wrong way round: rare, so it costs a little
EMAIL_EXACT = _w(0.5, 1e-5)
# Same local part at another provider: often the same person, but local parts are built from
# names ("jdupont"), so homonyms share them too.
EMAIL_LOCAL = _w(0.05, 0.005)
EMAIL_DIFF = _w(0.45, 0.99999)
PHONE_EXACT = _w(0.6, 1e-5)
PHONE_DIFF = _w(0.3, 0.99999)
LOCALITY_EXACT_M = 0.85
LOCALITY_NEAR = _w(0.08, 0.02)  # same département, or same town with another postcode
LOCALITY_TYPO = _w(0.05, 0.001)  # one digit off in the postcode, or a typo in the town
LOCALITY_DIFF = _w(0.07, 0.97)  # people move
# Given the same locality, how likely is the same street (with number)?
STREET_EXACT = _w(0.75, 0.002)
STREET_CLOSE = _w(0.12, 0.01)
STREET_DIFF = _w(0.13, 0.988)

CLOSE_JW = 0.88  # Jaro–Winkler similarity above which two names are one typo apart
WEAK_JW = 0.8
MIN_POPULATION = 1000
COMMON = 5  # a first name seen this often in the data set is a real name, not a typo


@dataclass(slots=True)
class Frequencies:
    """How common each value is in the data set, for u of exact agreement."""

    n: int
    first: Counter = field(default_factory=Counter)
    last: Counter = field(default_factory=Counter)
    postcode: Counter = field(default_factory=Counter)
    town: Counter = field(default_factory=Counter)

    @classmethod
    def of(cls, normalized: Sequence[Normalized]) -> Frequencies:
        f = cls(n=max(len(normalized), 1))
        for x in normalized:
            f.first[x.first] += 1
            f.last[x.last_core] += 1
            f.postcode[x.postcode] += 1
            f.town[x.town] += 1
        return f

    def u(self, counter: Counter, value: str, floor: float) -> float:
        # A small base (a new venue, a test) is read as a sample of a population of at least
        # MIN_POPULATION, as in prior_log_odds: two "Martin"s among 3 contacts prove little
        # about how rare the name is.
        return max(counter[value] / max(self.n, MIN_POPULATION), floor)


def _close(a: str, b: str) -> bool:
    """One typo apart: an insertion, deletion, substitution or transposition (two for long
    names), or a Jaro–Winkler similarity above CLOSE_JW."""
    allowed = 2 if min(len(a), len(b)) >= 8 else 1
    return (
        OSA.distance(a, b, score_cutoff=allowed) <= allowed
        or JaroWinkler.normalized_similarity(a, b) >= CLOSE_JW
    )


def _first_level(a: Normalized, b: Normalized, freq: Frequencies) -> tuple[float, str]:
    if not a.first or not b.first:
        return 0.0, ""
    if a.first == b.first:
        return _w(FIRST_EXACT_M, freq.u(freq.first, a.first, 1e-3)), "first name"
    if a.first_nicks & b.first_nicks:
        return FIRST_NICK, "first name (nickname)"
    # A typo makes a rare spelling; two common spellings ("Marie", "Marine") are two names.
    both_common = freq.first[a.first] >= COMMON and freq.first[b.first] >= COMMON
    if (_close(a.first, b.first) or a.first_phon == b.first_phon) and not both_common:
        return FIRST_CLOSE, "first name (close)"
    if not both_common and (
        JaroWinkler.normalized_similarity(a.first, b.first) >= WEAK_JW
        or OSA.distance(a.first, b.first, score_cutoff=2) <= 2 < min(len(a.first), len(b.first))
    ):
        # Two typos, or one in a short name: neither proof nor disproof.
        return FIRST_WEAK, "first name (two typos)"
    ta, tb = a.first_tokens, b.first_tokens
    if (len(ta[0]) == 1 or len(tb[0]) == 1 or len(ta) != len(tb)) and (
        ta[0].startswith(tb[0]) or tb[0].startswith(ta[0])
    ):
        return FIRST_PREFIX, "first name (initial or part)"
    return FIRST_DIFF, ""


def _last_level(a: Normalized, b: Normalized, freq: Frequencies) -> tuple[float, str]:
    if not a.last or not b.last:
        return 0.0, ""
    if a.last_core == b.last_core or a.last == b.last:
        return _w(LAST_EXACT_M, freq.u(freq.last, a.last_core, 2e-4)), "last name"
    short, long_ = sorted((a.last_tokens, b.last_tokens), key=len)
    if len(short) < len(long_) and all(t in long_ for t in short):
        return LAST_PART, "last name (part)"
    if (
        _close(a.last_core, b.last_core)
        or a.last_phon == b.last_phon
        or any(len(t) > 2 and t in b.last_tokens for t in a.last_tokens)
    ):
        return LAST_CLOSE, "last name (close)"
    return LAST_DIFF, ""


def _cross_first_last(a: Normalized, b: Normalized) -> bool:
    return bool(a.first and a.last_core) and bool(b.first and b.last_core)


def _names(a: Normalized, b: Normalized, freq: Frequencies) -> tuple[float, list[str], bool]:
    """Name weight, reasons, and whether the first names clearly disagree."""
    wf, rf = _first_level(a, b, freq)
    wl, rl = _last_level(a, b, freq)
    direct = wf + wl
    if _cross_first_last(a, b) and (wf == FIRST_DIFF or wl == LAST_DIFF):
        # Try the names the other way round (first ↔ last).
        sa = Normalized(
            **{
                **{s: getattr(a, s) for s in a.__slots__},
                "first": a.last_core,
                "first_tokens": a.last_tokens,
                "first_phon": a.last_phon,
                "first_nicks": frozenset(),
                "last": a.first,
                "last_core": a.first,
                "last_tokens": a.first_tokens,
                "last_phon": a.first_phon,
            }
        )
        swf, _ = _first_level(sa, b, freq)
        swl, _ = _last_level(sa, b, freq)
        if swf > 0 and swl > 0 and swf + swl + SWAP_PENALTY > direct:
            return swf + swl + SWAP_PENALTY, ["names swapped"], False
    reasons = [r for r in (rf, rl) if r]
    # Two typos in the first name and another last name: nothing in the name is the same.
    return direct, reasons, wf == FIRST_DIFF or (wf == FIRST_WEAK and wl == LAST_DIFF)


def _contact(a: Normalized, b: Normalized) -> tuple[float, list[str]]:
    w = 0.0
    reasons = []
    if a.email and b.email:
        if a.email_canonical == b.email_canonical:
            w += EMAIL_EXACT
            reasons.append("email")
        elif a.email_canonical.split("@")[0] == b.email_canonical.split("@")[0]:
            w += EMAIL_LOCAL
            reasons.append("email (same name, other domain)")
        else:
            w += EMAIL_DIFF
    if a.phone and b.phone:
        if a.phone == b.phone:
            w += PHONE_EXACT
            reasons.append("phone")
        else:
            w += PHONE_DIFF
    return w, reasons


def _one_digit_apart(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def _location(a: Normalized, b: Normalized, freq: Frequencies) -> tuple[float, list[str]]:
    reasons = []
    w = 0.0
    same_locality = False
    if a.postcode and b.postcode:
        if a.postcode == b.postcode:
            w = _w(LOCALITY_EXACT_M, freq.u(freq.postcode, a.postcode, 1e-4))
            same_locality = True
            reasons.append("postcode")
        elif a.town and a.town == b.town:
            w = _w(LOCALITY_EXACT_M * 0.1, freq.u(freq.town, a.town, 1e-4))
            same_locality = True
            reasons.append("town")
        elif _one_digit_apart(a.postcode, b.postcode) and (
            not (a.town and b.town) or _close(a.town, b.town)
        ):
            w = LOCALITY_TYPO
            same_locality = True
            reasons.append("postcode (close)")
        elif a.postcode[:2] == b.postcode[:2]:
            w = LOCALITY_NEAR
        else:
            w = LOCALITY_DIFF
    elif a.town and b.town:
        if a.town == b.town:
            w = _w(LOCALITY_EXACT_M, freq.u(freq.town, a.town, 1e-4))
            same_locality = True
            reasons.append("town")
        elif _close(a.town, b.town):
            w = LOCALITY_TYPO
            same_locality = True
            reasons.append("town (close)")
        else:
            w = LOCALITY_DIFF
    if a.street and b.street and (same_locality or not (a.postcode and b.postcode)):
        if a.street == b.street:
            w += STREET_EXACT
            reasons.append("address")
        else:
            sim = token_set_ratio(a.street, b.street) / 100
            if sim >= 0.9 and a.street_number == b.street_number:
                w += STREET_EXACT
                reasons.append("address")
            elif sim >= 0.75:
                w += STREET_CLOSE
                reasons.append("address (close)")
            else:
                w += STREET_DIFF
    return w, reasons


@dataclass(frozen=True, slots=True)
class PairScore:
    score: float
    reasons: tuple[str, ...]


def score_pair(a: Normalized, b: Normalized, freq: Frequencies, prior_log_odds: float) -> PairScore:
    """Probability that a and b are the same person, with the fields that agreed."""
    w_names, reasons, first_names_differ = _names(a, b, freq)
    w_contact, r_contact = _contact(a, b)
    w_location, r_location = _location(a, b, freq)
    total = prior_log_odds + w_names + w_contact + w_location
    score = 1 / (1 + math.exp(-total)) if total > -700 else 0.0
    if first_names_differ:
        # Household rule: two people sharing a last name, address, phone or email but not a
        # first name are two contacts (a couple, a parent and child), never merged.
        score = min(score, HOUSEHOLD_CAP)
    return PairScore(score=score, reasons=tuple(reasons + r_contact + r_location))


HOUSEHOLD_CAP = 0.3


def prior_log_odds(n: int, expected_duplicate_rate: float = 0.1) -> float:
    """ln of the prior odds that two records picked at random are the same person: about
    rate × n true pairs among n²/2 pairs (floored at n = 1,000 so small sets stay sane)."""
    n = max(n, MIN_POPULATION)
    p = 2 * expected_duplicate_rate / n
    return math.log(p / (1 - p))


@dataclass(frozen=True, slots=True)
class Match:
    a: object
    b: object
    score: float
    reasons: tuple[str, ...]


@dataclass(slots=True)
class DedupResult:
    matches: list[Match]  # pairs at or above the review threshold, best first
    clusters: list[list[object]]  # groups linked at or above the auto threshold (size ≥ 2)
    pairs_compared: int


def find_duplicates(
    records: Sequence[Record],
    *,
    auto_threshold: float = 0.9,
    review_threshold: float = 0.5,
    expected_duplicate_rate: float = 0.1,
) -> DedupResult:
    """Pairs scoring ≥ review_threshold (with reasons) and clusters linked ≥ auto_threshold.

    Records are identified by their `id` (their index in `records` when id is None)."""
    ids = [r.id if r.id is not None else i for i, r in enumerate(records)]
    return find_duplicates_normalized(
        [normalize(r) for r in records],
        ids,
        auto_threshold=auto_threshold,
        review_threshold=review_threshold,
        expected_duplicate_rate=expected_duplicate_rate,
    )


def find_duplicates_normalized(
    normalized: Sequence[Normalized],
    ids: Sequence[object],
    *,
    auto_threshold: float = 0.9,
    review_threshold: float = 0.5,
    expected_duplicate_rate: float = 0.1,
) -> DedupResult:
    """`find_duplicates` over records normalised already (the caller also needs their keys)."""
    records = normalized
    freq = Frequencies.of(normalized)
    prior = prior_log_odds(len(records), expected_duplicate_rate)
    pairs = candidate_pairs(normalized)
    matches: list[Match] = []
    parent = list(range(len(records)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in pairs:
        result = score_pair(normalized[i], normalized[j], freq, prior)
        if result.score >= review_threshold:
            matches.append(Match(ids[i], ids[j], result.score, result.reasons))
        if result.score >= auto_threshold:
            ri, rj = find(i), find(j)
            if ri != rj:
                parent[ri] = rj
    groups: dict[int, list[object]] = defaultdict(list)
    for i in range(len(records)):
        groups[find(i)].append(ids[i])
    matches.sort(key=lambda m: -m.score)
    clusters = [g for g in groups.values() if len(g) > 1]
    return DedupResult(matches=matches, clusters=clusters, pairs_compared=len(pairs))
