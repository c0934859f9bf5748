"""The contacts API: create with normalisation, edit, delete, search, consents, exports and
imports over HTTP; bad input is a 400 with a code (never a 500, whatever is sent); a venue
never sees another's contacts or imports; list endpoints cost a fixed number of queries."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.imports.models import ContactImport
from crm.models import Contact
from crm.services import find_or_create_contact
from tenants.accounts.models import AuditEvent, User
from tenants.accounts.services import create_api_token
from tests.helpers import host_for, in_venue

from .import_files import generate, to_csv

pytestmark = pytest.mark.django_db


def _api(venue, make_staff, role=User.Role.COMMUNICATION) -> Client:
    user = make_staff(venue, role)
    with in_venue(venue):
        _token, key = create_api_token(name="crm", user=user, actor=user)
    return Client(HTTP_HOST=host_for(venue), HTTP_AUTHORIZATION=f"Token {key}")


@pytest.fixture
def api(venue_a, make_staff):
    return _api(venue_a, make_staff)


def _post(client, path, data):
    return client.post(path, data=json.dumps(data), content_type="application/json")


def test_create_normalises_and_audits(api, venue_a):
    response = _post(
        api,
        "/api/v1/contacts/",
        {
            "first_name": "JEAN-PIERRE",
            "last_name": "de la fontaine",
            "email": "JP@Example.org",
            "phone": "06 12 34 56 78",
            "postcode": "20090",
            "contact_types": ["press"],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["first_name"], body["last_name"]) == ("Jean-Pierre", "de la Fontaine")
    assert (body["phone"], body["department"]) == ("+33612345678", "2A")
    again = _post(api, "/api/v1/contacts/", {"email": "jp@example.org"})
    assert again.status_code == 409
    assert again.json()["code"] == "crm.contact.email_taken"
    with in_venue(venue_a):
        assert AuditEvent.objects.filter(code="crm.contact.created").count() == 1


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({"email": "nope"}, "invalid", "email"),
        ({"last_name": "x" * 151}, "invalid", "last_name"),
        ({"last_name": "A", "phone": "12"}, "crm.phone_invalid", "phone"),
        ({"last_name": "A", "contact_types": ["astronaut"]}, "invalid", "contact_types.0"),
        ({"last_name": "A", "language": "de"}, "invalid", "language"),
        ({"last_name": "A\x00"}, "parse_error", None),  # refused by the JSON parser
        ({"notes": "nobody"}, "crm.no_identity", None),
    ],
)
def test_bad_input_is_a_400_with_a_code(api, data, code, field):
    response = _post(api, "/api/v1/contacts/", data)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert response.json().get("field") == field


def test_edit_delete_and_consents(api, venue_a):
    created = _post(api, "/api/v1/contacts/", {"last_name": "Roux", "postcode": "69003"}).json()
    path = f"/api/v1/contacts/{created['id']}/"
    response = api.patch(
        path, data=json.dumps({"postcode": "13001"}), content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["department"] == "13"
    consent = _post(api, f"{path}consents/", {"channel": "email_newsletter", "granted": True})
    assert consent.status_code == 200
    history = api.get(f"{path}consents/").json()
    assert [(c["channel"], c["granted"]) for c in history] == [("email_newsletter", True)]
    assert api.get(path).json()["email_consent"] is True
    refused = api.delete(path)  # a consent is history: anonymise instead
    assert refused.status_code == 409
    other = _post(api, "/api/v1/contacts/", {"last_name": "Faute", "first_name": "Frappe"})
    assert api.delete(f"/api/v1/contacts/{other.json()['id']}/").status_code == 204


def test_search_filters_and_query_count(api, venue_a):
    with in_venue(venue_a):
        for i in range(30):
            find_or_create_contact(
                email=f"c{i}@example.org",
                last_name=f"Lefèvre{i}" if i % 2 else f"Martin{i}",
                postcode="75011" if i % 3 else "69003",
                source="web",
            )
    response = api.get("/api/v1/contacts/", {"q": "lefevre"})
    assert response.status_code == 200
    assert response.json()["count"] == 15
    assert api.get("/api/v1/contacts/", {"department": "69"}).json()["count"] == 10
    with CaptureQueriesContext(connection) as few:
        api.get("/api/v1/contacts/", {"page_size": 5})
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("/api/v1/contacts/").json()["results"]) == 30
    assert len(many) == len(few) <= 8


def test_export_is_logged_with_its_count_and_filter(api, venue_a):
    with in_venue(venue_a):
        for i in range(5):
            find_or_create_contact(email=f"e{i}@example.org", last_name="Nguyen", source="web")
        find_or_create_contact(email="x@example.org", last_name="Autre", source="web")
    response = api.get("/api/v1/contacts/export/", {"q": "nguyen", "file_format": "csv"})
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().lstrip("\ufeff").splitlines()
    assert len(lines) == 6
    xlsx = api.get("/api/v1/contacts/export/", {"file_format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert api.get("/api/v1/contacts/export/", {"file_format": "pdf"}).status_code == 400
    with in_venue(venue_a):
        events = AuditEvent.objects.filter(code="crm.contact.exported").order_by("id")
        assert [(e.data["count"], e.data["filter"]) for e in events] == [
            (5, "q=nguyen"),
            (6, "all"),
        ]


def test_import_over_the_api(api, venue_a, monkeypatch):
    from crm.imports import services

    monkeypatch.setattr(
        "crm.imports.tasks.run_import_task.delay",
        lambda pk: services.run_import(import_id=pk),
    )
    expected = generate(200)
    upload = SimpleUploadedFile("contacts.csv", to_csv(expected.rows, encoding="cp1252"))
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = api.post("/api/v1/contact-imports/", {"file": upload, "mode": "update"})
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    status = api.get(f"/api/v1/contact-imports/{pk}/").json()
    assert status["status"] == "done"
    assert status["percent"] == 100
    total = sum(status[f"{k}_count"] for k in ("created", "merged", "updated", "rejected"))
    assert total == status["total_rows"] == 200
    rejected = api.get(f"/api/v1/contact-imports/{pk}/rejected/").json()
    assert rejected["count"] == status["rejected_count"]
    assert all(row["reason_code"] and row["reason"] for row in rejected["results"])
    bad = api.post("/api/v1/contact-imports/", {"file": SimpleUploadedFile("x.csv", b"\n")})
    assert bad.status_code == 400


def test_two_venues_never_see_each_other(api, venue_a, venue_b, make_staff):
    other = _api(venue_b, make_staff)
    mine = _post(api, "/api/v1/contacts/", {"email": "ada@example.org"}).json()
    upload = SimpleUploadedFile("c.csv", b"Nom;Courriel\r\nLovelace;ada@example.org\r\n")
    imported = api.post("/api/v1/contact-imports/", {"file": upload, "start": "false"}).json()
    assert other.get(f"/api/v1/contacts/{mine['id']}/").status_code in (404,)
    assert other.get("/api/v1/contacts/").json()["count"] == 0
    assert other.get(f"/api/v1/contact-imports/{imported['id']}/").status_code == 404
    assert other.post(f"/api/v1/contact-imports/{imported['id']}/start/").status_code == 404
    # The same email is a new contact in venue B: each venue has its own base.
    assert _post(other, "/api/v1/contacts/", {"email": "ada@example.org"}).status_code == 201
    with in_venue(venue_b):
        assert not ContactImport.objects.exists()
        assert Contact.objects.count() == 1


def test_read_only_staff_cannot_write(venue_a, make_staff):
    reader = _api(venue_a, make_staff, User.Role.READ_ONLY)
    assert reader.get("/api/v1/contacts/").status_code == 200
    assert _post(reader, "/api/v1/contacts/", {"email": "a@example.org"}).status_code == 403
    assert reader.get("/api/v1/contacts/export/").status_code == 403
    assert reader.get("/api/v1/contact-imports/").status_code == 403


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20).map(lambda t: t + "\x00"),
    st.lists(st.text(max_size=60), max_size=60),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
)
FIELDS = ["first_name", "last_name", "email", "phone", "postcode", "country", "language",
          "contact_types", "tags", "notes", "channel", "granted", "source"]  # fmt: skip


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@given(body=st.dictionaries(st.sampled_from(FIELDS), JUNK, max_size=6))
def test_generated_bodies_never_make_a_500(api, venue_a, body):
    target = Contact.objects.none()
    with in_venue(venue_a):
        target = Contact.objects.order_by("id").first()
    for method, path in [
        ("post", "/api/v1/contacts/"),
        ("patch", f"/api/v1/contacts/{target.pk if target else 1}/"),
        ("post", f"/api/v1/contacts/{target.pk if target else 1}/consents/"),
    ]:
        response = getattr(api, method)(
            path, data=json.dumps(body), content_type="application/json"
        )
        assert response.status_code < 500, (method, path, body, response.content)
        if response.status_code >= 400:
            assert response.json()["code"]
