"""The quiz's demo: answers, approved and pending words on a show that plays again;
idempotent."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.surveys import demo, selectors
from campaigns.surveys.models import SpectatorWord, SurveyResponse
from crm.models import Affinity
from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance
from tests.ticketing.tickets_helpers import sell
from ticketing.models import Performance

pytestmark = pytest.mark.django_db


def test_the_demo_has_answers_and_words_to_moderate(venue_a):
    with in_venue(venue_a):
        played = build_performance()
        for n, seat in enumerate(["A1", "A2", "A3", "A4", "A5", "A6"]):
            sell(played, seat, email=f"spectateur{n}@example.fr")
        again = Performance.objects.get(pk=played.pk)
        again.pk = None
        again.starts_at = timezone.now() + timedelta(days=30)
        again.save()
        Performance.objects.filter(pk=played.pk).update(
            starts_at=timezone.now() - timedelta(days=3)
        )
        demo.seed_venue(venue_a, random.Random("alpha"))
        demo.seed_venue(venue_a, random.Random("alpha"))  # again: nothing doubled
        assert SurveyResponse.objects.count() == 6
        assert SpectatorWord.objects.filter(status="approved").count() == 4
        assert SpectatorWord.objects.filter(status="pending").count() == 2
        assert len(selectors.approved_words(show_id=played.show_id)) == 3
        assert Affinity.objects.exists()
