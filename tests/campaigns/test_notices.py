"""Programme-change notices: every ticket holder told once by email (and SMS with consent),
with what happens to their ticket; refunded holders not told; two venues isolated."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext

from campaigns.models import Campaign, Delivery, TrackedLink
from campaigns.notices import services as notice_services
from campaigns.notices.consumers import on_programme_change
from campaigns.notices.models import NoticeSms, ProgrammeNotice
from crm.models import Contact
from tenants import sms
from tenants.accounts.models import User
from tenants.events.models import Event
from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance
from tests.ticketing.tickets_helpers import sell
from ticketing.models import Order
from ticketing.services import programme
from ticketing.services.orders.aftersale import refund_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_tasks(monkeypatch):
    sent = []
    monkeypatch.setattr(
        notice_services, "send_task", lambda name, args, headers: sent.append((name, args, headers))
    )
    return sent


@pytest.fixture
def run_tasks(sent_tasks):
    def run():
        while sent_tasks:
            name, args, headers = sent_tasks.pop(0)
            assert headers["_schema_name"] == connection.schema_name
            if name == notice_services.EMAIL_TASK:
                notice_services.send_notice_emails(notice_id=args[0])
            else:
                notice_services.send_notice_sms(notice_id=args[0])

    return run


@pytest.fixture(autouse=True)
def _sms_outbox(settings):
    settings.PARTERRE_SMS_BACKEND = "locmem"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def _event(code: str) -> Event:
    return Event.objects.filter(code=code).latest("id")


def _consume(event, django_capture_on_commit_callbacks, run_tasks):
    with django_capture_on_commit_callbacks(execute=True):
        on_programme_change(event)
    run_tasks()


def test_a_cancellation_tells_every_holder_once(
    venue_a, django_capture_on_commit_callbacks, run_tasks
):
    with in_venue(venue_a):
        performance = build_performance()
        sell(performance, "A1", "A2")
        sell(performance, "A3", email="john@example.com", language="en")
        refunded = sell(performance, "A4", email="gone@example.fr")
        refund_order(order=refunded)
        Contact.objects.filter(email="marie.curie@example.fr").update(
            phone="+33612345678", sms_consent=True
        )
        Contact.objects.filter(email="john@example.com").update(phone="+447700900123")
        programme.cancel_performance(performance=performance, reason="Artiste malade")
        event = _event("ticketing.performance.cancelled")
        _consume(event, django_capture_on_commit_callbacks, run_tasks)
        # Redelivered (the consumer run again): nobody is told twice.
        _consume(event, django_capture_on_commit_callbacks, run_tasks)
        notice = ProgrammeNotice.objects.get()
        assert (notice.kind, notice.holders) == ("cancelled", 2)
        assert Campaign.objects.get().kind == "notice" and not Campaign.objects.get().marketing
        assert Delivery.objects.filter(status="sent").count() == 2
        assert NoticeSms.objects.get().status == "sent"
        # The programme's record of the change says when its holders were told.
        change = performance.changes.get()
        assert change.notified_at == Campaign.objects.get().finished_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == ["john@example.com", "marie.curie@example.fr"]
    french = next(m for m in mail.outbox if m.to == ["marie.curie@example.fr"])
    english = next(m for m in mail.outbox if m.to == ["john@example.com"])
    # French by default, the contact's language where the notice has it; the French words
    # are the catalogue's (po/surveys.json until merged), the date is Django's own French.
    with translation.override("fr"):
        refund = gettext(
            "Your ticket will be refunded, or exchanged for another date if you "
            "prefer. Find your booking in your spectator space, or contact the box "
            "office%(phone)s."
        )
        hello = gettext("Hello {{first_name}},").replace("{{first_name}}", "Marie")
    assert "Le Misanthrope" in french.subject and "Le Misanthrope" in english.subject
    assert refund[:30] in french.body and hello in french.body
    days_fr = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
    assert any(day in french.subject for day in days_fr)
    assert not any(day in english.subject for day in days_fr)
    assert "refunded" in english.body
    # The way to their booking: the spectator space, through a tracked link.
    with in_venue(venue_a):
        (link,) = TrackedLink.objects.all()
    assert link.url.endswith("/space/") and "/m/c/" in french.body
    (text,) = sms.outbox
    assert text.to == "+33612345678" and text.venue == venue_a.schema_name
    assert "/space/" in text.body


def test_a_new_date_in_the_venue_time_zone(venue_a, django_capture_on_commit_callbacks, run_tasks):
    with in_venue(venue_a):
        performance = build_performance()
        sell(performance, "A1")
        paris = ZoneInfo("Europe/Paris")
        new_start = datetime(2031, 3, 14, 20, 30, tzinfo=paris)  # 19:30 UTC
        programme.reschedule_performance(performance=performance, starts_at=new_start)
        _consume(
            _event("ticketing.performance.rescheduled"),
            django_capture_on_commit_callbacks,
            run_tasks,
        )
    (message,) = mail.outbox
    # 20:30 in Paris (19:30 UTC), said in French.
    assert "vendredi 14 mars 2031" in message.subject and "20:30" in message.subject
    with translation.override("fr"):
        valid = gettext(
            "Your ticket stays valid for the new date: you need do nothing. If the new "
            "date does not suit you, ask for a refund from your spectator space or at "
            "the box office%(phone)s."
        )
    assert valid[:25] in message.body.replace("\n", " ")
    assert not sms.outbox  # no consent, no text message


def test_holders_of_a_companion_ticket_and_two_venues(
    venue_a, venue_b, django_capture_on_commit_callbacks, run_tasks
):
    with in_venue(venue_b):
        other = build_performance()
        sell(other, "A1", email="beta@example.fr")
    with in_venue(venue_a):
        performance = build_performance()
        order = sell(performance, "A1", "A2")
        friend = Contact.objects.create(first_name="Ami", email="ami@example.fr")
        ticket = order.tickets.order_by("id").last()
        ticket.holder_contact = friend
        ticket.save(update_fields=["holder_contact"])
        assert len(notice_services.holders_of(performance.pk)) == 2
        programme.cancel_performance(performance=performance)
        _consume(
            _event("ticketing.performance.cancelled"), django_capture_on_commit_callbacks, run_tasks
        )
    assert sorted(m.to[0] for m in mail.outbox) == ["ami@example.fr", "marie.curie@example.fr"]
    with in_venue(venue_b):
        assert not ProgrammeNotice.objects.exists()
        assert Order.objects.count() == 1


def test_staff_see_the_notices(
    venue_a, venue_b, make_staff, client_for, django_capture_on_commit_callbacks, run_tasks
):
    with in_venue(venue_a):
        performance = build_performance()
        sell(performance, "A1")
        programme.cancel_performance(performance=performance)
        _consume(
            _event("ticketing.performance.cancelled"), django_capture_on_commit_callbacks, run_tasks
        )
    page = client_for(venue_a, make_staff(venue_a, User.Role.COMMUNICATION)).get(
        "/backoffice/campaigns/notices/"
    )
    assert page.status_code == 200 and "Le Misanthrope" in page.content.decode()
    other = client_for(venue_b, make_staff(venue_b, User.Role.COMMUNICATION))
    assert "Le Misanthrope" not in other.get("/backoffice/campaigns/notices/").content.decode()


def test_the_consumer_is_registered_with_the_outbox(
    venue_a, django_capture_on_commit_callbacks, run_tasks
):
    from tenants.events.services.dispatch import dispatch_pending

    with in_venue(venue_a):
        Event.objects.filter(dispatched_at__isnull=True).update(dispatched_at=timezone.now())
        performance = build_performance()
        sell(performance, "A1")
        with django_capture_on_commit_callbacks(execute=True):
            programme.cancel_performance(performance=performance)
        with django_capture_on_commit_callbacks(execute=True):
            dispatch_pending()
        with django_capture_on_commit_callbacks(execute=True):
            dispatch_pending()  # nothing left: the receipt says it was handled
        run_tasks()
        assert ProgrammeNotice.objects.get().performance_id == performance.pk
    assert len(mail.outbox) == 1


def test_the_notice_list_reads_in_a_few_queries(
    venue_a, make_staff, client_for, django_assert_max_num_queries, sent_tasks
):
    with in_venue(venue_a):
        for n in range(3):
            performance = build_performance(name=f"Salle {n}")
            sell(performance, "A1")
            programme.cancel_performance(performance=performance)
            on_programme_change(_event("ticketing.performance.cancelled"))
    client = client_for(venue_a, make_staff(venue_a, User.Role.COMMUNICATION))
    client.get("/backoffice/campaigns/notices/")
    with django_assert_max_num_queries(10):
        page = client.get("/backoffice/campaigns/notices/")
    assert page.content.decode().count("Le Misanthrope") == 3
