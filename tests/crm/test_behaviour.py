"""What ticketing reports (purchases, attendance, refunds) is counted once, and only once."""

from datetime import UTC, datetime, timedelta

import pytest

from crm.models import Contact, TimelineEvent
from crm.selectors import contact_timeline
from crm.services import (
    find_or_create_contact,
    record_attendance,
    record_purchase,
    record_refund,
)
from tenants.errors import ValidationFailed
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 14, 20, 30, tzinfo=UTC)


def _contact() -> Contact:
    return find_or_create_contact(email="spectatrice@example.fr", source="web")


def _purchase(contact, reference="ORD-1", *, tickets=2, amount_cents=3000, at=T0) -> bool:
    return record_purchase(
        contact_id=contact.pk,
        order_reference=reference,
        tickets=tickets,
        amount_cents=amount_cents,
        occurred_at=at,
        performance_label="Phèdre — 14/03",
        channel="web",
    )


def test_a_purchase_updates_behaviour_and_timeline(venue_a):
    with in_venue(venue_a):
        contact = _contact()
        assert _purchase(contact) is True
        contact.refresh_from_db()
        assert contact.purchase_count == 1
        assert contact.tickets_bought == 2
        assert contact.amount_spent_cents == 3000
        assert contact.first_purchase_at == contact.last_purchase_at == T0
        event = contact_timeline(contact.pk).get(code="ticketing.purchase")
        assert event.occurred_at == T0
        assert event.data["order"] == "ORD-1"
        assert event.data["performance"] == "Phèdre — 14/03"


def test_recording_the_same_order_twice_counts_it_once(venue_a):
    with in_venue(venue_a):
        contact = _contact()
        assert _purchase(contact) is True
        assert _purchase(contact) is False
        contact.refresh_from_db()
        assert (contact.purchase_count, contact.tickets_bought, contact.amount_spent_cents) == (
            1,
            2,
            3000,
        )
        assert TimelineEvent.objects.filter(code="ticketing.purchase").count() == 1


def test_purchases_reported_out_of_order_keep_first_and_last_dates(venue_a):
    with in_venue(venue_a):
        contact = _contact()
        _purchase(contact, "ORD-2", at=T0)
        _purchase(contact, "ORD-3", at=T0 + timedelta(days=30))
        _purchase(contact, "ORD-1", at=T0 - timedelta(days=30))  # late report of an old order
        contact.refresh_from_db()
        assert contact.first_purchase_at == T0 - timedelta(days=30)
        assert contact.last_purchase_at == T0 + timedelta(days=30)
        assert contact.purchase_count == 3
        assert contact.tickets_bought == 6
        assert contact.amount_spent_cents == 9000


def test_recording_the_same_attendance_twice_counts_it_once(venue_a):
    with in_venue(venue_a):
        contact = _contact()
        kwargs = {"contact_id": contact.pk, "performance_label": "Phèdre", "occurred_at": T0}
        assert record_attendance(ticket_reference="TKT-1", **kwargs) is True
        assert record_attendance(ticket_reference="TKT-1", **kwargs) is False
        earlier = kwargs | {"occurred_at": T0 - timedelta(days=7)}
        assert record_attendance(ticket_reference="TKT-0", **earlier) is True
        contact.refresh_from_db()
        assert contact.attendance_count == 2
        assert contact.last_attended_at == T0


def test_recording_the_same_refund_twice_counts_it_once(venue_a):
    with in_venue(venue_a):
        contact = _contact()
        _purchase(contact, tickets=3, amount_cents=4500)
        refund = {
            "contact_id": contact.pk,
            "order_reference": "ORD-1",
            "tickets": 1,
            "amount_cents": 1500,
            "occurred_at": T0 + timedelta(days=1),
        }
        assert record_refund(refund_reference="R1", **refund) is True
        assert record_refund(refund_reference="R1", **refund) is False
        # A second, distinct refund on the same order counts.
        assert record_refund(refund_reference="R2", **refund) is True
        contact.refresh_from_db()
        assert contact.refund_count == 2
        assert contact.tickets_bought == 1
        assert contact.amount_spent_cents == 1500


def test_behaviour_after_purchase_refund_and_attendance(venue_a):
    with in_venue(venue_a):
        contact = _contact()
        _purchase(contact, "ORD-1", tickets=2, amount_cents=3000, at=T0)
        _purchase(contact, "ORD-2", tickets=1, amount_cents=1700, at=T0 + timedelta(days=3))
        record_refund(
            contact_id=contact.pk,
            order_reference="ORD-2",
            refund_reference="R1",
            tickets=1,
            amount_cents=1700,
            occurred_at=T0 + timedelta(days=4),
        )
        record_attendance(
            contact_id=contact.pk,
            ticket_reference="ORD-1-1",
            performance_label="Phèdre",
            occurred_at=T0 + timedelta(days=10),
        )
        contact.refresh_from_db()
        assert contact.purchase_count == 2  # the purchase happened; the refund is counted apart
        assert contact.tickets_bought == 2
        assert contact.amount_spent_cents == 3000
        assert contact.refund_count == 1
        assert contact.attendance_count == 1
        assert contact.first_purchase_at == T0
        assert contact.last_purchase_at == T0 + timedelta(days=3)
        assert contact.last_attended_at == T0 + timedelta(days=10)
        timeline = contact_timeline(contact.pk).filter(code__startswith="ticketing.")
        assert list(timeline.values_list("code", "occurred_at")) == [  # most recent first
            ("ticketing.attendance", T0 + timedelta(days=10)),
            ("ticketing.refund", T0 + timedelta(days=4)),
            ("ticketing.purchase", T0 + timedelta(days=3)),
            ("ticketing.purchase", T0),
        ]


def test_a_refund_larger_than_what_crm_knows_floors_totals_at_zero(venue_a):
    with in_venue(venue_a):
        contact = _contact()
        _purchase(contact, tickets=1, amount_cents=1000)
        record_refund(
            contact_id=contact.pk,
            order_reference="OLD-ORDER",
            refund_reference="R1",
            tickets=4,
            amount_cents=6000,
            occurred_at=T0,
        )
        contact.refresh_from_db()
        assert (contact.tickets_bought, contact.amount_spent_cents) == (0, 0)
        assert contact.refund_count == 1


def test_a_report_for_an_unknown_contact_is_refused_and_leaves_nothing(venue_a):
    with in_venue(venue_a):
        with pytest.raises(ValidationFailed) as error:
            record_purchase(
                contact_id=987654,
                order_reference="ORD-9",
                tickets=1,
                amount_cents=100,
                occurred_at=T0,
            )
        assert error.value.code == "crm.contact_unknown"
        assert not TimelineEvent.objects.filter(dedupe_key="ORD-9").exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"tickets": -1},
        {"amount_cents": -5},
        {"order_reference": ""},
        {"occurred_at": datetime(2026, 3, 14, 20, 30)},  # naive
    ],
)
def test_invalid_reports_are_refused(venue_a, changes):
    with in_venue(venue_a):
        contact = _contact()
        report = {
            "contact_id": contact.pk,
            "order_reference": "ORD-1",
            "tickets": 1,
            "amount_cents": 100,
            "occurred_at": T0,
        }
        with pytest.raises(ValidationFailed):
            record_purchase(**(report | changes))
        contact.refresh_from_db()
        assert contact.purchase_count == 0


def test_an_order_of_venue_a_is_not_deduplicated_against_venue_b(venue_a, venue_b):
    for venue in (venue_a, venue_b):
        with in_venue(venue):
            contact = _contact()
            assert _purchase(contact, "ORD-SAME") is True
            contact.refresh_from_db()
            assert contact.purchase_count == 1
