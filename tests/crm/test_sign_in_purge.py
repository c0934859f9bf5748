"""Spent and expired sign-in links are deleted by a periodic task per venue (crm.tasks,
fanned out by tenants.tasks), with a moved clock; the rate limits of asking for links are
cache counters that expire with their window on their own."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import pytest
import time_machine
from celery import current_app
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from crm.models import SignInLink
from crm.tasks import purge_sign_in_links_task
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db


def _ask(client, email: str, django_capture_on_commit_callbacks) -> str:
    """Ask for a link by the sign-in page; the link's path, from the email."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/space/sign-in/", {"email": email, "action": "link"})
    assert response.status_code == 200
    return urlparse(re.search(r"https?://\S+", mail.outbox[-1].body).group(0)).path


def _emails(venue) -> set[str]:
    with in_venue(venue):
        return set(SignInLink.objects.values_list("email_normalized", flat=True))


def _purge(venue) -> int:
    with in_venue(venue):
        return purge_sign_in_links_task()


def test_used_and_expired_links_are_purged_and_live_ones_kept(
    venue_a, venue_b, client_for, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        alpha, beta = client_for(venue_a), client_for(venue_b)
        used = _ask(alpha, "used@example.fr", django_capture_on_commit_callbacks)
        _ask(alpha, "early@example.fr", django_capture_on_commit_callbacks)
        _ask(beta, "beta@example.fr", django_capture_on_commit_callbacks)
        assert alpha.post(used).status_code == 302  # signed in: the link is spent
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        late = _ask(client_for(venue_a), "late@example.fr", django_capture_on_commit_callbacks)
        # Ten minutes on: only the used link goes; the others still work.
        assert _purge(venue_a) == 1
        assert _emails(venue_a) == {"early@example.fr", "late@example.fr"}
    with time_machine.travel(start + timedelta(minutes=21), tick=False):
        # Twenty-one minutes on: the first links are past their twenty minutes, the last
        # one (asked at ten) is not.
        assert _purge(venue_a) == 1
        assert _emails(venue_a) == {"late@example.fr"}
        assert _purge(venue_a) == 0  # twice is harmless
        # The other venue's links are its own: untouched by alpha's task.
        assert _emails(venue_b) == {"beta@example.fr"}
        assert client_for(venue_a).post(late).status_code == 302  # the live one still works
    with time_machine.travel(start + timedelta(minutes=40), tick=False):
        assert _purge(venue_a) == 1  # (the last one, used)
        assert _purge(venue_b) == 1  # (expired)
        assert _emails(venue_a) == _emails(venue_b) == set()


def test_the_rate_limit_counters_of_links_expire_with_their_window(
    venue_a, client_for, settings, django_capture_on_commit_callbacks
):
    settings.PARTERRE_SIGNIN_LINK_RATE = "5/h"
    settings.PARTERRE_SIGNIN_LINK_IP_RATE = "30/h"
    _ask(client_for(venue_a), "lea@example.fr", django_capture_on_commit_callbacks)
    with in_venue(venue_a):
        keys = cache.keys("rl:*")
        assert len(keys) == 2  # per address, per client
        # Each one disappears by itself at the end of its hour (+ a few seconds of margin).
        assert all(0 < cache.ttl(key) <= 3600 + 10 for key in keys)


def test_the_purge_is_sent_to_every_venue_each_quarter_of_an_hour(
    venue_a, venue_b, settings, monkeypatch
):
    sent = []
    monkeypatch.setattr(
        current_app,
        "send_task",
        lambda name, **kwargs: sent.append((name, connection.schema_name)),
    )
    settings.PARTERRE_VENUE_PERIODIC_TASKS = {
        "crm.purge_sign_in_links": settings.PARTERRE_VENUE_PERIODIC_TASKS["crm.purge_sign_in_links"]
    }
    from tenants.tasks import fan_out_periodic

    assert "crm.purge_sign_in_links" in current_app.tasks
    with time_machine.travel(datetime(2026, 12, 7, 18, 15, tzinfo=UTC), tick=False):
        fan_out_periodic()
    with time_machine.travel(datetime(2026, 12, 7, 18, 16, tzinfo=UTC), tick=False):
        fan_out_periodic()  # (not its minute)
    schemas = {schema for name, schema in sent if name == "crm.purge_sign_in_links"}
    assert {venue_a.schema_name, venue_b.schema_name} <= schemas
    assert len(sent) == len(schemas)  # once per venue
