import random

import pytest

from crm.demo import CONTACTS_PER_VENUE, DUPLICATES, seed_venue
from crm.models import Contact, DuplicateCandidate, TimelineEvent
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db


def test_demo_contacts_are_seeded_once_at_example_domains(venue_a):
    with in_venue(venue_a):
        seed_venue(venue_a, random.Random("alpha"))
        seed_venue(venue_a, random.Random("alpha"))
        assert Contact.objects.count() == CONTACTS_PER_VENUE + len(DUPLICATES)
        domains = {
            email.rsplit("@", 1)[1] for email in Contact.objects.values_list("email", flat=True)
        }
        assert domains <= {"example.fr", "example.com", "example.org", "example.net"}
        assert TimelineEvent.objects.filter(code="crm.contact.created").count() == (
            CONTACTS_PER_VENUE + len(DUPLICATES)
        )
        assert not Contact.objects.filter(first_name="").exists()


def test_the_demo_base_has_duplicates_to_review(venue_a):
    with in_venue(venue_a):
        seed_venue(venue_a, random.Random("alpha"))
        pending = DuplicateCandidate.objects.filter(status="pending")
        # Most planted duplicates are found (a married name with a new email and nothing else
        # in common may not be), and few pairs are not planted ones.
        assert len(DUPLICATES) - 3 <= pending.count() <= len(DUPLICATES) + 3, list(
            pending.values_list("contact_low__last_name", "contact_high__last_name", "score")
        )
