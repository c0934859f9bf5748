"""The tracking demo: an operation with its channels and a sent newsletter whose opens and
clicks went through the real services; seeding twice adds nothing."""

import random

import pytest

from campaigns.models import Campaign, Delivery, Operation
from campaigns.tracking import demo
from crm.models import TimelineEvent
from tests.helpers import in_venue

from .tracking_helpers import contact

pytestmark = pytest.mark.django_db(transaction=False)


def test_the_demo_is_seeded_once(venue_a):
    with in_venue(venue_a):
        people = [contact(f"demo{i}@example.org") for i in range(30)]
        demo.seed_venue(venue_a, random.Random(1))
        demo.seed_venue(venue_a, random.Random(1))
        assert Operation.objects.count() == 1
        campaign = Campaign.objects.get()
        assert Delivery.objects.filter(campaign=campaign).count() == len(people)
        opened = Delivery.objects.filter(campaign=campaign, opened_at__isnull=False).count()
        assert opened > 0
        assert (
            TimelineEvent.objects.filter(
                code="campaigns.email.opened", campaign_id=campaign.pk
            ).count()
            == opened
        )
