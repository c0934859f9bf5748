"""The demo's journeys: installed switched on, in French, idempotent; the J+40 one promotes
the upcoming performance with the most free places."""

import random

import pytest

from campaigns.journeys import demo
from campaigns.journeys.models import Journey, Trigger
from campaigns.models import Campaign
from crm.models import Segment
from crm.segments.definition import validate_definition
from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance

pytestmark = pytest.mark.django_db


def test_the_demo_journeys_are_installed_once(venue_a):
    with in_venue(venue_a):
        small = build_performance(rows=1, seats_per_row=5, zone_capacity=0)
        big = build_performance(rows=5, seats_per_row=10, name="Grande salle")
        demo.seed_venue(venue_a, random.Random(1))
        demo.seed_venue(venue_a, random.Random(1))
        assert Journey.objects.count() == 8
        assert Journey.objects.filter(enabled=True).count() == 8
        assert Campaign.objects.filter(kind=Campaign.Kind.JOURNEY).count() == len(demo.EMAILS)
        assert Segment.objects.filter(name=demo.FORTY_DAYS_SEGMENT).count() == 1
        validate_definition(demo.FORTY_DAYS_DEFINITION)
        reminder = Journey.objects.get(trigger=Trigger.BEFORE_PERFORMANCE)
        assert reminder.offset_minutes == -3 * 1440
        assert "40 minutes" in str(reminder.first_timer_campaign.content)
        assert reminder.campaign.marketing is False  # a service message
        forty = Journey.objects.get(name__startswith="Quarante jours")
        assert forty.performance_id == big.pk != small.pk
        assert forty.offset_minutes == 40 * 1440 and forty.segment is not None
        survey = Journey.objects.get(name="Alors, c'était comment ?").campaign
        assert "{{survey_url}}" in str(survey.content)
