"""A person's data: export, anonymisation that keeps the figures, the retention rule, the
staff screens and the public notice."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from crm.models import Consent, Contact, ContactEmail, ContactRelation, RelationKind, Source
from crm.privacy.models import ErasureRequest
from crm.privacy.services import (
    anonymise_contact,
    export_contact_data,
    flag_inactive_contacts,
    keep_contact,
    request_erasure,
)
from crm.services import find_or_create_contact, record_purchase, relate_contacts, set_consent
from tenants.accounts.models import AuditEvent, User
from tenants.errors import ValidationFailed
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db


def _ada(**extra):
    ada = find_or_create_contact(
        email="ada@example.org",
        first_name="Ada",
        last_name="Lovelace",
        phone="06 12 34 56 78",
        postcode="75011",
        source=Source.WEB,
        **extra,
    )
    set_consent(
        contact=ada,
        channel=Consent.Channel.EMAIL_NEWSLETTER,
        granted=True,
        source=Source.WEB,
        wording="Je veux recevoir la lettre d'information.",
        ip_address="203.0.113.7",
    )
    record_purchase(
        contact_id=ada.pk,
        order_reference="R1",
        tickets=2,
        amount_cents=5600,
        occurred_at=timezone.now(),
        performance_label="Hamlet",
    )
    return ada


def test_the_export_holds_everything_including_other_apps_parts(venue_a):
    with in_venue(venue_a):
        ada = _ada()
        data = export_contact_data(contact_id=ada.pk)
        assert data["contact"]["email"] == "ada@example.org"
        assert data["consents"][0]["wording"].startswith("Je veux")
        assert data["consents"][0]["ip_address"] == "203.0.113.7"
        assert {e["code"] for e in data["timeline"]} >= {
            "crm.contact.created",
            "ticketing.purchase",
        }
        assert data["orders"] == []  # ticketing's part (this contact bought through crm only)
        json.dumps(data, default=str)
        assert AuditEvent.objects.filter(code="crm.contact.data_exported").count() == 1


def test_anonymisation_erases_the_person_and_keeps_the_figures(venue_a):
    with in_venue(venue_a):
        ada = _ada()
        ben = find_or_create_contact(email="ben@example.org", source=Source.WEB)
        relate_contacts(
            contact_id=ben.pk, other_id=ada.pk, kind=RelationKind.REFERRED_BY, source=Source.WEB
        )
        ContactEmail.objects.create(
            contact=ada,
            email="ada@work.example",
            email_normalized="ada@work.example",
            source=Source.WEB,
        )
        anonymise_contact(contact_id=ada.pk, reason="asked by phone")
        ada = Contact.objects.get(pk=ada.pk)
        assert (ada.first_name, ada.last_name, ada.email, ada.phone, ada.postcode) == ("",) * 5
        assert ada.anonymised_at is not None
        assert ada.department == "75"  # statistics keep the département
        assert (ada.purchase_count, ada.amount_spent_cents) == (1, 5600)
        assert ada.email_consent is False
        assert not ContactEmail.objects.filter(contact=ada).exists()
        assert not ContactRelation.objects.exists()
        assert Consent.objects.get(contact=ada).ip_address is None
        purchase = ada.timeline.get(code="ticketing.purchase")
        assert purchase.data["amount_cents"] == 5600
        # Idempotent: a second erasure changes nothing and records nothing more.
        anonymise_contact(contact_id=ada.pk)
        assert AuditEvent.objects.filter(code="crm.contact.anonymised").count() == 1
        # The address is free again: the person may come back as someone new.
        assert find_or_create_contact(email="ada@example.org", source=Source.WEB).pk != ada.pk


def test_the_retention_rule_proposes_inactive_contacts_once(venue_a):
    with in_venue(venue_a):
        with time_machine.travel(timezone.now() - timedelta(days=365 * 4)):
            old = find_or_create_contact(email="old@example.org", source=Source.WEB)
        recent = find_or_create_contact(email="new@example.org", source=Source.WEB)
        assert flag_inactive_contacts() == 1
        assert flag_inactive_contacts() == 0
        erasure = ErasureRequest.objects.get()
        assert (erasure.contact_id, erasure.origin) == (old.pk, ErasureRequest.Origin.RETENTION)
        assert not ErasureRequest.objects.filter(contact=recent).exists()


def test_an_erasure_request_is_decided_once(venue_a, make_staff):
    staff = make_staff(venue_a, User.Role.COMMUNICATION)
    with in_venue(venue_a):
        ada = _ada()
        erasure, created = request_erasure(contact_id=ada.pk, origin="person")
        assert created
        assert request_erasure(contact_id=ada.pk, origin="staff") == (erasure, False)
        keep_contact(request_id=erasure.pk, actor=staff, note="still a subscriber")
        with pytest.raises(ValidationFailed) as error:
            keep_contact(request_id=erasure.pk, actor=staff)
        assert error.value.code == "crm.erasure_decided"


def test_staff_export_and_anonymise_from_the_back_office(venue_a, venue_b, make_staff, client_for):
    staff = make_staff(venue_a, User.Role.COMMUNICATION)
    with in_venue(venue_a):
        ada = _ada()
    client = client_for(venue_a, staff)
    response = client.get(f"/backoffice/privacy/contacts/{ada.pk}/data.json")
    assert response.status_code == 200
    assert json.loads(response.content)["contact"]["email"] == "ada@example.org"
    assert client.get("/backoffice/privacy/").status_code == 200
    assert client.post(f"/backoffice/privacy/contacts/{ada.pk}/anonymise/").status_code == 200
    with in_venue(venue_a):
        assert Contact.objects.get(pk=ada.pk).anonymised_at is None  # not confirmed
    response = client.post(f"/backoffice/privacy/contacts/{ada.pk}/anonymise/", {"confirm": "yes"})
    assert response.status_code == 302
    with in_venue(venue_a):
        assert Contact.objects.get(pk=ada.pk).anonymised_at is not None
    # Another venue's staff never reach this contact; box office staff may not export.
    other = client_for(venue_b, make_staff(venue_b, User.Role.ADMIN))
    assert other.get(f"/backoffice/privacy/contacts/{ada.pk}/data.json").status_code == 404
    box_office = client_for(venue_a, make_staff(venue_a, User.Role.BOX_OFFICE))
    assert box_office.get(f"/backoffice/privacy/contacts/{ada.pk}/data.json").status_code == 403


def test_the_erasure_queue_decides_from_the_screen(venue_a, make_staff, client_for):
    staff = make_staff(venue_a, User.Role.ADMIN)
    with in_venue(venue_a):
        ada = _ada()
        erasure, _ = request_erasure(contact_id=ada.pk, origin="person")
    client = client_for(venue_a, staff)
    page = client.get("/backoffice/privacy/")
    assert "Ada Lovelace" in page.content.decode()
    client.post(f"/backoffice/privacy/requests/{erasure.pk}/", {"decision": "anonymise"})
    with in_venue(venue_a):
        assert ErasureRequest.objects.get().status == ErasureRequest.Status.DONE
        assert Contact.objects.get(pk=ada.pk).anonymised_at is not None


def test_the_public_notice_says_what_the_venue_set(venue_a, client_for, make_staff):
    client = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    client.post(
        "/backoffice/privacy/",
        {
            "controller_name": "Théâtre Alpha SCIC",
            "privacy_email": "dpo@alpha.test",
            "retention_years": 2,
            "extra_purposes": "Inviter nos mécènes",
        },
    )
    page = client_for(venue_a).get("/donnees-personnelles/").content.decode()
    assert "Théâtre Alpha SCIC" in page
    assert "dpo@alpha.test" in page
    assert "Inviter nos mécènes" in page
    with in_venue(venue_a):
        assert AuditEvent.objects.filter(code="crm.privacy.updated").exists()
