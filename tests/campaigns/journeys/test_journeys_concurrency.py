"""Two ticks at once, on two real connections, never run a step twice: SELECT … FOR UPDATE
SKIP LOCKED hands each due run to one of them, the run is marked in that transaction, and the
email is claimed pending → sending before it leaves. A tick whose after-commit send was lost
(its worker died) leaves a pending delivery that a later tick sends, once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from campaigns.journeys.models import Action, Journey, JourneyRun, Trigger
from campaigns.journeys.services import (
    Entry,
    TickReport,
    enter_runs,
    run_batch,
    run_due_journeys,
)
from campaigns.models import Campaign, Delivery
from crm.models import Contact
from tests.helpers import committed, in_venue, run_together

pytestmark = pytest.mark.django_db

RUNS = 60


def _scene(prefix: str) -> int:
    campaign = Campaign.objects.create(
        name=f"{prefix} email",
        kind=Campaign.Kind.JOURNEY,
        content={"fr": {"subject": "Bonjour {{first_name}}", "blocks": []}},
    )
    journey = Journey.objects.create(
        name=f"{prefix} journey",
        enabled=True,
        trigger=Trigger.AFTER_ATTENDANCE,
        offset_minutes=0,
        action=Action.EMAIL,
        campaign=campaign,
    )
    contacts = Contact.objects.bulk_create(
        Contact(
            first_name=f"P{i}",
            email=f"{prefix}{i}@example.org",
            email_normalized=f"{prefix}{i}@example.org",
            email_consent=True,
        )
        for i in range(RUNS)
    )
    past = timezone.now() - timedelta(minutes=5)
    enter_runs(
        journeys=[journey],
        entries=[Entry(contact_id=c.pk, occurrence="perf:1", anchor=past) for c in contacts],
    )
    return journey.pk


def _cleanup(journey_id: int, prefix: str) -> None:
    journey = Journey.objects.get(pk=journey_id)
    campaign = journey.campaign
    JourneyRun.objects.filter(journey=journey).delete()
    journey.delete()
    Delivery.objects.filter(campaign=campaign).delete()
    campaign.links.all().delete()
    campaign.delete()
    Contact.objects.filter(email_normalized__startswith=prefix).delete()


def test_two_overlapping_ticks_send_each_step_once(venue_a):
    prefix = "tick-race-"
    journey_id = committed(venue_a, lambda: _scene(prefix))
    try:
        mail.outbox = []
        reports = run_together(venue_a, lambda _i: run_due_journeys(batch_size=7), threads=2)

        def check():
            runs = JourneyRun.objects.filter(journey_id=journey_id)
            assert runs.filter(status=JourneyRun.Status.DONE).count() == RUNS
            sent = Delivery.objects.filter(
                pk__in=runs.values("delivery_id"), status=Delivery.Status.SENT
            ).count()
            assert sent == RUNS
            journey = Journey.objects.get(pk=journey_id)
            assert (journey.entered, journey.sent) == (RUNS, RUNS)

        committed(venue_a, check)
        assert sum(r.taken for r in reports) == RUNS  # no run taken by both
        assert sum(r.emails for r in reports) == RUNS
        recipients = sorted(m.to[0] for m in mail.outbox)
        assert len(recipients) == RUNS == len(set(recipients))
        # A third tick (a restart) finds nothing to do.
        again = run_together(venue_a, lambda _i: run_due_journeys(), threads=1)[0]
        assert (again.taken, again.emails) == (0, 0)
    finally:
        committed(venue_a, lambda: _cleanup(journey_id, prefix))


def test_a_lost_send_is_sent_by_a_later_tick_once(venue_a, django_capture_on_commit_callbacks):
    with in_venue(venue_a):
        campaign = Campaign.objects.create(
            name="Lost",
            kind=Campaign.Kind.JOURNEY,
            content={"fr": {"subject": "Bonjour", "blocks": []}},
        )
        journey = Journey.objects.create(
            name="Lost",
            enabled=True,
            trigger=Trigger.AFTER_ATTENDANCE,
            action=Action.EMAIL,
            campaign=campaign,
        )
        contact = Contact.objects.create(
            email="lost@example.org", email_normalized="lost@example.org", email_consent=True
        )
        enter_runs(
            journeys=[journey],
            entries=[Entry(contact_id=contact.pk, occurrence="perf:9", anchor=timezone.now())],
        )
        now = timezone.now()
        # The tick's transaction commits, then its worker dies: the callbacks never run.
        with django_capture_on_commit_callbacks(execute=False):
            run_batch(now=now, batch_size=10, report=TickReport())
        run = JourneyRun.objects.get(journey=journey)
        assert run.status == JourneyRun.Status.DONE
        assert run.delivery.status == Delivery.Status.PENDING
        assert mail.outbox == []
        # A tick a minute later leaves it (it may still be on its way)…
        with django_capture_on_commit_callbacks(execute=True):
            assert run_due_journeys(now=now + timedelta(minutes=1)).resent == 0
        # …one after the grace period sends it, and the next one does not again.
        with django_capture_on_commit_callbacks(execute=True):
            assert run_due_journeys(now=now + timedelta(minutes=6)).resent == 1
            assert run_due_journeys(now=now + timedelta(minutes=7)).resent == 0
        assert [m.to for m in mail.outbox] == [["lost@example.org"]]


def test_an_occurrence_enters_once(venue_a):
    with in_venue(venue_a):
        journey = Journey.objects.create(
            name="Once",
            enabled=True,
            trigger=Trigger.AFTER_ATTENDANCE,
            action=Action.ADD_TAG,
            tag="venu",
        )
        contact = Contact.objects.create(first_name="Once")
        entry = Entry(contact_id=contact.pk, occurrence="perf:3", anchor=timezone.now())
        assert enter_runs(journeys=[journey], entries=[entry]) == 1
        assert enter_runs(journeys=[journey], entries=[entry, entry]) == 0
        journey.refresh_from_db()
        assert journey.entered == 1


def test_a_step_left_waiting_too_long_is_skipped(venue_a, django_capture_on_commit_callbacks):
    """A journey switched off for a week: its old steps do not all leave when it is back on."""
    with in_venue(venue_a):
        journey = Journey.objects.create(
            name="Late",
            enabled=True,
            trigger=Trigger.AFTER_ATTENDANCE,
            action=Action.ADD_TAG,
            tag="x",
        )
        contact = Contact.objects.create(first_name="Late")
        enter_runs(
            journeys=[journey],
            entries=[Entry(contact_id=contact.pk, occurrence="perf:5", anchor=timezone.now())],
        )
        with django_capture_on_commit_callbacks(execute=True):
            run_due_journeys(now=timezone.now() + timedelta(days=7))
        run = JourneyRun.objects.get(journey=journey)
        assert (run.status, run.outcome) == (JourneyRun.Status.SKIPPED, "too_late")
        contact.refresh_from_db()
        assert contact.tags == []
