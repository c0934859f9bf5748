"""The reference journey with a frozen clock: a spectator buys (the real event dispatcher
carries `ticketing.order.confirmed` to the journeys' consumer), J−3 reminder (first-timer
variant, .ics attached), check-in at the door, J+3 "Alors, c'était comment ?", J+40
re-engagement when in the segment; each once even when the tick runs twice. A cancelled
performance cancels its pending steps, a rescheduled one moves them, a refund drops them."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from campaigns.journeys import demo
from campaigns.journeys.models import Journey, JourneyRun
from campaigns.journeys.services import run_due_journeys
from campaigns.models import Delivery
from crm.models import Contact
from crm.services import add_affinity, set_consent
from tenants.events.services.dispatch import dispatch_pending
from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance
from tests.ticketing.door_helpers import qr
from tests.ticketing.tickets_helpers import sell
from ticketing.models import Ticket
from ticketing.services import door, orders, programme

pytestmark = pytest.mark.django_db

REMINDER = "Rappel trois jours avant"
HOW_WAS_IT = "Alors, c'était comment ?"
FORTY = "Quarante jours après : une place pour vous"


def tick(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return run_due_journeys()


def subjects():
    return [m.subject for m in mail.outbox]


@pytest.fixture
def scene(venue_a):
    """Venue A with its demo journeys, a performance in 20 days and a hard-to-sell one in
    90 days (the J+40 show)."""
    with in_venue(venue_a):
        performance = build_performance(starts_in_days=20)
        later = build_performance(starts_in_days=90, name="Salle Vilar")
        demo.install_journeys(venue=venue_a)
        Journey.objects.filter(name=FORTY).update(performance=later)
        # Only the reference journey's three steps in this test.
        Journey.objects.exclude(name__in=[REMINDER, HOW_WAS_IT, FORTY]).update(enabled=False)
        yield performance


def buy(performance, label="A1", email="lea.martin@example.fr"):
    order = sell(performance, label, email=email)
    dispatch_pending()  # the real dispatcher: the consumers of order.confirmed run
    return order


def test_purchase_reminder_attendance_survey_and_forty_days(
    venue_a, scene, django_capture_on_commit_callbacks
):
    performance = scene
    with in_venue(venue_a):
        order = buy(performance)
        contact = Contact.objects.get(pk=order.contact_id)
        set_consent(contact=contact, channel="email_newsletter", granted=True, source="web")
        runs = JourneyRun.objects.filter(contact=contact)
        reminder = runs.get(journey__name=REMINDER)
        assert reminder.occurrence == f"perf:{performance.pk}"
        assert reminder.due_at == performance.starts_at - timedelta(days=3)
        assert runs.count() == 1  # nothing after attendance yet

        # Before J−3, the tick has nothing to do.
        tick(django_capture_on_commit_callbacks)
        assert mail.outbox == []

        with time_machine.travel(reminder.due_at + timedelta(minutes=1), tick=False):
            report = tick(django_capture_on_commit_callbacks)
            assert report.emails == 1
            again = tick(django_capture_on_commit_callbacks)  # a second tick: nothing more
            assert again.taken == 0 and again.emails == 0
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert "venez 40 minutes avant" in message.subject  # a first-timer's variant
        body = message.alternatives[0][0]
        assert performance.show.title in body
        assert "40 minutes avant le début" in body
        when = timezone.localtime(performance.starts_at)
        assert f"à {when:%H}h{when:%M} pour « Le Misanthrope »" in message.body
        assert "Accès : toutes les informations pratiques sur http" in message.body
        assert [a[0] for a in message.attachments] == [f"{order.reference}.ics"]
        ics = message.attachments[0][1]
        assert "BEGIN:VEVENT" in (ics.decode() if isinstance(ics, bytes) else ics)
        reminder.refresh_from_db()
        assert reminder.status == JourneyRun.Status.DONE
        assert reminder.delivery.status == Delivery.Status.SENT
        assert reminder.delivery.occurrence == reminder.occurrence

        # The evening of the show: checked in at the door (first time).
        ticket = order.tickets.get()
        with time_machine.travel(performance.starts_at - timedelta(minutes=20), tick=False):
            outcome = door.check_in_ticket(performance=performance, scanned=qr(ticket), door="Hall")
            checked_in_at = outcome.check_in.scanned_at
            dispatch_pending()
        after = runs.filter(journey__name__in=[HOW_WAS_IT, FORTY]).order_by("due_at")
        assert [r.journey.name for r in after] == [HOW_WAS_IT, FORTY]
        assert all(r.first_time for r in after)
        assert after[0].due_at == checked_in_at + timedelta(days=3)

        # J+3: "Alors, c'était comment ?", once.
        with time_machine.travel(checked_in_at + timedelta(days=3, minutes=1), tick=False):
            tick(django_capture_on_commit_callbacks)
            tick(django_capture_on_commit_callbacks)
        assert subjects()[1:] == [f"Alors, c'était comment, {contact.first_name} ?"]

        # J+40: the contact is not in the segment (no credit, no humour): skipped.
        forty = after[1]
        with time_machine.travel(forty.due_at + timedelta(minutes=1), tick=False):
            tick(django_capture_on_commit_callbacks)
        forty.refresh_from_db()
        assert (forty.status, forty.outcome) == (JourneyRun.Status.SKIPPED, "not_in_segment")
        assert len(mail.outbox) == 2


def test_forty_days_reaches_the_segment(venue_a, scene, django_capture_on_commit_callbacks):
    performance = scene
    with in_venue(venue_a):
        order = buy(performance, "A2", email="paul.roux@example.fr")
        contact = Contact.objects.get(pk=order.contact_id)
        set_consent(contact=contact, channel="email_newsletter", granted=True, source="web")
        Contact.objects.filter(pk=contact.pk).update(unused_credit_cents=3000)
        add_affinity(contact_id=contact.pk, kind="keyword", key="humour", weight=1.0)
        ticket = order.tickets.get()
        with time_machine.travel(performance.starts_at - timedelta(minutes=5), tick=False):
            door.check_in_ticket(performance=performance, scanned=qr(ticket), door="Hall")
            dispatch_pending()
        forty = JourneyRun.objects.get(contact=contact, journey__name=FORTY)
        with time_machine.travel(forty.due_at + timedelta(minutes=1), tick=False):
            tick(django_capture_on_commit_callbacks)
            tick(django_capture_on_commit_callbacks)
        forty_mails = [m for m in mail.outbox if "une soirée rien que pour vous" in m.subject]
        assert len(forty_mails) == 1
        later = Journey.objects.get(name=FORTY).performance
        assert later.show.title in forty_mails[0].alternatives[0][0]
        journey = Journey.objects.get(name=FORTY)
        assert (journey.entered, journey.sent) == (1, 1)


def test_without_consent_the_marketing_step_is_skipped(
    venue_a, scene, django_capture_on_commit_callbacks
):
    performance = scene
    with in_venue(venue_a):
        order = buy(performance, "A3", email="sans.accord@example.fr")
        ticket = order.tickets.get()
        with time_machine.travel(performance.starts_at - timedelta(minutes=5), tick=False):
            door.check_in_ticket(performance=performance, scanned=qr(ticket), door="Hall")
            dispatch_pending()
        run = JourneyRun.objects.get(contact_id=order.contact_id, journey__name=HOW_WAS_IT)
        with time_machine.travel(run.due_at + timedelta(minutes=1), tick=False):
            tick(django_capture_on_commit_callbacks)
        run.refresh_from_db()
        assert (run.status, run.outcome) == (JourneyRun.Status.SKIPPED, "no_consent")
        assert not [m for m in mail.outbox if "Alors" in m.subject]


def test_a_rescheduled_performance_moves_the_reminder(venue_a, scene):
    performance = scene
    with in_venue(venue_a):
        order = buy(performance)
        new_start = performance.starts_at + timedelta(days=7)
        programme.reschedule_performance(performance=performance, starts_at=new_start)
        dispatch_pending()
        run = JourneyRun.objects.get(contact_id=order.contact_id, journey__name=REMINDER)
        assert run.due_at == new_start - timedelta(days=3)
        assert run.status == JourneyRun.Status.SCHEDULED


def test_a_cancelled_performance_cancels_pending_steps(
    venue_a, scene, django_capture_on_commit_callbacks
):
    performance = scene
    with in_venue(venue_a):
        order = buy(performance)
        programme.cancel_performance(performance=performance, reason="Artiste malade")
        dispatch_pending()
        run = JourneyRun.objects.get(contact_id=order.contact_id, journey__name=REMINDER)
        assert (run.status, run.outcome) == (JourneyRun.Status.CANCELLED, "performance_cancelled")
        with time_machine.travel(performance.starts_at - timedelta(days=2), tick=False):
            tick(django_capture_on_commit_callbacks)
        assert mail.outbox == []


def test_a_refund_drops_the_reminder_of_that_order(venue_a, scene):
    performance = scene
    with in_venue(venue_a):
        order = buy(performance)
        orders.refund_order(order=order)
        dispatch_pending()
        run = JourneyRun.objects.get(contact_id=order.contact_id, journey__name=REMINDER)
        assert (run.status, run.outcome) == (JourneyRun.Status.CANCELLED, "order_refunded")


def test_two_orders_for_one_performance_one_reminder(venue_a, scene):
    performance = scene
    with in_venue(venue_a):
        first = buy(performance, "A1")
        second = buy(performance, "A2")
        assert first.contact_id == second.contact_id
        assert (
            JourneyRun.objects.filter(contact_id=first.contact_id, journey__name=REMINDER).count()
            == 1
        )
        # Refunding the first order keeps the reminder: the second still holds a ticket.
        orders.refund_order(order=first)
        dispatch_pending()
        run = JourneyRun.objects.get(contact_id=first.contact_id, journey__name=REMINDER)
        assert run.status == JourneyRun.Status.SCHEDULED
        assert run.order_id == second.pk
        assert Ticket.objects.filter(order=second, status=Ticket.Status.VALID).exists()


def test_a_switched_off_journey_enters_nobody(venue_a, scene):
    performance = scene
    with in_venue(venue_a):
        Journey.objects.filter(name=REMINDER).update(enabled=False)
        order = buy(performance)
        assert not JourneyRun.objects.filter(contact_id=order.contact_id).exists()


def test_a_late_booking_gets_no_late_reminder(venue_a, django_capture_on_commit_callbacks):
    with in_venue(venue_a):
        performance = build_performance(starts_in_days=1)
        demo.install_journeys(venue=venue_a)
        order = buy(performance)
        assert not JourneyRun.objects.filter(
            contact_id=order.contact_id, journey__name=REMINDER
        ).exists()
        assert timezone.now() < performance.starts_at


def test_a_regular_gets_the_plain_reminder(venue_a, scene, django_capture_on_commit_callbacks):
    performance = scene
    with in_venue(venue_a):
        order = buy(performance, "A4", email="habitue@example.fr")
        Contact.objects.filter(pk=order.contact_id).update(attendance_count=7)
        run = JourneyRun.objects.get(contact_id=order.contact_id, journey__name=REMINDER)
        with time_machine.travel(run.due_at + timedelta(minutes=1), tick=False):
            tick(django_capture_on_commit_callbacks)
        assert subjects() == ["Marie, rendez-vous dans trois jours pour Le Misanthrope"]
        assert "40 minutes" not in mail.outbox[0].body
