"""Concurrency claims, proven with real concurrent connections.

The rows must be committed for other connections to see them, and `transactional_db` would
truncate the public tables the fixture venues live in. So every step runs in a worker thread
on its own connection (autocommit, outside the test's rolled-back transaction), in the
already-created fixture venue, and the `committed_venue` fixture deletes what they created.
The `django_db` mark only makes pytest-django set up the test database when these tests run
alone.
"""

import uuid
from datetime import UTC, datetime

import pytest

from crm.models import Contact, TimelineEvent
from crm.services import find_or_create_contact, record_purchase
from tests.helpers import committed, run_together

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed_venue(venue_a):
    yield venue_a
    # Safety net: nothing these tests commit may outlive them.
    leftovers = Contact.objects.filter(email_normalized__startswith="crm-race-")
    committed(venue_a, leftovers.delete)


def _new_email() -> str:
    return f"crm-race-{uuid.uuid4().hex[:10]}@example.fr"


def test_concurrent_calls_with_one_new_email_make_one_contact(committed_venue):
    email = _new_email()
    pks = run_together(
        committed_venue,
        lambda i: (
            find_or_create_contact(
                email=email.upper() if i % 2 else email,
                first_name="Rose" if i == 3 else "",
                source="web",
            ).pk
        ),
    )

    def check() -> None:
        contact = Contact.objects.get(email_normalized=email)  # exactly one, or this raises
        assert set(pks) == {contact.pk}
        assert contact.first_name == "Rose"  # whoever lost the race, its details were kept
        created = TimelineEvent.objects.filter(contact=contact, code="crm.contact.created")
        assert created.count() == 1

    committed(committed_venue, check)


def test_concurrent_reports_neither_lose_nor_double_count_purchases(committed_venue):
    email = _new_email()
    at = datetime(2026, 3, 14, 20, 30, tzinfo=UTC)
    contact = committed(committed_venue, lambda: find_or_create_contact(email=email, source="web"))
    # Four distinct orders, each reported twice at the same moment (e.g. a retried task).
    results = run_together(
        committed_venue,
        lambda i: record_purchase(
            contact_id=contact.pk,
            order_reference=f"ORD-{i % 4}",
            tickets=1,
            amount_cents=1500,
            occurred_at=at,
        ),
    )
    assert sorted(results) == [False] * 4 + [True] * 4
    contact = committed(committed_venue, lambda: Contact.objects.get(pk=contact.pk))
    assert contact.purchase_count == 4
    assert contact.tickets_bought == 4
    assert contact.amount_spent_cents == 6000
