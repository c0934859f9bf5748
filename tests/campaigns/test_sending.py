"""Sending a campaign: the audience frozen at the start, batches, pause and resume, cancel,
SMTP errors (temporary: retried later with backoff; permanent: failed with the server's
words), the scheduler starting a campaign once."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from campaigns.models import Campaign, CommunicationSettings, Delivery
from campaigns.sending import engine, services
from campaigns.sending.errors import CampaignStateError, ScheduleInPast
from campaigns.sending.sink import FastSinkThread, SinkThread
from tenants.accounts.models import AuditEvent
from tests.crm.factories import ContactFactory
from tests.helpers import in_venue

from .sending_helpers import bulk_contacts, make_campaign

SITE = "https://alpha.test"
pytestmark = pytest.mark.django_db


def test_start_freezes_the_audience_with_consent_and_cap(venue_a, make_staff):
    staff = make_staff(venue_a)
    with in_venue(venue_a):
        CommunicationSettings.objects.create(cap_count=1, cap_days=30)
        ok = ContactFactory(email_consent=True, first_name="Léa")
        english = ContactFactory(email_consent=True, language="en")
        ContactFactory(email_consent=None)
        ContactFactory(email_consent=False)
        tired = ContactFactory(email_consent=True)
        earlier = make_campaign(name="Avant")
        Delivery.objects.create(campaign=earlier, contact=tired, email=tired.email)
        campaign = make_campaign()

        started = services.start_campaign(campaign_id=campaign.pk, actor=staff)

        assert started.status == Campaign.Status.SENDING
        assert (started.recipients, started.excluded_consent, started.excluded_cap) == (2, 2, 1)
        rows = {d.contact_id: d for d in Delivery.objects.filter(campaign=campaign)}
        assert set(rows) == {ok.pk, english.pk}
        assert rows[english.pk].language == "en"
        tokens = [d.token for d in rows.values()]
        assert len(set(tokens)) == 2 and all(len(t) == 22 for t in tokens)
        assert all(d.status == Delivery.Status.PENDING for d in rows.values())
        event = AuditEvent.objects.get(code="campaigns.campaign.started")
        assert event.object_id == campaign.pk and event.actor_id == staff.pk
        assert event.data["recipients"] == 2
        # Started once: a second start (a double click, a late scheduler tick) is refused.
        with pytest.raises(CampaignStateError):
            services.start_campaign(campaign_id=campaign.pk, actor=staff)
        # Someone who gives consent now is not added to a campaign already started.
        ContactFactory(email_consent=True)
        assert Delivery.objects.filter(campaign=campaign).count() == 2


def test_the_freeze_is_one_statement_whatever_the_audience(venue_a, django_assert_max_num_queries):
    with in_venue(venue_a):
        bulk_contacts(300)
        campaign = make_campaign()
        with django_assert_max_num_queries(12):
            services.start_campaign(campaign_id=campaign.pk, actor=None)
        assert Delivery.objects.filter(campaign=campaign).count() == 300


def test_an_empty_audience_is_sent_at_once(venue_a):
    with in_venue(venue_a):
        campaign = make_campaign()
        campaign = services.start_campaign(campaign_id=campaign.pk, actor=None)
        assert campaign.status == Campaign.Status.SENT and campaign.recipients == 0


def test_batches_send_everyone_once_in_their_language(venue_a, monkeypatch):
    monkeypatch.setattr(engine, "BATCH_SIZE", 4)
    with in_venue(venue_a):
        bulk_contacts(9)
        ContactFactory(email_consent=True, language="en", first_name="Ann")
        campaign = make_campaign()
        services.start_campaign(campaign_id=campaign.pk, actor=None)

        stats = engine.send_batches(campaign_id=campaign.pk, site=SITE)

        assert (stats.sent, stats.batches) == (10, 3)
        assert len(mail.outbox) == 10
        assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 10
        subjects = sorted(m.subject for m in mail.outbox)
        assert "Hello Ann" in subjects and "Bonjour Prénom0, la saison s'ouvre" in subjects
        assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.SENT and campaign.finished_at
        # Nothing is sent twice: a late task finds nothing to claim.
        assert engine.send_batches(campaign_id=campaign.pk, site=SITE).sent == 0
        assert len(mail.outbox) == 10


def test_pause_stops_after_the_current_batch_and_resume_continues(venue_a, monkeypatch):
    monkeypatch.setattr(engine, "BATCH_SIZE", 2)
    with in_venue(venue_a):
        bulk_contacts(5)
        campaign = make_campaign()
        services.start_campaign(campaign_id=campaign.pk, actor=None)

        def pause_once():
            if Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENDING:
                services.pause_campaign(campaign_id=campaign.pk, actor=None)

        stats = engine.send_batches(campaign_id=campaign.pk, site=SITE, on_batch=pause_once)
        assert stats.sent == 2  # the batch in hand went out, no other was claimed
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.PAUSED
        assert Delivery.objects.filter(status="pending").count() == 3
        with pytest.raises(CampaignStateError):
            services.pause_campaign(campaign_id=campaign.pk, actor=None)

        services.resume_campaign(campaign_id=campaign.pk, actor=None)
        assert engine.send_batches(campaign_id=campaign.pk, site=SITE).sent == 3
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.SENT
        assert len(mail.outbox) == 5
        codes = set(AuditEvent.objects.values_list("code", flat=True))
        assert {"campaigns.campaign.paused", "campaigns.campaign.resumed"} <= codes


def test_cancel_skips_what_was_not_sent(venue_a):
    with in_venue(venue_a):
        bulk_contacts(4)
        campaign = make_campaign()
        services.start_campaign(campaign_id=campaign.pk, actor=None)
        campaign = services.cancel_campaign(campaign_id=campaign.pk, actor=None)
        assert campaign.status == Campaign.Status.CANCELLED
        assert set(Delivery.objects.values_list("status", flat=True)) == {"skipped"}
        assert engine.send_batches(campaign_id=campaign.pk, site=SITE).sent == 0
        assert mail.outbox == []
        with pytest.raises(CampaignStateError):
            services.resume_campaign(campaign_id=campaign.pk, actor=None)


@pytest.mark.parametrize("sink_class", [SinkThread, FastSinkThread], ids=["plain", "pipelining"])
def test_smtp_errors_temporary_retried_with_backoff_permanent_failed(venue_a, settings, sink_class):
    refuse = {
        "full@example.fr": "452 4.2.2 Mailbox full, try later",
        "gone@example.fr": "550 5.1.1 No such user here",
    }
    with sink_class(refuse=refuse) as sink, in_venue(venue_a):
        settings.PARTERRE_BULK_EMAIL_URL = sink.url
        ok = ContactFactory(email="ok@example.fr", email_consent=True)
        full = ContactFactory(email="full@example.fr", email_consent=True)
        gone = ContactFactory(email="gone@example.fr", email_consent=True)
        campaign = make_campaign()
        services.start_campaign(campaign_id=campaign.pk, actor=None)

        stats = engine.send_batches(campaign_id=campaign.pk, site=SITE)
        assert (stats.sent, stats.retried, stats.failed) == (1, 1, 1)
        rows = {d.contact_id: d for d in Delivery.objects.all()}
        assert rows[ok.pk].status == "sent"
        assert rows[gone.pk].status == "failed"
        assert rows[gone.pk].error == "550 5.1.1 No such user here"
        later = rows[full.pk]
        assert (later.status, later.attempts) == ("pending", 1)
        assert later.error.startswith("452")
        assert (
            timedelta(seconds=50)
            < later.next_attempt_at - timezone.now()
            < timedelta(minutes=1, seconds=5)
        )
        # Not before its time; the campaign waits for it.
        assert engine.send_batches(campaign_id=campaign.pk, site=SITE).sent == 0
        assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENDING
        # Each new refusal doubles the pause (1 min, 2, 4, 8), then the row fails for good.
        pauses = []
        with time_machine.travel(timezone.now(), tick=True) as clock:
            for _ in range(engine.MAX_ATTEMPTS - 1):
                clock.shift(timedelta(hours=1))
                engine.send_batches(campaign_id=campaign.pk, site=SITE)
                later.refresh_from_db()
                if later.status == "pending":
                    pauses.append(round((later.next_attempt_at - timezone.now()).seconds / 60))
        assert pauses == [2, 4, 8]
        assert (later.status, later.attempts) == ("failed", engine.MAX_ATTEMPTS)
        assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENT
        assert sink.handler.received == 1


def test_the_mail_server_away_puts_the_batch_back_untouched(venue_a, settings):
    from campaigns.sending.sink import free_port

    settings.PARTERRE_BULK_EMAIL_URL = f"smtp://127.0.0.1:{free_port()}"  # nobody listens
    with in_venue(venue_a):
        bulk_contacts(3)
        campaign = make_campaign()
        services.start_campaign(campaign_id=campaign.pk, actor=None)
        with pytest.raises(OSError):
            engine.send_batches(campaign_id=campaign.pk, site=SITE)
        rows = Delivery.objects.all()
        assert {(d.status, d.attempts) for d in rows} == {("pending", 0)}
        assert all(d.next_attempt_at > timezone.now() for d in rows)


def test_schedule_then_the_periodic_task_starts_it_once(venue_a, make_staff):
    staff = make_staff(venue_a)
    with in_venue(venue_a):
        bulk_contacts(3)
        campaign = make_campaign()
        with pytest.raises(ScheduleInPast):
            services.schedule_campaign(
                campaign_id=campaign.pk, when=timezone.now() - timedelta(hours=1), actor=staff
            )
        when = timezone.now() + timedelta(hours=2)
        services.schedule_campaign(campaign_id=campaign.pk, when=when, actor=staff)
        assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SCHEDULED
        assert services.start_due_campaigns() == 0
        later = when + timedelta(seconds=30)
        with time_machine.travel(later, tick=False):
            assert services.start_due_campaigns() == 1
            assert services.start_due_campaigns() == 0
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.SENDING and campaign.recipients == 3
        assert AuditEvent.objects.filter(code="campaigns.campaign.started").count() == 1
        assert Delivery.objects.count() == 3


def test_sweep_requeues_claims_of_dead_workers_and_finishes(venue_a, monkeypatch):
    kicked = []
    monkeypatch.setattr(engine, "_send_tasks", lambda pk, schema: kicked.append((pk, schema)))
    with in_venue(venue_a):
        bulk_contacts(3)
        campaign = make_campaign()
        services.start_campaign(campaign_id=campaign.pk, actor=None)
        claimed = engine.claim_batch(campaign_id=campaign.pk, limit=2)
        assert len(claimed) == 2
        # The worker died: its rows stay its own until the lease runs out (the third row
        # waits: a sender is asked for, in a free place if there is one)…
        assert engine.sweep_sending() == {"requeued": 0, "skipped": 0, "finished": 0, "kicked": 1}
        # …then its rows are pending again.
        later = timezone.now() + engine.LEASE + timedelta(seconds=1)
        assert engine.sweep_sending(now=later)["requeued"] == 2
        assert kicked == [(campaign.pk, venue_a.schema_name)] * 2
        assert Delivery.objects.filter(status="pending").count() == 3
        engine.send_batches(campaign_id=campaign.pk, site=SITE)
        assert engine.sweep_sending()["finished"] == 0  # send_batches already finished it
        assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENT


def test_a_single_delivery_refused_is_recorded_then_raised(venue_a, settings):
    import smtplib

    refuse = {"gone@example.fr": "550 5.1.1 No such user here"}
    with SinkThread(refuse=refuse) as sink, in_venue(venue_a):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        gone = ContactFactory(email="gone@example.fr")
        delivery = Delivery.objects.create(
            campaign=make_campaign(kind="journey"), contact=gone, email=gone.email
        )
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            services.deliver(delivery_id=delivery.pk, site=SITE)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.error) == ("failed", "550 5.1.1 No such user here")
