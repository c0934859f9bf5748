"""The composer's demo: a sent season newsletter with its deliveries and a draft aimed at a
saved segment, both with a show card of a real show; seeding twice duplicates nothing."""

import random

import pytest

from campaigns.composer import demo
from campaigns.composer.render import render_campaign
from campaigns.models import Campaign, Delivery
from tests.crm.factories import ContactFactory
from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance

pytestmark = pytest.mark.django_db


def test_demo_newsletters_are_seeded_once(venue_a):
    with in_venue(venue_a):
        performance = build_performance()
        for _n in range(5):
            ContactFactory(email_consent=True)
        ContactFactory(email_consent=False)
        demo.seed_venue(venue_a, random.Random("alpha"))
        demo.seed_venue(venue_a, random.Random("alpha"))

        sent = Campaign.objects.get(name=demo.SENT_NAME)
        assert sent.status == Campaign.Status.SENT and sent.recipients == 5
        assert Delivery.objects.filter(campaign=sent, status="sent").count() == 5
        draft = Campaign.objects.get(name=demo.DRAFT_NAME)
        assert draft.status == Campaign.Status.DRAFT and draft.segment is not None
        show_blocks = [b for b in draft.content["fr"]["blocks"] if b["type"] == "show"]
        assert show_blocks == [{"type": "show", "show_id": performance.show_id}]
        assert performance.show.title in render_campaign(draft, language="fr").html
        assert Campaign.objects.count() == 2
