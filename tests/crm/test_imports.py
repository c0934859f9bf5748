"""Contact imports: every row of a 10,000-row file with every kind of bad row ends created,
merged, updated or rejected with its reason, and the counts add up; files from Excel
(XLSX, CSV in Windows-1252) read right; an import killed between batches or in the middle
of one resumes without duplicating anyone."""

from collections import Counter

import pytest
from django.utils import translation

from crm.imports import services
from crm.imports.mapping import guess_mapping
from crm.imports.models import ContactImport, ImportRow
from crm.imports.reading import read_csv
from crm.models import Consent, Contact, TimelineEvent
from tenants.accounts.models import AuditEvent, User
from tenants.errors import ValidationFailed
from tests.helpers import in_venue

from .import_files import HEADERS, generate, seed_base, to_csv, to_xlsx

pytestmark = pytest.mark.django_db


def _start(content: bytes, name: str, actor, *, mode="update", declared=False) -> ContactImport:
    contact_import = services.create_import(file_name=name, content=content, actor=actor)
    services.set_mapping(
        contact_import=contact_import,
        mapping=contact_import.mapping,
        mode=mode,
        consent_declared=declared,
        consent_declaration="Fiche d'inscription, journée portes ouvertes" if declared else "",
        actor=actor,
    )
    ContactImport.objects.filter(pk=contact_import.pk).update(status="queued")
    return contact_import


def _outcomes(contact_import) -> list[tuple[str, str]]:
    return list(
        ImportRow.objects.filter(contact_import=contact_import)
        .order_by("row_number")
        .values_list("outcome", "reason_code")
    )


def _check_accounted(contact_import, expected) -> None:
    contact_import.refresh_from_db()
    assert contact_import.status == "done"
    assert contact_import.total_rows == contact_import.processed_rows == len(expected.rows)
    counts = {
        "created": contact_import.created_count,
        "merged": contact_import.merged_count,
        "updated": contact_import.updated_count,
        "rejected": contact_import.rejected_count,
    }
    assert sum(counts.values()) == len(expected.rows)
    assert counts == {k: expected.counts[k] for k in counts}
    assert _outcomes(contact_import) == expected.outcomes
    rows = ImportRow.objects.filter(contact_import=contact_import)
    assert rows.count() == len(expected.rows)
    rejected = rows.filter(outcome="rejected")
    assert not rejected.filter(reason="").exists()
    assert Counter(rejected.values_list("reason_code", flat=True)) == expected.reasons


@pytest.fixture
def staff(venue_a, make_staff):
    return make_staff(venue_a, User.Role.COMMUNICATION, full_name="Claire Com")


@pytest.mark.slow
def test_ten_thousand_rows_with_every_kind_of_bad_row_all_add_up(venue_a, staff):
    expected = generate(10_000)
    assert set(expected.reasons) == {
        "empty", "malformed", "too_long", "email_invalid", "phone_invalid",
        "language_invalid", "type_invalid", "consent_invalid", "consent_without_proof",
        "no_identity",
    }  # fmt: skip
    assert expected.same_person > 200  # the same person twice: merged, not rejected
    assert all(expected.counts[k] for k in ("created", "merged", "updated", "rejected"))
    with in_venue(venue_a):
        seed_base()
        before = Contact.objects.count()
        contact_import = _start(to_csv(expected.rows), "contacts.csv", staff)
        services.run_import(import_id=contact_import.pk)
        _check_accounted(contact_import, expected)
        assert Contact.objects.count() == before + expected.counts["created"]
        # Every contact the file reached has its "imported" event, once.
        reached = expected.counts["created"] + expected.counts["merged"]
        reached += expected.counts["updated"]
        events = TimelineEvent.objects.filter(code="crm.contact.imported")
        assert events.count() == reached
        # (A person named twice in the file: one contact, an event per row.)
        assert events.values("contact").distinct().count() == reached - expected.same_person
        # The rejected rows' file: one line per rejected row, with its reason, as it was read.
        with translation.override("en"):
            lines = services.rejected_rows_csv(contact_import).lstrip("\ufeff").splitlines()
        assert lines[0].split(";")[:4] == ["Row", "Reason", "Detail", "Nom"]
        assert len(lines) == 1 + expected.counts["rejected"]
        assert all(line.split(";")[1] and line.split(";")[2] for line in lines[1:])
        # Consents: only with a proof, recorded as the import's with the staff member.
        consents = Consent.objects.filter(source="import")
        assert consents.filter(granted=True).count() == 250  # kind 15
        assert consents.filter(granted=False).count() == 250  # kind 16 (a refusal needs none)
        assert set(consents.values_list("actor_label", flat=True)) == {str(staff)}
        # Normalisation: names capitalised, E.164, département.
        hit = Contact.objects.get(email_normalized="p25@example.org")
        assert (hit.last_name, hit.phone, hit.department) == ("Dupont25", "+33600000025", "75")
        assert hit.contact_types == ["spectator", "press"]
        # Matches: blanks filled (merged), values replaced in "update" mode (updated).
        assert Contact.objects.get(email_normalized="base0@example.org").city == "Villeurbanne"
        assert Contact.objects.get(email_normalized="base1@example.org").city == "Villeurbanne"
        codes = set(
            AuditEvent.objects.filter(object_type="crm.contactimport").values_list(
                "code", flat=True
            )
        )
        assert codes == {"crm.import.created", "crm.import.completed"}


def test_the_same_person_twice_in_a_file_is_merged_into_the_first_rows_contact(venue_a, staff):
    content = (
        "Nom;Prénom;Courriel;Téléphone;CP;Ville\n"
        "Durand;Léa;lea@example.fr;;49100;\n"  # 1: created
        "Durand;Léa;LEA@example.fr;06 11 22 33 44;;Angers\n"  # 2: same email, fills blanks
        "Autre;Nom;;0611223344;;Paris\n"  # 3: same phone (filled by row 2): merged
        "Morel;Jean;;;75011;\n"  # 4: created (name + postcode)
        "MOREL;jean;jean@example.fr;;75011;Paris\n"  # 5: same name + postcode: merged
        "Seul;;;;;\n"  # 6: rejected (no identity)
    ).encode()
    with in_venue(venue_a):
        contact_import = _start(content, "twice.csv", staff, mode="update")
        services.run_import(import_id=contact_import.pk, batch_size=500)
        assert _outcomes(contact_import) == [
            ("created", ""), ("merged", ""), ("merged", ""), ("created", ""), ("merged", ""),
            ("rejected", "no_identity"),
        ]  # fmt: skip
        contact_import.refresh_from_db()
        counts = (contact_import.created_count, contact_import.merged_count,
                  contact_import.updated_count, contact_import.rejected_count)  # fmt: skip
        assert counts == (2, 3, 0, 1) and sum(counts) == contact_import.total_rows == 6
        lea = Contact.objects.get(email_normalized="lea@example.fr")
        assert (lea.last_name, lea.phone, lea.city, lea.department) == (
            "Durand", "+33611223344", "Angers", "49",
        )  # fmt: skip
        jean = Contact.objects.get(last_name="Morel")
        assert (jean.email, jean.city) == ("jean@example.fr", "Paris")
        assert Contact.objects.count() == 2
        rows = ImportRow.objects.filter(contact_import=contact_import).order_by("row_number")
        assert [r.contact_id for r in rows][:5] == [lea.pk, lea.pk, lea.pk, jean.pk, jean.pk]
        assert TimelineEvent.objects.filter(contact=lea, code="crm.contact.imported").count() == 3


def test_a_person_of_an_earlier_batch_is_merged_too(venue_a, staff):
    content = (
        "Nom;Prénom;Courriel;Ville\n"
        "Durand;Léa;lea@example.fr;\n"
        "Petit;Zoé;zoe@example.fr;\n"
        "Durand;Léa;lea@example.fr;Angers\n"
    ).encode()
    with in_venue(venue_a):
        contact_import = _start(content, "batches.csv", staff, mode="update")
        services.run_import(import_id=contact_import.pk, batch_size=2)
        assert [o for o, _r in _outcomes(contact_import)] == ["created", "created", "merged"]
        assert Contact.objects.get(email_normalized="lea@example.fr").city == "Angers"


def test_fill_mode_never_overwrites(venue_a, staff):
    expected = generate(600, update_mode=False)
    with in_venue(venue_a):
        seed_base()
        contact_import = _start(to_csv(expected.rows), "fill.csv", staff, mode="fill")
        services.run_import(import_id=contact_import.pk, batch_size=200)
        _check_accounted(contact_import, expected)
        assert Contact.objects.get(email_normalized="base1@example.org").city == "Lyon"
        assert Contact.objects.get(email_normalized="base0@example.org").city == "Villeurbanne"


def test_an_import_killed_between_batches_resumes_without_duplicates(venue_a, staff):
    expected = generate(1_300)
    with in_venue(venue_a):
        seed_base()
        before = Contact.objects.count()
        contact_import = _start(to_csv(expected.rows), "crash.csv", staff)
        # The worker dies after two batches of 250: they are committed, nothing else is.
        services.run_import(import_id=contact_import.pk, batch_size=250, max_batches=2)
        contact_import.refresh_from_db()
        assert contact_import.processed_rows == 500
        assert ImportRow.objects.filter(contact_import=contact_import).count() == 500
        # The task is delivered again (twice, even): it carries on, then does nothing more.
        services.run_import(import_id=contact_import.pk, batch_size=250)
        services.run_import(import_id=contact_import.pk, batch_size=250)
        _check_accounted(contact_import, expected)
        assert Contact.objects.count() == before + expected.counts["created"]


def test_an_import_killed_inside_a_batch_leaves_nothing_of_it(venue_a, staff, monkeypatch):
    expected = generate(1_000)
    with in_venue(venue_a):
        seed_base()
        before = Contact.objects.count()
        contact_import = _start(to_csv(expected.rows), "crash.csv", staff)
        real = services.insert_contacts
        calls = {"n": 0}

        def dies_in_the_second_batch(**kwargs):
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("worker lost")
            return real(**kwargs)

        monkeypatch.setattr(services, "insert_contacts", dies_in_the_second_batch)
        with pytest.raises(RuntimeError):
            services.run_import(import_id=contact_import.pk, batch_size=300)
        contact_import.refresh_from_db()
        assert contact_import.status == "failed"
        assert contact_import.processed_rows == 300  # the first batch, committed
        done = contact_import.processed_rows
        assert ImportRow.objects.filter(contact_import=contact_import).count() == done
        created = ImportRow.objects.filter(contact_import=contact_import, outcome="created")
        assert Contact.objects.count() == before + created.count()
        monkeypatch.setattr(services, "insert_contacts", real)
        monkeypatch.setattr("crm.imports.tasks.run_import_task.delay", lambda pk: None)
        services.start_import(contact_import=contact_import, actor=staff)  # "resume"
        services.run_import(import_id=contact_import.pk, batch_size=300)
        _check_accounted(contact_import, expected)
        assert Contact.objects.count() == before + expected.counts["created"]
        assert AuditEvent.objects.filter(code="crm.import.failed").count() == 1


def test_xlsx_files_are_read_like_csv(venue_a, staff):
    expected = generate(400)
    with in_venue(venue_a):
        seed_base()
        contact_import = _start(to_xlsx(expected.rows), "contacts.xlsx", staff)
        assert contact_import.file_format == "xlsx"
        services.run_import(import_id=contact_import.pk, batch_size=150)
        _check_accounted(contact_import, expected)
        assert Contact.objects.filter(last_name="Lefèvre24").exists()


def test_excel_numbers_keep_their_leading_zeros(venue_a, staff):
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Nom", "Prénom", "Portable", "Code postal"])
    sheet.append(["Roux", "Inès", 612345678, 1000])  # typed as numbers in the spreadsheet
    data = io.BytesIO()
    workbook.save(data)
    with in_venue(venue_a):
        contact_import = _start(data.getvalue(), "numbers.xlsx", staff)
        services.run_import(import_id=contact_import.pk)
        contact = Contact.objects.get(last_name="Roux")
        assert (contact.phone, contact.postcode, contact.department) == (
            "+33612345678",
            "01000",
            "01",
        )


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("cp1252", ";"), ("utf-8-sig", ","), ("utf-8", "\t"), ("utf-16", ";")],
)
def test_csv_encodings_and_separators(venue_a, staff, encoding, delimiter):
    expected = generate(120)
    content = to_csv(expected.rows, encoding=encoding, delimiter=delimiter)
    table = read_csv(content)
    assert table.headers == HEADERS
    assert table.delimiter == delimiter
    assert table.rows[24][:2] == ["Lefèvre24", "Hélène"]
    with in_venue(venue_a):
        seed_base()
        contact_import = _start(content, "contacts.csv", staff)
        services.run_import(import_id=contact_import.pk)
        _check_accounted(contact_import, expected)
        assert Contact.objects.filter(first_name="Hélène", last_name="Lefèvre24").exists()


def test_headers_are_recognised_in_french_and_english():
    assert guess_mapping(["Nom", "Prénom", "E-mail", "Portable", "Fixe", "CP", "Ville"]) == {
        "0": "last_name",
        "1": "first_name",
        "2": "email",
        "3": "phone",
        "4": "other_phone",
        "5": "postcode",
        "6": "city",
    }
    assert guess_mapping(["First name", "Surname", "Email address", "Zip", "Town", "?"]) == {
        "0": "first_name",
        "1": "last_name",
        "2": "email",
        "3": "postcode",
        "4": "city",
    }


def test_consent_without_proof_column_needs_a_declaration(venue_a, staff):
    content = b"Courriel;Consentement newsletter\r\nada@example.org;oui\r\n"
    with in_venue(venue_a):
        contact_import = services.create_import(file_name="c.csv", content=content, actor=staff)
        with pytest.raises(ValidationFailed) as error:
            services.set_mapping(
                contact_import=contact_import,
                mapping=contact_import.mapping,
                mode="fill",
                consent_declared=False,
                actor=staff,
            )
        assert error.value.code == "crm.import.consent_without_proof"
        contact_import = _start(content, "c.csv", staff, declared=True)
        services.run_import(import_id=contact_import.pk)
        contact = Contact.objects.get(email_normalized="ada@example.org")
        assert contact.email_consent is True
        consent = contact.consents.get()
        assert (consent.source, consent.actor_label) == ("import", str(staff))
        assert consent.wording == "Fiche d'inscription, journée portes ouvertes"
        event = contact.timeline.get(code="crm.contact.imported")
        assert event.data["consent_proof"] == "Fiche d'inscription, journée portes ouvertes"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "crm.import.empty"),
        (b"\n\n", "crm.import.empty"),
        (b"PK\x03\x04garbage", "crm.import.unreadable"),
    ],
)
def test_unreadable_files_are_refused_at_upload(venue_a, staff, content, code):
    with in_venue(venue_a), pytest.raises(ValidationFailed) as error:
        services.create_import(file_name="x.csv", content=content, actor=staff)
    assert error.value.code == code


def test_an_email_taken_meanwhile_by_another_channel_becomes_a_match(venue_a, staff, monkeypatch):
    content = (
        "Nom;Prénom;Courriel;Ville\r\n"
        "Roux;Inès;ines@example.org;Lyon\r\n"
        "Koné;Awa;awa@example.org;Lyon\r\n"
        "Petit;Léa;lea@example.org;Lyon\r\n"
    ).encode()
    with in_venue(venue_a):
        contact_import = _start(content, "race.csv", staff, mode="fill")
        # The web creates Awa after the batch looked her up, before it inserts.
        monkeypatch.setattr(services, "find_matches", lambda identities: [None] * len(identities))
        awa = Contact.objects.create(email="awa@example.org", email_normalized="awa@example.org")
        services.run_import(import_id=contact_import.pk)
        assert [o for o, _r in _outcomes(contact_import)] == ["created", "merged", "created"]
        assert Contact.objects.filter(email_normalized="awa@example.org").count() == 1
        awa.refresh_from_db()
        assert (awa.last_name, awa.city) == ("Koné", "Lyon")
        assert ImportRow.objects.get(contact_import=contact_import, row_number=2).contact == awa


def test_the_dedup_engine_matches_what_exact_keys_miss(venue_a, staff):
    from crm.dedup.services import refresh_candidates_for
    from crm.services import find_or_create_contact

    content = (
        "Nom;Prénom;Adresse;CP;Ville\r\n"
        "Lefebvre;Anne-Sophie;12 rue Victor-Hugo;69003;Lyon\r\n"  # a typo in the last name
        "Garnier;Paul;3 place Bellecour;69002;Lyon\r\n"
    ).encode()
    with in_venue(venue_a):
        base = find_or_create_contact(
            email="as.lefevre@example.org",
            first_name="Anne-Sophie",
            last_name="Lefèvre",
            phone="0612345678",
            postcode="69003",
            source="web",
        )
        Contact.objects.filter(pk=base.pk).update(address_line1="12 rue Victor Hugo", city="Lyon")
        refresh_candidates_for(contact_id=base.pk, auto_merge=False)  # its blocking keys
        contact_import = _start(content, "fuzzy.csv", staff, mode="fill")
        services.run_import(import_id=contact_import.pk)
        assert [o for o, _r in _outcomes(contact_import)] == ["merged", "created"]
        assert ImportRow.objects.get(contact_import=contact_import, row_number=1).contact == base


def test_a_file_never_overrides_a_withdrawal(venue_a, staff):
    from crm.services import find_or_create_contact, set_consent

    with in_venue(venue_a):
        ada = find_or_create_contact(email="ada@example.org", source="web")
        set_consent(contact=ada, channel="email_newsletter", granted=False, source="web")
        content = "Courriel;Consentement;Source consentement\r\nada@example.org;oui;Salon\r\n"
        contact_import = _start(content.encode(), "old-sheet.csv", staff, mode="update")
        services.run_import(import_id=contact_import.pk)
        ada.refresh_from_db()
        assert ada.email_consent is False
        assert ada.consents.count() == 1
        contact_import.refresh_from_db()
        assert contact_import.content == b""  # the file is not kept once imported
