"""The venue's data-entry charter: edited by the data steward (or an admin), shown in every
contact form, enforced by the one contact validation path (back office, API, imports, the
counter) with clear errors, and the one owner of the normalisation rules."""

import json

import pytest
from django.db import transaction
from django.utils import translation

from crm import contacts
from crm.charter import rules
from crm.charter.models import DataCharter
from crm.charter.services import update_charter
from crm.imports import services as imports
from crm.imports.models import ContactImport, ImportRow
from crm.models import Contact
from crm.services import find_or_create_contact
from tenants.accounts.models import AuditEvent, User
from tenants.accounts.services import create_api_token
from tenants.errors import ValidationFailed
from tests.helpers import host_for, in_venue

pytestmark = pytest.mark.django_db
CHARTER = "/backoffice/contacts/charter/"


def _charter(**values) -> DataCharter:
    defaults = {
        "required_fields": [],
        "name_style": "capitalise",
        "strict_postcode": False,
        "strict_phone": False,
        "instructions": "",
    }
    return update_charter(**{**defaults, **values})


# --- The rules -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("style", "first", "last"),
    [
        ("capitalise", "Jean-Pierre", "de la Fontaine"),
        ("upper_last", "Jean-Pierre", "DE LA FONTAINE"),
        ("as_typed", "JEAN-PIERRE", "de la fontaine"),
    ],
)
def test_names_are_written_as_the_charter_says_on_every_path(venue_a, style, first, last):
    with in_venue(venue_a):
        _charter(name_style=style)
        typed = {"first_name": "JEAN-PIERRE", "last_name": "de la fontaine"}
        made = contacts.create_contact(values={**typed, "email": "jp@example.fr"})
        assert (made.first_name, made.last_name) == (first, last)
        # The counter's and the web's quick identification follow the same rule.
        counter = find_or_create_contact(source="box_office", phone="0611223344", **typed)
        assert (counter.first_name, counter.last_name) == (first, last)


def test_the_defaults_require_nothing_more_than_before(venue_a):
    with in_venue(venue_a):
        assert rules.current_charter().required_fields == []
        assert contacts.create_contact(values={"last_name": "Seul"}).last_name == "Seul"


def test_required_fields_on_create_and_edit_name_the_field(venue_a):
    with in_venue(venue_a):
        _charter(required_fields=["email_or_phone", "postcode"])
        with pytest.raises(ValidationFailed) as missing:
            contacts.create_contact(values={"last_name": "Martin", "postcode": "75011"})
        assert (missing.value.code, missing.value.field) == ("crm.charter.email_or_phone", "email")
        with pytest.raises(ValidationFailed) as missing:
            contacts.create_contact(values={"last_name": "Martin", "phone": "0611223344"})
        assert (missing.value.code, missing.value.field) == ("crm.charter.required", "postcode")
        made = contacts.create_contact(
            values={"last_name": "Martin", "phone": "06 11 22 33 44", "postcode": "75 011"}
        )
        assert (made.phone, made.postcode, made.department) == ("+33611223344", "75011", "75")
        # An edit may not leave a required field blank…
        with pytest.raises(ValidationFailed) as missing:
            contacts.update_contact(contact=made, values={"postcode": ""})
        assert missing.value.field == "postcode"
        made.refresh_from_db()
        assert made.postcode == "75011"
        # …and an old contact missing one is completed when touched.
        old = Contact.objects.create(last_name="Ancien")
        with pytest.raises(ValidationFailed):
            contacts.update_contact(contact=old, values={"notes": "Vient en famille"})
        contacts.update_contact(
            contact=old, values={"notes": "Vient en famille", "email": "a@example.fr",
                                 "postcode": "69003"}
        )  # fmt: skip


def test_strict_formats_bind_staff_but_not_a_spectator_online(venue_a):
    with in_venue(venue_a):
        _charter(strict_postcode=True, strict_phone=True)
        with pytest.raises(ValidationFailed) as bad:
            contacts.create_contact(values={"last_name": "Roy", "postcode": "750"})
        assert bad.value.code == "crm.charter.postcode_format"
        # 07 00…: the right length, but no such number range.
        with pytest.raises(ValidationFailed) as bad:
            contacts.create_contact(values={"last_name": "Roy", "phone": "07 00 00 00 00"})
        assert bad.value.code == "crm.phone_invalid"
        # A buyer online is never refused for the venue's own charter.
        web = find_or_create_contact(source="web", email="roy@example.fr", postcode="750")
        assert web.postcode == "750"


def test_the_counter_checks_required_fields_only_when_it_creates_a_contact(venue_a):
    with in_venue(venue_a):
        known = find_or_create_contact(source="web", email="known@example.fr")
        _charter(required_fields=["postcode"])
        # (It takes no savepoint of its own: the caller's transaction, an order, rolls back.)
        with pytest.raises(ValidationFailed) as missing, transaction.atomic():
            find_or_create_contact(source="box_office", last_name="Neuf", phone="0611223344")
        assert missing.value.field == "postcode"
        assert not Contact.objects.filter(last_name="Neuf").exists()
        # A buyer already known is identified, whatever their record lacks.
        assert find_or_create_contact(source="box_office", email="KNOWN@example.fr") == known


def test_an_import_rejects_the_rows_that_break_the_charter_with_the_reason(venue_a, make_staff):
    staff = make_staff(venue_a, User.Role.DATA_STEWARD)
    content = (
        "Nom;Prénom;Courriel;CP\n"
        "Durand;Léa;lea@example.fr;49100\n"
        "Martin;Paul;paul@example.fr;\n"
        "Petit;Zoé;zoe@example.fr;4910\n"
    ).encode()
    with in_venue(venue_a):
        _charter(required_fields=["postcode"], strict_postcode=True)
        contact_import = imports.create_import(file_name="c.csv", content=content, actor=staff)
        imports.set_mapping(
            contact_import=contact_import,
            mapping=contact_import.mapping,
            mode="fill",
            consent_declared=False,
            consent_declaration="",
            actor=staff,
        )
        ContactImport.objects.filter(pk=contact_import.pk).update(status="queued")
        with translation.override("en"):  # the reason is written in the worker's language
            imports.run_import(import_id=contact_import.pk)
        rows = dict(
            ImportRow.objects.filter(contact_import=contact_import).values_list(
                "row_number", "reason_code"
            )
        )
        # "4910" is read as a spreadsheet's number and gets its zero back: 04910 is valid.
        assert rows == {1: "", 2: "charter", 3: ""}
        contact_import.refresh_from_db()
        assert (contact_import.created_count, contact_import.rejected_count) == (2, 1)
        with translation.override("en"):
            lines = imports.rejected_rows_csv(contact_import).lstrip("\ufeff").splitlines()
        assert "Breaks the data-entry charter" in lines[1]
        assert "requires a postcode" in lines[1]


# --- The screens ---------------------------------------------------------------------------
def test_the_steward_edits_the_charter_and_every_form_shows_it(venue_a, make_staff, client_for):
    steward = client_for(venue_a, make_staff(venue_a, User.Role.DATA_STEWARD))
    steward.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert steward.get(CHARTER).status_code == 200
    response = steward.post(
        CHARTER,
        {
            "required_fields": ["email_or_phone", "postcode"],
            "name_style": "upper_last",
            "strict_postcode": "on",
            "instructions": "Toujours demander le code postal.",
        },
    )
    assert response.status_code == 302
    with in_venue(venue_a):
        charter = DataCharter.objects.get()
        assert charter.required_fields == ["email_or_phone", "postcode"]
        assert AuditEvent.objects.filter(code="crm.charter.updated").count() == 1
    pages = ["/backoffice/contacts/new/"]
    with in_venue(venue_a):
        contact = Contact.objects.create(last_name="Vu", email="vu@example.fr", postcode="75011")
        pages.append(f"/backoffice/contacts/{contact.pk}/edit/")
    for page in pages:
        html = steward.get(page).content.decode()
        assert "Data-entry charter" in html, page
        assert "an email or a phone number, postcode" in html
        assert "Jean-Pierre DE LA FONTAINE" in html and "Toujours demander le code postal." in html


@pytest.mark.parametrize("role", [User.Role.COMMUNICATION, User.Role.BOX_OFFICE])
def test_only_an_admin_or_the_data_steward_edits_the_charter(venue_a, make_staff, client_for, role):
    client = client_for(venue_a, make_staff(venue_a, role))
    assert client.get(CHARTER).status_code == 403
    assert client.post(CHARTER, {"name_style": "as_typed"}).status_code == 403
    admin = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    assert admin.get(CHARTER).status_code == 200


def test_the_contact_form_shows_the_charter_errors_on_the_fields(venue_a, make_staff, client_for):
    client = client_for(venue_a, make_staff(venue_a, User.Role.COMMUNICATION))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with in_venue(venue_a):
        _charter(required_fields=["postcode", "first_name"])
    form = {"last_name": "GARNIER", "first_name": "", "email": "g@example.fr", "language": "fr"}
    refused = client.post("/backoffice/contacts/new/", form)
    assert refused.status_code == 400
    assert "The venue&#x27;s charter requires a first name." in refused.content.decode()
    created = client.post(
        "/backoffice/contacts/new/", {**form, "first_name": "anne", "postcode": "13001"}
    )
    assert created.status_code == 302
    with in_venue(venue_a):
        contact = Contact.objects.get()
        assert (contact.first_name, contact.last_name, contact.department) == (
            "Anne", "Garnier", "13",
        )  # fmt: skip
    edited = client.post(
        f"/backoffice/contacts/{contact.pk}/edit/",
        {**form, "first_name": "Anne", "postcode": "", "city": "Marseille"},
    )
    assert edited.status_code == 400
    assert "requires a postcode" in edited.content.decode()


def test_the_import_mapping_step_shows_the_charter(venue_a, make_staff, client_for):
    staff = make_staff(venue_a, User.Role.COMMUNICATION)
    client = client_for(venue_a, staff)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with in_venue(venue_a):
        _charter(required_fields=["city"])
        contact_import = imports.create_import(
            file_name="c.csv", content=b"Nom;Ville\nDurand;Angers\n", actor=staff
        )
    html = client.get(f"/backoffice/contacts/imports/{contact_import.pk}/columns/").content.decode()
    assert "Data-entry charter" in html and "Town" in html
    assert "Rows that break the charter are rejected" in html


def test_the_api_answers_400_with_the_charter_code_and_describes_it(venue_a, make_staff):
    from django.test import Client

    user = make_staff(venue_a, User.Role.COMMUNICATION)
    with in_venue(venue_a):
        _token, key = create_api_token(name="crm", user=user, actor=user)
        _charter(required_fields=["postcode"])
    api = Client(HTTP_HOST=host_for(venue_a), HTTP_AUTHORIZATION=f"Token {key}")
    response = api.post(
        "/api/v1/contacts/",
        data=json.dumps({"last_name": "Api", "email": "api@example.fr"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert "crm.charter.required" in json.dumps(body) and "postcode" in json.dumps(body)
    assert api.get("/api/v1/contacts/charter/").json()["required_fields"] == ["postcode"]
    schema = api.get("/api/schema/").content.decode()
    assert "crm.charter.required" in schema
