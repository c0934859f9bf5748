"""Automatic criteria by the venue's thresholds: decided on every event, on relations, by the
periodic task as time passes (a moved clock), and again when the thresholds change."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from crm.criteria import refresh_all_criteria, refresh_time_based
from crm.models import BehaviourSettings, Contact, RelationKind, TimelineEvent
from crm.services import (
    find_or_create_contact,
    record_attendance,
    record_purchase,
    record_refund,
    relate_contacts,
    update_behaviour_settings,
)
from crm.tasks import refresh_time_based_task
from tenants.accounts.models import AuditEvent
from tenants.errors import ValidationFailed
from tenants.events.models import Event
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)  # season 2026-2027


def _criteria(contact) -> list[str]:
    return Contact.objects.get(pk=contact.pk).criteria


def _come(contact, n: int, at: datetime, amount=2000):
    record_purchase(
        contact_id=contact.pk,
        order_reference=f"O{contact.pk}-{n}",
        tickets=1,
        amount_cents=amount,
        occurred_at=at - timedelta(days=10),
        performance_id=100 + n,
        genres=["théâtre"],
        season=None,
    )
    record_attendance(
        contact_id=contact.pk,
        ticket_reference=f"T{contact.pk}-{n}",
        performance_label="x",
        occurred_at=at,
        performance_id=100 + n,
        genres=["théâtre"],
    )


@time_machine.travel(NOW, tick=False)
def test_first_timer_then_regular_on_events(venue_a):
    with in_venue(venue_a):
        ada = find_or_create_contact(email="ada@example.fr", source="web")
        assert _criteria(ada) == []  # no event yet: decided on the first one
        _come(ada, 1, NOW - timedelta(days=20))
        assert _criteria(ada) == ["first_timer"]
        _come(ada, 2, NOW - timedelta(days=10))
        assert _criteria(ada) == ["first_timer"]
        _come(ada, 3, NOW - timedelta(days=5))
        assert _criteria(ada) == ["first_timer", "regular"]
        changed = TimelineEvent.objects.filter(contact=ada, code="crm.criteria.changed")
        assert [e.data["added"] for e in changed.order_by("id")] == [["first_timer"], ["regular"]]
        # Other apps (journeys) hear of it through the outbox, in the same statement.
        published = Event.objects.filter(code="crm.contact.criteria_changed").order_by("id")
        assert [e.data["criteria"] for e in published] == [
            ["first_timer"],
            ["first_timer", "regular"],
        ]
        assert published.first().key == f"contact:{ada.pk}"


@time_machine.travel(NOW, tick=False)
def test_someone_who_came_in_an_earlier_season_is_no_first_timer(venue_a):
    with in_venue(venue_a):
        ben = find_or_create_contact(email="ben@example.fr", source="web")
        _come(ben, 1, NOW - timedelta(days=500))
        assert _criteria(ben) == ["lapsed"]
        _come(ben, 2, NOW - timedelta(days=3))
        assert _criteria(ben) == []  # back: neither lapsed nor a first-timer


@time_machine.travel(NOW, tick=False)
def test_the_venue_thresholds_decide(venue_a, venue_b, make_staff):
    user = make_staff(venue_a)
    with in_venue(venue_a):
        ada = find_or_create_contact(email="ada@example.fr", source="web")
        _come(ada, 1, NOW - timedelta(days=5), amount=30000)
        assert _criteria(ada) == ["big_spender", "first_timer"]
        update_behaviour_settings(actor=user, regular_min_shows=1, big_spender_min_cents=50000)
        assert refresh_all_criteria() == 1
        assert _criteria(ada) == ["first_timer", "regular"]
        assert AuditEvent.objects.filter(code="crm.behaviour_settings.updated").count() == 1
        with pytest.raises(ValidationFailed):
            update_behaviour_settings(actor=user, season_start_month=13)
        with pytest.raises(ValidationFailed):
            update_behaviour_settings(actor=user, swept_season="x")
    with in_venue(venue_b):
        assert BehaviourSettings.current().regular_min_shows == 3
        bob = find_or_create_contact(email="bob@example.fr", source="web")
        _come(bob, 1, NOW - timedelta(days=5))
        assert _criteria(bob) == ["first_timer"]


@time_machine.travel(NOW, tick=False)
def test_relay_on_referrals(venue_a):
    with in_venue(venue_a):
        prescriber = find_or_create_contact(email="p@example.fr", source="web")
        for n in range(2):
            friend = find_or_create_contact(email=f"f{n}@example.fr", source="referral")
            relate_contacts(
                contact_id=friend.pk,
                other_id=prescriber.pk,
                kind=RelationKind.REFERRED_BY,
                source="referral",
            )
            assert ("relay" in _criteria(prescriber)) is (n == 1)
        assert _criteria(prescriber) == ["prospect", "relay"]


def test_lapsed_comes_with_time_through_the_periodic_task(venue_a, venue_b):
    with time_machine.travel(NOW, tick=False):
        with in_venue(venue_a):
            ada = find_or_create_contact(email="ada@example.fr", source="web")
            _come(ada, 1, NOW - timedelta(days=300))
            assert _criteria(ada) == []
            assert Contact.objects.get(pk=ada.pk).rfm_recency == 3
        with in_venue(venue_b):
            ben = find_or_create_contact(email="ben@example.fr", source="web")
            _come(ben, 1, NOW - timedelta(days=300))
    later = NOW + timedelta(days=90)  # 390 days since her visit: over 12 months
    with time_machine.travel(later, tick=False):
        with in_venue(venue_a):
            assert refresh_time_based() == {"recency": 1, "criteria": 1, "windows": 0}
            ada.refresh_from_db()
            assert ada.criteria == ["lapsed"] and ada.rfm_recency == 2
            assert refresh_time_based() == {"recency": 0, "criteria": 0, "windows": 0}  # idempotent
            # She comes back: the event takes "lapsed" off at once.
            _come(ada, 2, later - timedelta(days=1))
            assert _criteria(ada) == []
        with in_venue(venue_b):  # the other venue's task has not run: untouched
            assert Contact.objects.get(pk=ben.pk).criteria == []
            refresh_time_based_task()  # the Celery task, run in this venue
            assert Contact.objects.get(pk=ben.pk).criteria == ["lapsed"]


def test_a_new_season_takes_season_criteria_off(venue_a):
    with time_machine.travel(NOW, tick=False), in_venue(venue_a):
        ada = find_or_create_contact(email="ada@example.fr", source="web")
        for n in range(3):
            _come(ada, n, NOW - timedelta(days=10 + n))
        assert _criteria(ada) == ["first_timer", "regular"]
        assert refresh_time_based()["criteria"] == 0
    with time_machine.travel(datetime(2027, 9, 2, 12, tzinfo=UTC), tick=False), in_venue(venue_a):
        assert refresh_time_based()["criteria"] == 1
        assert _criteria(ada) == []
        assert BehaviourSettings.current().swept_season == "2027-2028"
        assert refresh_time_based()["criteria"] == 0


@time_machine.travel(NOW, tick=False)
def test_a_refund_re_decides(venue_a):
    with in_venue(venue_a):
        ada = find_or_create_contact(email="ada@example.fr", source="web")
        update_behaviour_settings(big_spender_min_cents=20000)
        record_purchase(
            contact_id=ada.pk,
            order_reference="BIG",
            tickets=10,
            amount_cents=25000,
            occurred_at=NOW - timedelta(days=1),
        )
        assert "big_spender" in _criteria(ada)
        record_refund(
            contact_id=ada.pk,
            order_reference="BIG",
            refund_reference="R1",
            tickets=5,
            amount_cents=12500,
            occurred_at=NOW,
        )
        assert "big_spender" not in _criteria(ada)
