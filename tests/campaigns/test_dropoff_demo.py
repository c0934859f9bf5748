"""The demo's drop-off page lists the right people: the planted drifters and stoppers among
the demo base, not the steady regulars; seeding twice adds nothing."""

import random

import pytest
from django.utils import timezone

from campaigns.dropoff import demo
from campaigns.dropoff.models import DropoffAlert
from campaigns.dropoff.selectors import open_alerts as open_alerts_in_order
from crm import demo as crm_demo
from crm.models import TimelineEvent
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db


def test_demo_alerts_name_the_planted_people(venue_a):
    with in_venue(venue_a):
        crm_demo.seed_venue(venue_a, random.Random("alpha"))
        demo.seed_venue(venue_a, random.Random("alpha"))
        events = TimelineEvent.objects.count()
        demo.seed_venue(venue_a, random.Random("alpha"))
        assert TimelineEvent.objects.count() == events
        alerted = {
            (a.contact.last_name, a.kind)
            for a in DropoffAlert.objects.filter(state="open").select_related("contact")
        }
        planted = {(last, kind) for _first, last, kind in demo.PEOPLE if kind != "steady"}
        assert planted <= alerted
        steady = {last for _first, last, kind in demo.PEOPLE if kind == "steady"}
        assert not steady & {last for last, _kind in alerted}
        # The rest of the demo base came one to four times a season for up to three seasons
        # and then stopped (crm.demo's history): those flagged really did stop, and rank
        # below the planted regulars.
        open_alerts = list(DropoffAlert.objects.filter(state="open").select_related("contact"))
        for alert in open_alerts:
            if (alert.contact.last_name, alert.kind) in planted:
                continue
            assert alert.kind == "stopped"
            assert alert.contact.attendance_count >= 4
            assert (timezone.now() - alert.contact.last_attended_at).days > 180
        top = list(open_alerts_in_order())[: len(planted)]
        assert {(a.contact.last_name, a.kind) for a in top} == planted
