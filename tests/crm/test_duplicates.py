"""Duplicate candidates of a venue's base, the lookup for one record, and counter buyers
without email recognised by phone or by name + postcode."""

from types import SimpleNamespace

import pytest

from crm.dedup import Record
from crm.dedup.merging import merge_contacts
from crm.dedup.services import (
    CandidateDecided,
    dismiss_candidate,
    find_duplicates_for,
    on_contact_event,
    refresh_all_candidates,
    refresh_candidates_for,
    update_dedup_settings,
)
from crm.dedup.tasks import refresh_duplicates
from crm.models import Contact, ContactEmail, DuplicateCandidate, Merge, Source
from crm.services import _match_without_email, find_or_create_contact
from tenants.accounts.models import AuditEvent
from tenants.errors import ValidationFailed
from tenants.events.registry import consumers_for
from tests.helpers import in_venue

from .factories import ContactFactory


def _lookalikes():
    one = ContactFactory(
        first_name="Hélène",
        last_name="Dupont",
        phone="+33639980011",
        address_line1="12 rue Garibaldi",
        email="helene.dupont@example.fr",
    )
    two = ContactFactory(
        first_name="Helene",
        last_name="Dupond",
        phone="+33639980011",
        address_line1="12 r. Garibaldi",
        email="hdupond@example.org",
    )
    stranger = ContactFactory(first_name="Paul", last_name="Verlaine", postcode="75005")
    return one, two, stranger


def test_refresh_of_a_contact_finds_its_duplicate_with_reasons(venue_a, venue_b):
    with in_venue(venue_a):
        one, two, _stranger = _lookalikes()
        refresh_candidates_for(contact_id=one.pk)  # its keys, before the other looks it up
        refresh_candidates_for(contact_id=two.pk, auto_merge=False)
        pair = DuplicateCandidate.objects.get()
        assert (pair.contact_low_id, pair.contact_high_id) == (one.pk, two.pk)
        assert pair.status == "pending" and pair.score >= 0.5
        assert "phone" in pair.reasons and "postcode" in pair.reasons
        found = find_duplicates_for(
            Record(
                first_name="Hélène", last_name="Dupont", phone="06 39 98 00 11", postcode="69003"
            )
        )
        assert {pk for pk, _score in found} == {one.pk, two.pk}
    with in_venue(venue_b):
        assert not DuplicateCandidate.objects.exists()
        assert find_duplicates_for(Record(first_name="Hélène", last_name="Dupont")) == []


def test_a_dismissed_pair_stays_dismissed_and_is_never_merged(venue_a, make_staff):
    steward = make_staff(venue_a, role="data_steward")
    with in_venue(venue_a):
        _one, two, _stranger = _lookalikes()
        refresh_all_candidates(auto_merge=False)
        pair = DuplicateCandidate.objects.get()
        dismiss_candidate(candidate_id=pair.pk, actor=steward)
        with pytest.raises(CandidateDecided):
            dismiss_candidate(candidate_id=pair.pk, actor=steward)
        update_dedup_settings(review_threshold=0.1, auto_merge_threshold=0.2, actor=steward)
        refresh_all_candidates()
        refresh_candidates_for(contact_id=two.pk)
        pair.refresh_from_db()
        assert pair.status == "dismissed" and not Merge.objects.exists()
        assert AuditEvent.objects.filter(code="crm.duplicate.dismissed", actor_id=steward.pk)


def test_above_the_venue_threshold_the_pair_is_merged_automatically(venue_a):
    with in_venue(venue_a):
        one, two, stranger = _lookalikes()
        update_dedup_settings(review_threshold=0.3, auto_merge_threshold=0.5, actor=None)
        report = refresh_all_candidates()
        assert report.auto_merged == 1 and report.contacts == 3
        merge = Merge.objects.get()
        assert merge.automatic and {merge.kept_id, merge.absorbed_id} == {one.pk, two.pk}
        assert Contact.objects.get(pk=merge.absorbed_id).merged_into_id == merge.kept_id
        assert DuplicateCandidate.objects.get().status == "merged"
        # Twice does no harm.
        again = refresh_all_candidates()
        assert again.auto_merged == 0 and Merge.objects.count() == 1
        assert Contact.objects.get(pk=stranger.pk).merged_into_id is None


def test_the_task_and_the_event_consumer_refresh_candidates(venue_a, venue_b):
    assert any(c.name == "crm.dedup" for c in consumers_for("crm.contact.created"))
    with in_venue(venue_a):
        _one, _two, stranger = _lookalikes()
        refresh_duplicates()
        assert DuplicateCandidate.objects.count() == 1
        namesake = ContactFactory(first_name="Paul", last_name="Verlaine", postcode="75005")
        on_contact_event(SimpleNamespace(data={"contact_id": namesake.pk}))
        pair = DuplicateCandidate.objects.get(contact_high=namesake)
        assert pair.contact_low_id == stranger.pk
    with in_venue(venue_b):
        refresh_duplicates()
        assert not DuplicateCandidate.objects.exists()


def test_thresholds_are_checked(venue_a):
    with in_venue(venue_a), pytest.raises(ValidationFailed) as error:
        update_dedup_settings(review_threshold=0.9, auto_merge_threshold=0.5, actor=None)
    assert error.value.code == "crm.dedup_thresholds_invalid"


# --- Counter buyers without email ---------------------------------------------------------


def test_a_counter_buyer_without_email_is_found_by_phone(venue_a):
    with in_venue(venue_a):
        known = find_or_create_contact(
            email="anne.martin@example.fr",
            first_name="Anne",
            last_name="Martin",
            phone="06 39 98 12 34",
            source="web",
        )
        again = find_or_create_contact(
            first_name="anne",
            last_name="MARTIN",
            phone="+33 6 39 98 12 34",
            postcode="69003",
            source="box_office",
        )
        assert again.pk == known.pk
        assert Contact.objects.get(pk=known.pk).postcode == "69003"  # a blank filled
        # Same landline, another first name: a household member, a contact of their own.
        partner = find_or_create_contact(
            first_name="Jean", last_name="Martin", phone="06 39 98 12 34", source="box_office"
        )
        assert partner.pk != known.pk


def test_a_counter_buyer_without_email_is_found_by_name_and_postcode(venue_a):
    with in_venue(venue_a):
        known = ContactFactory(first_name="Élodie", last_name="Lefèvre", postcode="69003")
        found = find_or_create_contact(
            first_name="elodie", last_name="LEFEVRE", postcode="69003", source="box_office"
        )
        assert found.pk == known.pk
        elsewhere = find_or_create_contact(
            first_name="Élodie", last_name="Lefèvre", postcode="75011", source="box_office"
        )
        assert elsewhere.pk != known.pk
        # A merged contact is never the answer.
        other = ContactFactory(first_name="Rémi", last_name="Roux", postcode="69003")
        merge_contacts(keep_id=known.pk, absorb_id=other.pk, actor=None)
        fresh = find_or_create_contact(
            first_name="Rémi", last_name="Roux", postcode="69003", source="box_office"
        )
        assert fresh.pk not in (known.pk, other.pk)


def test_the_counter_match_is_one_query(venue_a, django_assert_num_queries):
    with in_venue(venue_a):
        ContactFactory(first_name="Élodie", last_name="Lefèvre", postcode="69003")
        values = {
            "first_name": "Elodie",
            "last_name": "Lefevre",
            "phone": "+33639980099",
            "postcode": "69003",
        }
        with django_assert_num_queries(1):
            assert _match_without_email(values) is not None


def test_an_other_email_identifies_its_contact(venue_a):
    with in_venue(venue_a):
        known = ContactFactory()
        ContactEmail.objects.create(
            contact=known,
            email="Old@Example.fr",
            email_normalized="old@example.fr",
            source=Source.IMPORT,
        )
        assert find_or_create_contact(email="old@example.FR", source="web").pk == known.pk
