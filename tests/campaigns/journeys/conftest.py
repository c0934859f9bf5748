"""Fixtures of the journeys tests: the demo's journeys in venue A, a performance, a buyer."""

import pytest
from django.core import mail

from tenants import sms
from tenants.events.models import Event
from tests.helpers import in_venue


@pytest.fixture(autouse=True)
def _quiet_outbox(request):
    """Events other tests left undispatched are not this test's (marked dispatched inside
    its transaction, rolled back after); mail and SMS outboxes start empty."""
    if "db" in request.fixturenames or "venue_a" in request.fixturenames:
        from django.utils import timezone

        for name in ("venue_a", "venue_b"):
            if name in request.fixturenames or name == "venue_a":
                venue = request.getfixturevalue(name)
                with in_venue(venue):
                    Event.objects.filter(dispatched_at__isnull=True).update(
                        dispatched_at=timezone.now()
                    )
    mail.outbox = []
    sms.outbox.clear()
    yield
