"""The contact base's own fields: département from the postcode, current consent columns,
relations read both ways, favourites."""

import pytest
from django.utils import translation

from crm.geo import department_of
from crm.models import Consent, Contact, ContactRelation, Favourite, RelationKind, Source
from crm.selectors import contact_relations
from crm.services import find_or_create_contact, relate_contacts, set_consent, set_favourite
from tenants.errors import ValidationFailed
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("postcode", "country", "department"),
    [
        ("75011", "FR", "75"),
        ("01000", "FR", "01"),
        ("20090", "FR", "2A"),
        ("20200", "FR", "2B"),
        ("97411", "FR", "974"),
        ("98800", "FR", "988"),
        ("7501", "FR", ""),
        ("1050", "BE", ""),
        ("75011", "BE", ""),
        ("", "FR", ""),
        ("00100", "FR", ""),
    ],
)
def test_the_departement_of_a_postcode(postcode, country, department):
    assert department_of(postcode, country) == department


def test_a_new_contact_knows_its_departement_and_first_source(venue_a):
    with in_venue(venue_a):
        contact = find_or_create_contact(
            email="ada@example.org", postcode="69003", source=Source.WEB
        )
        contact.refresh_from_db()
        assert (contact.department, contact.first_source) == ("69", Source.WEB)
        assert contact.first_seen_at is not None

        blank = find_or_create_contact(email="ben@example.org", source=Source.BOX_OFFICE)
        find_or_create_contact(email="ben@example.org", postcode="13001", source=Source.WEB)
        blank.refresh_from_db()
        # Filling the postcode later fills the département; the first source stays the first.
        assert (blank.department, blank.first_source) == ("13", Source.BOX_OFFICE)


def test_the_current_consent_is_kept_on_the_contact(venue_a):
    with in_venue(venue_a):
        contact = find_or_create_contact(email="ada@example.org", source=Source.WEB)
        assert Contact.objects.get(pk=contact.pk).email_consent is None
        channel = Consent.Channel.EMAIL_NEWSLETTER
        set_consent(contact=contact, channel=channel, granted=True, source=Source.WEB)
        assert Contact.objects.get(pk=contact.pk).email_consent is True
        set_consent(contact=contact, channel=channel, granted=False, source=Source.WEB)
        row = Contact.objects.get(pk=contact.pk)
        assert (row.email_consent, row.sms_consent) == (False, None)
        assert Consent.objects.filter(contact=contact).count() == 2


def test_relations_read_both_ways_and_are_recorded_once(venue_a):
    with in_venue(venue_a):
        ada = find_or_create_contact(email="ada@example.org", first_name="Ada", source=Source.WEB)
        ben = find_or_create_contact(email="ben@example.org", first_name="Ben", source=Source.WEB)
        args = {"contact_id": ben.pk, "other_id": ada.pk, "source": Source.REFERRAL}
        assert relate_contacts(kind=RelationKind.REFERRED_BY, **args) is True
        assert relate_contacts(kind=RelationKind.REFERRED_BY, **args) is False
        assert Contact.objects.get(pk=ada.pk).referred_buyers == 1

        relate_contacts(
            contact_id=ada.pk, other_id=ben.pk, kind=RelationKind.CAME_WITH, source=Source.WEB
        )
        # "came with" is symmetric: recorded the other way round, it is already known.
        assert not relate_contacts(
            contact_id=ben.pk, other_id=ada.pk, kind=RelationKind.CAME_WITH, source=Source.WEB
        )
        assert ContactRelation.objects.count() == 2

        with translation.override("en"):
            on_ben = {(str(label), other.pk) for label, other in contact_relations(ben.pk)}
            on_ada = {(str(label), other.pk) for label, other in contact_relations(ada.pk)}
        assert on_ben == {("referred by", ada.pk), ("came with", ada.pk)}
        assert on_ada == {("referred", ben.pk), ("came with", ben.pk)}


def test_a_contact_cannot_relate_to_itself(venue_a):
    with in_venue(venue_a):
        ada = find_or_create_contact(email="ada@example.org", source=Source.WEB)
        with pytest.raises(ValidationFailed) as error:
            relate_contacts(
                contact_id=ada.pk, other_id=ada.pk, kind=RelationKind.FRIEND, source=Source.WEB
            )
        assert error.value.code == "crm.relation_self"


def test_favourites_are_set_once_and_taken_off(venue_a, venue_b):
    with in_venue(venue_a):
        ada = find_or_create_contact(email="ada@example.org", source=Source.WEB)
        assert set_favourite(contact_id=ada.pk, show_id=7, favourite=True)
        assert not set_favourite(contact_id=ada.pk, show_id=7, favourite=True)
        assert ada.timeline.filter(code="crm.favourite.added", show_id=7).count() == 1
        assert set_favourite(contact_id=ada.pk, show_id=7, favourite=False)
        assert not Favourite.objects.exists()
    with in_venue(venue_b):
        assert not Favourite.objects.exists()
