"""Identifying people: one contact per email, blank fields filled, counter buyers kept apart."""

import pytest

from crm.models import Consent, Contact, TimelineEvent
from crm.selectors import contact_timeline
from crm.services import find_or_create_contact, normalize_email, normalize_phone
from tenants.errors import ValidationFailed
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db


def test_normalize_email_strips_and_lowercases():
    assert normalize_email("  Marie.Curie@Example.FR ") == "marie.curie@example.fr"
    assert normalize_email(None) == ""


@pytest.mark.parametrize(
    "typed",
    [
        "06 12 34 56 78",
        "06.12.34.56.78",
        "+33 6 12 34 56 78",
        "0033612345678",
        "+33 (0)6 12 34 56 78",
    ],
)
def test_french_phone_numbers_become_e164(typed):
    assert normalize_phone(typed) == "+33612345678"


@pytest.mark.parametrize("typed", ["12", "06 12 34", "not a phone", "+33 6 12 34 56 78 90"])
def test_invalid_phone_numbers_are_refused(typed):
    with pytest.raises(ValidationFailed) as error:
        normalize_phone(typed)
    assert error.value.field == "phone"


def test_same_email_in_any_case_is_the_same_contact(venue_a):
    with in_venue(venue_a):
        first = find_or_create_contact(
            email=" Marie.Curie@Example.FR ", first_name="Marie", source="web"
        )
        again = find_or_create_contact(email="marie.curie@example.fr", source="box_office")
        assert again.pk == first.pk
        assert Contact.objects.count() == 1
        first.refresh_from_db()
        assert first.email == "Marie.Curie@Example.FR"  # kept as typed, for display
        assert first.email_normalized == "marie.curie@example.fr"
        codes = list(contact_timeline(first.pk).values_list("code", flat=True))
        assert codes == ["crm.contact.created"]


def test_the_database_refuses_a_second_contact_with_the_same_email(venue_a):
    from django.db import IntegrityError, transaction

    with in_venue(venue_a):
        find_or_create_contact(email="dup@example.fr", source="web")
        with pytest.raises(IntegrityError), transaction.atomic():
            Contact.objects.create(email="DUP@example.fr", email_normalized="dup@example.fr")


def test_an_existing_contact_gets_blank_fields_filled_never_overwritten(venue_a):
    with in_venue(venue_a):
        contact = find_or_create_contact(
            email="leon@example.fr", first_name="Léon", postcode="49100", source="box_office"
        )
        again = find_or_create_contact(
            email="LEON@example.fr",
            first_name="Leon",
            last_name="Blum",
            phone="06 12 34 56 78",
            postcode="75001",
            source="web",
        )
        again.refresh_from_db()
        assert again.pk == contact.pk
        assert again.first_name == "Léon"
        assert again.postcode == "49100"
        assert again.last_name == "Blum"
        assert again.phone == "+33612345678"
        completed = TimelineEvent.objects.get(contact=contact, code="crm.contact.completed")
        assert sorted(completed.data["fields"]) == ["last_name", "phone"]

        # Nothing new to learn: no write, no event.
        find_or_create_contact(email="leon@example.fr", first_name="X", source="web")
        assert TimelineEvent.objects.filter(contact=contact).count() == 2


def test_counter_buyers_without_email_are_always_new_contacts(venue_a):
    with in_venue(venue_a):
        one = find_or_create_contact(first_name="Anne", last_name="Martin", source="box_office")
        two = find_or_create_contact(first_name="Anne", last_name="Martin", source="box_office")
        blank = find_or_create_contact(email="   ", source="box_office")
        assert len({one.pk, two.pk, blank.pk}) == 3
        assert {c.email_normalized for c in (one, two, blank)} == {""}
        assert TimelineEvent.objects.filter(code="crm.contact.created").count() == 3


@pytest.mark.parametrize("email", ["marie", "marie@", "@example.fr", "marie curie@example.fr"])
def test_an_invalid_email_is_refused_with_a_clear_error(venue_a, email):
    with in_venue(venue_a), pytest.raises(ValidationFailed) as error:
        find_or_create_contact(email=email, source="web")
    assert error.value.field == "email"
    assert error.value.code == "crm.email_invalid"
    assert email.strip() in error.value.message
    with in_venue(venue_a):
        assert not Contact.objects.exists()


def test_unknown_source_language_or_channel_is_refused(venue_a):
    with in_venue(venue_a):
        with pytest.raises(ValidationFailed):
            find_or_create_contact(email="a@example.fr", source="carrier_pigeon")
        with pytest.raises(ValidationFailed):
            find_or_create_contact(email="a@example.fr", source="web", language="de")
        with pytest.raises(ValidationFailed):
            find_or_create_contact(email="a@example.fr", source="web", consents={"fax": True})
        assert not Contact.objects.exists()


def test_creation_records_source_and_consents(venue_a):
    with in_venue(venue_a):
        contact = find_or_create_contact(
            email="news@example.fr",
            source="web",
            consents={"email_newsletter": True, "sms": False},
        )
        created = TimelineEvent.objects.get(contact=contact, code="crm.contact.created")
        assert created.data == {"source": "web"}
        rows = {c.channel: (c.granted, c.source) for c in Consent.objects.filter(contact=contact)}
        assert rows == {"email_newsletter": (True, "web"), "sms": (False, "web")}


def test_a_contact_of_venue_a_does_not_exist_in_venue_b(venue_a, venue_b):
    from crm.search import search_contacts

    with in_venue(venue_a):
        mine = find_or_create_contact(email="only-a@example.fr", last_name="Alpha", source="web")
        assert search_contacts("only-a") == [mine]
    with in_venue(venue_b):
        assert not Contact.objects.exists()
        assert search_contacts("only-a") == []
        assert search_contacts("Alpha") == []
        theirs = find_or_create_contact(email="only-a@example.fr", source="web")
        assert theirs.last_name == ""  # nothing of venue A's record leaks into venue B's
    with in_venue(venue_a):
        assert Contact.objects.count() == 1
