"""Consent history and current state; the box office's contact search."""

from datetime import UTC, datetime, timedelta

import pytest

from crm.models import Consent, TimelineEvent
from crm.search import search_contacts
from crm.selectors import current_consents, has_consent
from crm.services import find_or_create_contact, set_consent
from tenants.errors import ValidationFailed
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db


def test_consent_history_is_appended_and_the_latest_row_wins(venue_a):
    with in_venue(venue_a):
        contact = find_or_create_contact(
            email="c@example.fr", source="web", consents={"email_newsletter": True}
        )
        set_consent(contact=contact, channel="sms", granted=True, source="box_office")
        set_consent(contact=contact, channel="email_newsletter", granted=False, source="web")

        history = list(
            Consent.objects.filter(contact=contact, channel="email_newsletter")
            .order_by("recorded_at", "id")
            .values_list("granted", "source")
        )
        assert history == [(True, "web"), (False, "web")]
        current = current_consents(contact)
        assert {channel: c.granted for channel, c in current.items()} == {
            "email_newsletter": False,
            "sms": True,
        }
        assert current["sms"].source == "box_office"
        assert has_consent(contact, "sms") is True
        assert has_consent(contact, "email_newsletter") is False

        codes = list(
            TimelineEvent.objects.filter(contact=contact, code__startswith="crm.consent")
            .order_by("id")
            .values_list("code", flat=True)
        )
        assert codes == ["crm.consent.granted", "crm.consent.granted", "crm.consent.withdrawn"]


def test_repeating_the_current_choice_adds_no_row(venue_a):
    with in_venue(venue_a):
        contact = find_or_create_contact(email="c@example.fr", source="web")
        assert set_consent(contact=contact, channel="sms", granted=True, source="web")
        assert set_consent(contact=contact, channel="sms", granted=True, source="import") is None
        assert Consent.objects.filter(contact=contact).count() == 1
        # Given again through find_or_create_contact: still one row.
        find_or_create_contact(email="c@example.fr", source="web", consents={"sms": True})
        assert Consent.objects.filter(contact=contact).count() == 1


def test_an_imported_older_choice_does_not_override_a_newer_one(venue_a):
    with in_venue(venue_a):
        contact = find_or_create_contact(email="c@example.fr", source="web")
        set_consent(contact=contact, channel="email_newsletter", granted=False, source="web")
        set_consent(
            contact=contact,
            channel="email_newsletter",
            granted=True,
            source="import",
            recorded_at=datetime.now(UTC) - timedelta(days=365),
        )
        assert current_consents(contact)["email_newsletter"].granted is False


def test_never_asked_channels_are_absent(venue_a):
    with in_venue(venue_a):
        contact = find_or_create_contact(email="c@example.fr", source="web")
        assert current_consents(contact) == {}
        assert has_consent(contact, "email_newsletter") is False


def test_unknown_channel_is_refused(venue_a):
    with in_venue(venue_a):
        contact = find_or_create_contact(email="c@example.fr", source="web")
        with pytest.raises(ValidationFailed):
            set_consent(contact=contact, channel="fax", granted=True, source="web")


@pytest.fixture
def people(venue_a):
    with in_venue(venue_a):
        return {
            "marie": find_or_create_contact(
                email="Marie.Dupont@example.fr",
                first_name="Marie",
                last_name="Dupont",
                phone="06 12 34 56 78",
                postcode="49100",
                source="web",
            ),
            "jean": find_or_create_contact(
                email="jean@example.org",
                first_name="Jean",
                last_name="Dupont",
                postcode="75011",
                source="web",
            ),
            "anne": find_or_create_contact(
                first_name="Anne",
                last_name="Marivaux",
                phone="+44 20 7946 0958",
                source="box_office",
            ),
        }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("dupont", ["jean", "marie"]),
        ("DUPONT marie", ["marie"]),
        ("mari", ["marie", "anne"]),
        ("MARIE.DUPONT@EXAMPLE.FR", ["marie"]),
        ("example.org", ["jean"]),
        ("06 12 34 56 78", ["marie"]),
        ("0612345678", ["marie"]),
        ("+33 6 12 34", ["marie"]),
        ("7946 0958", ["anne"]),
        ("49100", ["marie"]),
        ("75", ["jean"]),
        ("nobody", []),
        ("   ", []),
    ],
)
def test_search_contacts(venue_a, people, query, expected):
    with in_venue(venue_a):
        found = search_contacts(query)
    assert [c.pk for c in found] == [people[name].pk for name in expected]  # by name


def test_search_returns_at_most_20_in_one_query(venue_a, django_assert_num_queries):
    with in_venue(venue_a):
        for n in range(25):
            find_or_create_contact(email=f"p{n}@example.fr", last_name="Lefebvre", source="import")
        with django_assert_num_queries(1):
            assert len(search_contacts("lefebvre")) == 20
