"""Contact files for the import tests: a base to match against, and a file of N rows with
every kind of bad row, each row's expected outcome known in advance."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

from crm.models import Contact

HEADERS = [
    "Nom",
    "Prénom",
    "Courriel",
    "Téléphone",
    "Adresse",
    "CP",
    "Ville",
    "Langue",
    "Type",
    "Consentement newsletter",
    "Source consentement",
]
FIRST = ["Hélène", "Jean-Pierre", "Zoé", "François", "Anaïs", "Loïc", "Mathilde", "Gaëlle"]
LAST = ["Lefèvre", "DUPONT", "de la fontaine", "Nguyen", "Martin", "Bérenger", "Koné", "Roux"]


@dataclass
class GeneratedFile:
    rows: list[list[str]]
    outcomes: list[tuple[str, str]]  # (outcome, reason code) per row
    counts: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)
    # Rows merged into the contact an earlier row of the file made (the same person twice).
    same_person: int = 0


def seed_base(n: int = 300) -> None:
    """Contacts the file will match: by email (0–99), by phone (100–199), by name and
    postcode (200–299). Their town is blank (a match fills it) except every other one
    (a match in "update" mode replaces it)."""
    Contact.objects.bulk_create(
        [
            Contact(
                first_name="Base",
                last_name=f"Personne{i}",
                email=f"base{i}@example.org" if i < 100 else "",
                email_normalized=f"base{i}@example.org" if i < 100 else "",
                phone=f"+3361{i:07d}" if 100 <= i < 200 else "",
                postcode="69003",
                city="Lyon" if i % 2 else "",
                first_source="backoffice",
            )
            for i in range(n)
        ]
    )


def _row(
    last="",
    first="",
    email="",
    phone="",
    street="",
    cp="",
    town="",
    lang="",
    kind="",
    consent="",
    proof="",
):
    return [last, first, email, phone, street, cp, town, lang, kind, consent, proof]


def generate(n: int = 10_000, *, update_mode: bool = True) -> GeneratedFile:
    """n rows. Kinds cycle so every kind appears in every batch; in-file duplicates point at
    rows of earlier batches too."""
    out = GeneratedFile(rows=[], outcomes=[])

    def add(row, outcome, reason=""):
        out.rows.append(row)
        out.outcomes.append((outcome, reason))
        out.counts[outcome] += 1
        if reason:
            out.reasons[reason] += 1

    base_by_email = base_by_phone = base_by_name = 0
    for i in range(n):
        kind = i % 40
        first, last = FIRST[i % len(FIRST)], f"{LAST[i % len(LAST)]}{i}"
        email = f"p{i}@example.org"
        if kind == 0:
            add(_row(), "rejected", "empty")
        elif kind == 1:
            add([*_row(last, first, email), "extra"], "rejected", "malformed")
        elif kind == 2:
            add(_row("X" * 151, first, email), "rejected", "too_long")
        elif kind == 3:
            add(_row(last, first, "not-an-email@"), "rejected", "email_invalid")
        elif kind == 4:
            add(_row(last, first, email, "12"), "rejected", "phone_invalid")
        elif kind == 5:
            add(_row(last, first, email, lang="klingon"), "rejected", "language_invalid")
        elif kind == 6:
            add(_row(last, first, email, kind="astronaute"), "rejected", "type_invalid")
        elif kind == 7:
            add(_row(last, first, email, consent="peut-être"), "rejected", "consent_invalid")
        elif kind == 8:
            add(_row(last, first, email, consent="oui"), "rejected", "consent_without_proof")
        elif kind == 9:
            add(_row(first="Seul", town="Lyon"), "rejected", "no_identity")
        elif kind == 10 and i >= 40:
            # The email of row i-30 (a new contact), typed otherwise, with other names and a
            # town: same batch or the one before. Merged into that contact, which keeps its
            # own names and town (the first row naming a person wins).
            add(_row(f"Autre{i}", "Bis", f" P{i - 30}@Example.org", town="Angers"), "merged")
            out.same_person += 1
        elif kind == 11 and i >= 600:
            # The same person as a new contact of an earlier batch (name + postcode, no email).
            j = i - 551
            add(_row(f"{LAST[j % len(LAST)]}{j}", FIRST[j % len(FIRST)], cp="75011"), "merged")
            out.same_person += 1
        elif kind == 12 and base_by_email < 100:
            # An existing contact by email: its blank town is filled (merged) or its town
            # replaced (updated, in "update" mode).
            b = base_by_email
            base_by_email += 1
            outcome = "updated" if (b % 2 and update_mode) else "merged"
            add(_row(email=f"BASE{b}@example.org", town="Villeurbanne"), outcome)
        elif kind == 13 and base_by_phone < 100:
            b = 100 + base_by_phone
            base_by_phone += 1
            outcome = "updated" if (b % 2 and update_mode) else "merged"
            add(_row(phone=f"061{b:07d}", town="Villeurbanne"), outcome)
        elif kind == 14 and base_by_name < 100:
            b = 200 + base_by_name
            base_by_name += 1
            outcome = "updated" if (b % 2 and update_mode) else "merged"
            add(_row(f"PERSONNE{b}", "base", cp="69003", town="Villeurbanne"), outcome)
        elif kind == 15:
            add(_row(last, first, email, consent="oui", proof="Bulletin salle 2025"), "created")
        elif kind == 16:
            add(_row(last, first, email, consent="non"), "created")
        elif kind == 17:
            add(_row(last, first, phone=f"07{i:08d}"), "created")
        else:
            add(
                _row(
                    last,
                    first,
                    email,
                    f"+33 6 {i:08d}",
                    f"{i} rue de la Paix",
                    "75011",
                    "Paris",
                    "Français",
                    "spectateur, presse",
                ),
                "created",
            )
    return out


def to_csv(rows: list[list[str]], *, encoding: str = "utf-8", delimiter: str = ";") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


def to_xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Contacts")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    workbook.save(data)
    return data.getvalue()
