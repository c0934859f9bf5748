import random

import pytest

from crm.demo import CONTACTS_PER_VENUE, seed_venue
from crm.models import Contact, TimelineEvent
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db


def test_demo_contacts_are_seeded_once_at_example_domains(venue_a):
    with in_venue(venue_a):
        seed_venue(venue_a, random.Random("alpha"))
        seed_venue(venue_a, random.Random("alpha"))
        assert Contact.objects.count() == CONTACTS_PER_VENUE
        domains = {
            email.rsplit("@", 1)[1] for email in Contact.objects.values_list("email", flat=True)
        }
        assert domains <= {"example.fr", "example.com", "example.org", "example.net"}
        assert TimelineEvent.objects.filter(code="crm.contact.created").count() == (
            CONTACTS_PER_VENUE
        )
        assert not Contact.objects.filter(first_name="").exists()
