"""The import wizard over HTTP: file → columns (guessed) → preview (per-row checks) →
progress (HTMX polling) → result with the rejected rows' file; staff of another venue or
without the right role see nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from crm.imports import services
from crm.imports.models import ContactImport
from crm.models import Contact
from tenants.accounts.models import User
from tests.helpers import in_venue

from .import_files import generate, to_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(venue_a, make_staff):
    return make_staff(venue_a, User.Role.COMMUNICATION)


@pytest.fixture
def page(client_for, venue_a, staff):
    return client_for(venue_a, staff)


@pytest.fixture
def synchronous_task(monkeypatch):
    monkeypatch.setattr(
        "crm.imports.tasks.run_import_task.delay",
        lambda pk: services.run_import(import_id=pk, batch_size=50),
    )


def test_the_wizard_from_file_to_rejected_rows(page, venue_a, synchronous_task):
    expected = generate(200)
    upload = SimpleUploadedFile("Abonnés 2025.csv", to_csv(expected.rows, encoding="cp1252"))
    response = page.post("/backoffice/contacts/imports/", {"file": upload})
    assert response.status_code == 302
    with in_venue(venue_a):
        contact_import = ContactImport.objects.get()
    mapping_url = f"/backoffice/contacts/imports/{contact_import.pk}/columns/"
    assert response["Location"] == mapping_url
    html = page.get(mapping_url).content.decode()
    assert '<option value="email" selected>' in html  # "Courriel" recognised
    assert "Zoé" in html  # examples, decoded from Windows-1252
    form = {f"column_{i}": code for i, code in contact_import.mapping.items()}
    form.update(mode="update")
    response = page.post(mapping_url, form)
    assert response.status_code == 302
    preview = page.get(response["Location"]).content.decode()
    assert "Courriel invalide" in preview or "Invalid email" in preview
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = page.post(f"/backoffice/contacts/imports/{contact_import.pk}/start/")
    detail_url = f"/backoffice/contacts/imports/{contact_import.pk}/"
    assert response["Location"] == detail_url
    partial = page.get(detail_url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and 'id="import-progress"' in partial
    assert "hx-trigger" not in partial  # done: the polling stops
    contact_import.refresh_from_db()
    assert contact_import.status == "done"
    assert f"{contact_import.rejected_count}</dd>" in partial
    rejected = page.get(f"/backoffice/contacts/imports/{contact_import.pk}/rejected.csv")
    lines = rejected.content.decode().lstrip("\ufeff").splitlines()
    assert len(lines) == 1 + expected.counts["rejected"]


def test_a_running_import_polls(page, venue_a, staff):
    with in_venue(venue_a):
        contact_import = services.create_import(
            file_name="a.csv", content=b"Nom;Courriel\r\nA;a@example.org\r\n", actor=staff
        )
        ContactImport.objects.filter(pk=contact_import.pk).update(status="running")
    html = page.get(f"/backoffice/contacts/imports/{contact_import.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in html and "<progress" in html


def test_mapping_errors_are_shown_not_raised(page, venue_a, staff):
    with in_venue(venue_a):
        contact_import = services.create_import(
            file_name="a.csv",
            content=b"Nom;Courriel;Consentement\r\nA;a@example.org;oui\r\n",
            actor=staff,
        )
    url = f"/backoffice/contacts/imports/{contact_import.pk}/columns/"
    form = {"column_0": "last_name", "column_1": "email", "column_2": "email_consent"}
    response = page.post(url, {**form, "mode": "fill"})
    assert response.status_code == 200
    assert 'class="alert alert-error"' in response.content.decode()
    response = page.post(url, {**form, "column_2": "email", "mode": "fill"})
    assert 'class="alert alert-error"' in response.content.decode()
    response = page.post(
        url,
        {**form, "mode": "fill", "consent_declared": "on", "consent_declaration": "Salon 2025"},
    )
    assert response.status_code == 302


def test_unreadable_upload_is_a_form_error(page):
    upload = SimpleUploadedFile("x.xlsx", b"PK\x03\x04 not really")
    response = page.post("/backoffice/contacts/imports/", {"file": upload})
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()


def test_the_list_costs_the_same_whatever_the_number_of_imports(page, venue_a, staff):
    def add(n):
        with in_venue(venue_a):
            for _ in range(n):
                services.create_import(file_name="a.csv", content=b"Nom\r\nA\r\n", actor=staff)

    add(1)
    page.get("/backoffice/contacts/imports/")  # the first request of a session reads more
    with CaptureQueriesContext(connection) as one:
        assert page.get("/backoffice/contacts/imports/").status_code == 200
    add(10)
    with CaptureQueriesContext(connection) as many:
        assert page.get("/backoffice/contacts/imports/").status_code == 200

    def reads(queries):  # (the schema is set again after the fixture's own queries)
        return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SET ")]

    assert len(reads(many)) == len(reads(one)) <= 4


def test_other_venues_and_roles_see_nothing(client_for, venue_a, venue_b, staff, make_staff):
    with in_venue(venue_a):
        contact_import = services.create_import(
            file_name="a.csv", content=b"Nom\r\nA\r\n", actor=staff
        )
    outsider = client_for(venue_b, make_staff(venue_b, User.Role.ADMIN))
    for suffix in ("", "columns/", "preview/", "rejected.csv"):
        url = f"/backoffice/contacts/imports/{contact_import.pk}/{suffix}"
        assert outsider.get(url).status_code == 404
    box_office = client_for(venue_a, make_staff(venue_a, User.Role.BOX_OFFICE))
    assert box_office.get("/backoffice/contacts/imports/").status_code == 403
    assert box_office.get("/backoffice/contacts/export/").status_code == 403


def test_export_from_the_back_office(page, venue_a):
    with in_venue(venue_a):
        Contact.objects.create(last_name="Koné", postcode="75011", department="75")
        Contact.objects.create(last_name="Roux", postcode="69003", department="69")
    response = page.get("/backoffice/contacts/export/", {"department": "75"})
    body = b"".join(response.streaming_content).decode()
    assert "Koné" in body and "Roux" not in body
    xlsx = page.get("/backoffice/contacts/export/", {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
