"""crm publishes crm.contact.created when a contact is really created and crm.contact.updated
when blank fields are filled; a contact found as it was publishes nothing."""

import pytest
from django.db import transaction

from crm.models import Contact, Source
from crm.services import find_or_create_contact
from tenants.events.models import Event
from tests.helpers import committed, in_venue, run_together

pytestmark = pytest.mark.django_db


def _events(after: int = 0):
    """The outbox's events (newer than `after`: other tests may have committed some)."""
    return list(
        Event.objects.filter(id__gt=after).order_by("id").values_list("code", "key", "data")
    )


def test_a_new_contact_is_published_once_and_a_completed_one_as_updated(venue_a):
    with in_venue(venue_a):
        before = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
        contact = find_or_create_contact(email="Ada@Example.org", source=Source.WEB)
        find_or_create_contact(email="ada@example.org", source=Source.WEB)  # found as it is
        find_or_create_contact(
            email="ada@example.org", first_name="Ada", postcode="75011", source=Source.BOX_OFFICE
        )
        assert _events(before) == [
            (
                "crm.contact.created",
                f"contact:{contact.pk}",
                {"contact_id": contact.pk, "source": "web"},
            ),
            (
                "crm.contact.updated",
                f"contact:{contact.pk}",
                {
                    "contact_id": contact.pk,
                    "source": "box_office",
                    "fields": ["first_name", "postcode"],
                },
            ),
        ]


def test_two_buyers_with_one_email_publish_one_creation(venue_a, clean_outbox):
    def buy(_i):
        with transaction.atomic():
            return find_or_create_contact(email="race@example.org", source=Source.WEB).pk

    try:
        ids = run_together(venue_a, buy, threads=6)
        assert len(set(ids)) == 1
        assert committed(venue_a, _events) == [
            ("crm.contact.created", f"contact:{ids[0]}", {"contact_id": ids[0], "source": "web"})
        ]
    finally:
        committed(
            venue_a, lambda: Contact.objects.filter(email_normalized="race@example.org").delete()
        )
