"""The integrity rate: each criterion, the per-contact score, snapshots per day, the dashboard
and its drill-down."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from crm.integrity.criteria import criteria
from crm.integrity.models import IntegritySnapshot
from crm.integrity.services import take_integrity_snapshot
from crm.models import Consent, Contact, Source
from crm.privacy.services import anonymise_contact
from crm.services import find_or_create_contact, set_consent
from tenants.accounts.models import User
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db


def _complete(email: str) -> Contact:
    contact = find_or_create_contact(
        email=email, first_name="Ada", phone="0612345678", postcode="75011", source=Source.WEB
    )
    Contact.objects.filter(pk=contact.pk).update(address_line1="3 rue Oberkampf", city="Paris")
    set_consent(
        contact=contact, channel=Consent.Channel.EMAIL_NEWSLETTER, granted=True, source=Source.WEB
    )
    return contact


def test_every_criterion_and_the_score(venue_a):
    with in_venue(venue_a):
        full = _complete("full@example.org")
        bare = find_or_create_contact(email="bare@example.org", source=Source.WEB)
        bounced = _complete("bounced@example.org")
        Contact.objects.filter(pk=bounced.pk).update(email_bounced_at=timezone.now())
        with time_machine.travel(timezone.now() - timedelta(days=800)):
            stale = find_or_create_contact(phone="0698765432", source=Source.BOX_OFFICE)

        snapshot = take_integrity_snapshot()
        scores = dict(Contact.objects.values_list("pk", "integrity_score"))
        count = len(criteria())
        assert scores[full.pk] == 100
        # bare: an email, updated lately, in no duplicate pair; no consent, phone or address.
        assert scores[bare.pk] == round(100 * 3 / count)
        # bounced: all but a valid email.
        assert scores[bounced.pk] == round(100 * (count - 1) / count)
        # stale: a phone, so reachable, and in no duplicate pair.
        assert scores[stale.pk] == round(100 * 3 / count)
        assert (snapshot.contacts, snapshot.complete) == (4, 1)
        assert snapshot.rate == 25
        assert snapshot.by_criterion["email_valid"] == 2
        assert snapshot.by_criterion["recent"] == 3
        assert snapshot.by_criterion["reachable"] == 3


def test_one_snapshot_per_day_and_merged_or_anonymised_contacts_are_not_counted(venue_a):
    with in_venue(venue_a):
        _complete("full@example.org")
        gone = _complete("gone@example.org")
        take_integrity_snapshot()
        anonymise_contact(contact_id=gone.pk)
        snapshot = take_integrity_snapshot()
        assert IntegritySnapshot.objects.count() == 1
        assert (snapshot.contacts, snapshot.complete) == (1, 1)
        with time_machine.travel(timezone.now() + timedelta(days=1)):
            take_integrity_snapshot()
        assert IntegritySnapshot.objects.count() == 2


def test_the_dashboard_and_the_list_to_fix(venue_a, venue_b, make_staff, client_for):
    with in_venue(venue_a):
        _complete("full@example.org")
        find_or_create_contact(email="bare@example.org", first_name="Bérénice", source=Source.WEB)
    client = client_for(venue_a, make_staff(venue_a, User.Role.COMMUNICATION))
    page = client.get("/backoffice/integrity/").content.decode()
    assert "50 %" in page  # one complete contact out of two
    assert "/backoffice/integrity/address_complete/" in page
    listing = client.get("/backoffice/integrity/address_complete/").content.decode()
    assert "Bérénice" in listing
    assert "Ada" not in listing
    assert client.get("/backoffice/integrity/nonsense/").status_code == 404
    # Each venue sees its own base.
    with in_venue(venue_b):
        assert not Contact.objects.exists()
    other = client_for(venue_b, make_staff(venue_b, User.Role.ADMIN))
    assert "Bérénice" not in other.get("/backoffice/integrity/address_complete/").content.decode()
    box_office = client_for(venue_a, make_staff(venue_a, User.Role.BOX_OFFICE))
    assert box_office.get("/backoffice/integrity/").status_code == 403


def test_the_list_to_fix_costs_the_same_for_many_contacts(
    venue_a, make_staff, client_for, django_assert_max_num_queries
):
    with in_venue(venue_a):
        for n in range(60):
            find_or_create_contact(email=f"p{n}@example.org", source=Source.WEB)
    client = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    with django_assert_max_num_queries(12):
        assert client.get("/backoffice/integrity/phone_valid/").status_code == 200
