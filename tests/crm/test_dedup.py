"""The deduplication engine on plain records (no database): normalisation, each kind of
duplicate, the look-alikes it must leave apart, blocking size, and a small benchmark run."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.dedup import Record, find_duplicates, french_phonetic, normalize
from crm.dedup.engine import candidate_pairs
from crm.management.commands.bench_dedup import generate_contacts, true_pairs

# --- Normalisation -------------------------------------------------------------------------


def test_names_lose_accents_hyphens_apostrophes_and_particles():
    n = normalize(Record(first_name="Jean-Baptiste", last_name="d'Artagnan de la Fontaine"))
    assert n.first == "jeanbaptiste"
    assert "jb" in n.first_nicks
    assert n.last == "dartagnandelafontaine"
    assert n.last_core == "artagnanfontaine"
    assert normalize(Record(last_name="Lefèvre")).last == "lefevre"
    assert normalize(Record(last_name="De La Fontaine")).last == (
        normalize(Record(last_name="Delafontaine")).last
    )


def test_phone_becomes_e164_whatever_its_format():
    for raw in ("06 12 34 56 78", "06.12.34.56.78", "+33 6 12 34 56 78", "+33612345678"):
        assert normalize(Record(phone=raw)).phone == "+33612345678"
    assert normalize(Record(phone="12")).phone == ""
    assert normalize(Record(phone="n/a")).phone == ""


def test_email_is_lowercased_and_gmail_dots_and_tags_are_a_separate_key():
    n = normalize(Record(email="J.Dupont+theatre@GoogleMail.com"))
    assert n.email == "j.dupont+theatre@googlemail.com"
    assert n.email_canonical == "jdupont@gmail.com"
    # Dots matter outside Gmail; the +tag does not.
    assert normalize(Record(email="j.dupont+x@orange.fr")).email_canonical == "j.dupont@orange.fr"


def test_town_street_and_postcode():
    assert normalize(Record(town="ST-ÉTIENNE CEDEX 2")).town == "saint etienne"
    assert normalize(Record(town="Saint-Étienne")).town == "saint etienne"
    n = normalize(Record(street="12 bd St-Michel", postcode="6000"))
    assert n.street == "12 boulevard saint michel"
    assert n.street_number == "12"
    assert n.postcode == "06000"


def test_french_phonetic_key():
    assert french_phonetic("dupont") == french_phonetic("dupond")
    assert french_phonetic("renaud") == french_phonetic("renault")
    assert french_phonetic("lefebvre") == french_phonetic("lefevre")
    assert french_phonetic("gauthier") == french_phonetic("gautier")
    assert french_phonetic("dupont") != french_phonetic("durand")


# --- Duplicates found, look-alikes left apart ------------------------------------------------

BASE = Record(
    id="a",
    first_name="Catherine",
    last_name="Dubois",
    email="catherine.dubois@orange.fr",
    phone="06 12 34 56 78",
    street="12 rue des Lilas",
    postcode="69003",
    town="Lyon",
)
# Unrelated people, so that frequencies and the prior look like a real base.
CROWD = [
    Record(id=f"p{i}", first_name=f, last_name=la, postcode=pc, town="Villeurbanne")
    for i, (f, la, pc) in enumerate(
        (f, la, pc)
        for f in ("Paul", "Léa", "Hugo", "Inès", "Louis", "Chloé")
        for la in ("Martin", "Bernard", "Petit", "Robert", "Richard", "Durand", "Moreau")
        for pc in ("69100", "69001")
    )
]


def _pair_score(a: Record, b: Record) -> tuple[float, tuple[str, ...], list]:
    result = find_duplicates([a, b, *CROWD], auto_threshold=0.9, review_threshold=0.0)
    for m in result.matches:
        if {m.a, m.b} == {a.id, b.id}:
            return m.score, m.reasons, result.clusters
    return 0.0, (), result.clusters


def _same(a: Record, b: Record) -> tuple[str, ...]:
    score, reasons, clusters = _pair_score(a, b)
    assert score >= 0.9, (score, reasons)
    assert any({a.id, b.id} <= set(c) for c in clusters)
    return reasons


def _apart(a: Record, b: Record) -> None:
    score, reasons, clusters = _pair_score(a, b)
    assert score < 0.5, (score, reasons)
    assert not any({a.id, b.id} <= set(c) for c in clusters)


def _with(**changes) -> Record:
    return Record(**{**{f: getattr(BASE, f) for f in BASE.__slots__}, "id": "b", **changes})


def test_typo_in_the_last_name():
    reasons = _same(BASE, _with(last_name="Duboiss", email=None))
    assert "last name (close)" in reasons


def test_two_typos_in_a_first_name_neither_prove_nor_disprove():
    sophie = _with(id="a", first_name="Sophie", email=None)
    reasons = _same(sophie, _with(first_name="Shopia", email=None))
    assert "first name (two typos)" in reasons
    # …but with another last name nothing of the name is left: not the same person.
    _apart(sophie, _with(first_name="Shopia", last_name="Moreau", email=None))


def test_swapped_first_and_last_names():
    reasons = _same(BASE, _with(first_name="DUBOIS", last_name="catherine", phone=None))
    assert "names swapped" in reasons


def test_married_name_same_first_name_and_address():
    reasons = _same(BASE, _with(last_name="Moreau", email="c.moreau@gmail.com"))
    assert {"first name", "phone", "address"} <= set(reasons)


def test_nickname():
    reasons = _same(BASE, _with(first_name="Cathy", email=None))
    assert "first name (nickname)" in reasons
    _same(
        Record(id="a", first_name="Jean-Baptiste", last_name="Roux", phone="0611223344"),
        Record(id="b", first_name="JB", last_name="Roux", phone="+33 6 11 22 33 44"),
    )


def test_missing_email_and_other_formats():
    _same(
        BASE,
        _with(email=None, phone="+33612345678", street="12, r. des lilas", town="LYON CEDEX 03"),
    )


def test_a_missing_field_neither_proves_nor_disproves():
    with_town, _, _ = _pair_score(BASE, _with(email=None, phone=None, street=None))
    without, _, _ = _pair_score(
        BASE, _with(email=None, phone=None, street=None, postcode=None, town=None)
    )
    elsewhere, _, _ = _pair_score(
        BASE, _with(email=None, phone=None, street=None, postcode="13001", town="Marseille")
    )
    assert with_town > without > elsewhere


def test_homonyms_in_other_towns_with_other_phones_are_not_matched():
    _apart(
        BASE,
        _with(
            email="cdubois@free.fr",
            phone="07 98 76 54 32",
            street="3 avenue Jean Jaurès",
            postcode="33000",
            town="Bordeaux",
        ),
    )


def test_a_household_is_not_a_duplicate():
    """Same last name, address, landline and even email, another first name: two people."""
    _apart(BASE, _with(first_name="Michel"))
    _apart(BASE, _with(first_name="Marine", email="marine.dubois@orange.fr"))


text = st.one_of(st.none(), st.text(max_size=30))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(text, text, text, text, text, text, text), max_size=6))
def test_any_input_is_normalised_and_scored_without_error(rows):
    records = [Record(id=i, **dict(zip(Record.__slots__[1:], row, strict=True)))
               for i, row in enumerate(rows)]  # fmt: skip
    result = find_duplicates(records, auto_threshold=0.9, review_threshold=0.0)
    assert all(0.0 <= m.score <= 1.0 for m in result.matches)
    assert len(result.matches) <= result.pairs_compared <= len(rows) * (len(rows) - 1) // 2


# --- Blocking and the benchmark --------------------------------------------------------------


@pytest.fixture(scope="module")
def generated():
    return generate_contacts(3000, 0.1, seed=7)


def test_blocking_keeps_pairs_far_below_n_squared_and_finds_the_true_pairs(generated):
    records, truth = generated
    pairs = candidate_pairs([normalize(r) for r in records])
    n = len(records)
    assert len(pairs) < n * (n - 1) / 2 / 100
    expected = true_pairs(truth)
    assert len(expected & pairs) / len(expected) > 0.95


def test_generated_duplicates_are_true_pairs(generated):
    records, truth = generated
    assert len(records) == 3000
    assert 250 <= len(true_pairs(truth)) <= 400


def test_bench_command_prints_a_result_line():
    out = StringIO()
    call_command("bench_dedup", contacts=2000, dup_rate=0.1, seed=3, stdout=out)
    last = out.getvalue().strip().splitlines()[-1]
    match = re.fullmatch(
        r"RESULT precision=(\S+) recall=(\S+) f1=(\S+) seconds=(\S+) pairs_compared=(\d+)"
        r" cpu_seconds=\S+",
        last,
    )
    assert match, last
    precision, recall, f1 = (float(match.group(i)) for i in (1, 2, 3))
    assert f1 >= 0.9, last
    assert precision >= 0.9 and recall >= 0.85
    assert int(match.group(5)) < 2000 * 1999 / 2 / 100


def test_a_record_is_never_its_own_pair():
    # A compound last name of twice the same part files the record twice under one key.
    for last_name in ("Dupont-Dupont", "¢C"):
        record = Record(id=1, last_name=last_name, postcode="69003", town="A")
        assert find_duplicates([record], review_threshold=0.0).pairs_compared == 0
