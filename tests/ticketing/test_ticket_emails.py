"""The confirmation email: sent from the order-confirmed event's consumer after the commit,
with the PDF tickets and an .ics, in the buyer's language; exactly once per order, a worker
crash at each point simulated; sent again from the back office and the API."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone
from icalendar import Calendar

from tenants.accounts.models import AuditEvent, User
from tenants.events.models import Event
from tenants.events.services.dispatch import dispatch_pending
from tests.helpers import in_venue
from ticketing.models import OrderEmail
from ticketing.services import tickets as ticket_services
from ticketing.tickets import emails as ticket_emails
from ticketing.tickets import keys
from ticketing.tickets.payload import verify_ticket_payload

from .tickets_helpers import decode_qr, pdf_pages_as_png, sell

pytestmark = pytest.mark.django_db


class WorkerDied(BaseException):
    """A worker process killed mid-task: nothing after this point runs (not an Exception,
    so no `except Exception` of the code under test sees it)."""


@pytest.fixture(autouse=True)
def _only_this_tests_events(venue_a, venue_b):
    """Events other tests committed are not this test's (they count as dispatched here)."""
    for venue in (venue_a, venue_b):
        with in_venue(venue):
            Event.objects.filter(dispatched_at__isnull=True).update(dispatched_at=timezone.now())


@pytest.fixture
def sent_tasks(monkeypatch):
    """The send task's messages, kept instead of going to the broker."""
    sent = []
    monkeypatch.setattr(
        ticket_services,
        "send_task",
        lambda name, args, headers: sent.append((name, list(args), headers)),
    )
    return sent


@pytest.fixture
def worker(sent_tasks):
    """Runs the task messages sent so far, as a worker would (in the schema they name)."""

    def run() -> list[str]:
        results = []
        while sent_tasks:
            name, args, headers = sent_tasks.pop(0)
            assert name == "ticketing.send_order_email"
            assert headers["_schema_name"] == connection.schema_name
            results.append(ticket_services.deliver_order_email(email_id=args[0]))
        return results

    return run


def _confirm_and_dispatch(django_capture_on_commit_callbacks, performance, *labels, **buyer):
    with django_capture_on_commit_callbacks(execute=True):
        order = sell(performance, *labels, **buyer)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_pending()
    return order


def test_the_confirmation_goes_out_once_with_pdf_and_ics(
    venue_a, performance, worker, django_capture_on_commit_callbacks
):
    with in_venue(venue_a):
        order = _confirm_and_dispatch(django_capture_on_commit_callbacks, performance, "A1", "A2")
        assert worker() == ["sent"]
        email = OrderEmail.objects.get(order=order)
        assert (email.kind, email.status, email.attempts) == ("confirmation", "sent", 1)
        public_key = keys.signing_key().public_key
        tickets = list(order.tickets.order_by("id"))
        assert AuditEvent.objects.filter(
            code="ticketing.order.tickets_emailed", object_id=order.pk
        ).exists()
    (message,) = mail.outbox
    assert message.to == ["marie.curie@example.fr"]
    assert "Le Misanthrope" in message.subject and order.reference in message.body
    assert message.extra_headers["Message-ID"] == email.message_id
    html = message.alternatives[0][0]
    for ticket in tickets:
        assert f"/t/{ticket.code}/" in message.body and f"/t/{ticket.code}/" in html
    names = {name: (content, mime) for name, content, mime in message.attachments}
    pdf, mime = names[f"tickets-{order.reference}.pdf"]
    assert mime == "application/pdf"
    decoded = [decode_qr(page)[0] for page in pdf_pages_as_png(pdf, dpi=100)]
    assert sorted(verify_ticket_payload(t, public_key).ticket_id for t in decoded) == [
        t.pk for t in tickets
    ]
    ics, mime = names[f"{order.reference}.ics"]
    assert mime == "text/calendar"
    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["summary"]) == "Le Misanthrope"
    assert event.decoded("dtstart") == performance.starts_at.replace(microsecond=0)
    # Dispatching again (a redelivered event) or the consumer running again sends nothing.
    with in_venue(venue_a):
        dispatch_pending()
        ticket_services.queue_confirmation_email(order_id=order.pk)
        assert worker() == []
        assert OrderEmail.objects.filter(order=order).count() == 1
    assert len(mail.outbox) == 1


def test_french_by_default_and_the_buyers_language_otherwise(
    venue_a, performance, worker, django_capture_on_commit_callbacks
):
    with in_venue(venue_a):
        _confirm_and_dispatch(django_capture_on_commit_callbacks, performance, "A1")
        _confirm_and_dispatch(
            django_capture_on_commit_callbacks,
            performance,
            "A2",
            email="john@example.com",
            language="en",
        )
        worker()
    french, english = mail.outbox
    months_fr = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                 "septembre", "octobre", "novembre", "décembre")  # fmt: skip
    assert any(month in french.body for month in months_fr)
    assert not any(month in english.body for month in months_fr)
    assert "Your tickets for" in english.subject


def test_no_email_for_an_anonymous_counter_sale(
    venue_a, performance, worker, django_capture_on_commit_callbacks
):
    with in_venue(venue_a):
        _confirm_and_dispatch(django_capture_on_commit_callbacks, performance, "A1", email="")
        assert worker() == [] and not OrderEmail.objects.exists()
    assert mail.outbox == []


def test_the_share_link_block_is_empty_until_a_provider_fills_it(
    venue_a, performance, worker, django_capture_on_commit_callbacks, monkeypatch
):
    with in_venue(venue_a):
        _confirm_and_dispatch(django_capture_on_commit_callbacks, performance, "A1")
        worker()
        monkeypatch.setattr(
            ticket_emails, "SHARE_URL_PROVIDERS", [lambda order: f"https://x.test/r/{order.pk}"]
        )
        order = _confirm_and_dispatch(
            django_capture_on_commit_callbacks, performance, "A2", email="b@example.fr"
        )
        worker()
    without, with_share = mail.outbox
    assert "/r/" not in without.body and "/r/" not in without.alternatives[0][0]
    assert f"https://x.test/r/{order.pk}" in with_share.body
    assert f"https://x.test/r/{order.pk}" in with_share.alternatives[0][0]


# --- Exactly once when a worker dies ---------------------------------------------------------
def test_a_worker_dying_after_the_claim_but_before_sending_is_retried_after_the_lease(
    venue_a, performance, worker, sent_tasks, django_capture_on_commit_callbacks, monkeypatch
):
    with in_venue(venue_a):
        order = _confirm_and_dispatch(django_capture_on_commit_callbacks, performance, "A1")

        def die(*args, **kwargs):
            raise WorkerDied

        with monkeypatch.context() as patch:
            patch.setattr("django.core.mail.EmailMultiAlternatives.send", die)
            with pytest.raises(WorkerDied):
                worker()
        email = OrderEmail.objects.get(order=order)
        assert email.status == "sending" and mail.outbox == []
        # The message delivered again at once (acks_late): the claim is still someone's.
        assert ticket_services.deliver_order_email(email_id=email.pk) == "skipped"
        assert ticket_services.due_order_email_ids() == []
        with time_machine.travel(
            timezone.now() + ticket_services.CLAIM_LEASE + timedelta(seconds=1)
        ):
            assert ticket_services.retry_order_emails() == 1  # the sweep
            assert worker() == ["sent"]
        email.refresh_from_db()
        assert (email.status, email.attempts) == ("sent", 2)
    assert len(mail.outbox) == 1


def test_a_worker_dying_after_the_email_was_marked_sent_sends_nothing_again(
    venue_a, performance, worker, sent_tasks, django_capture_on_commit_callbacks, monkeypatch
):
    with in_venue(venue_a):
        order = _confirm_and_dispatch(django_capture_on_commit_callbacks, performance, "A1")
        (task,) = list(sent_tasks)
        assert worker() == ["sent"]  # then the worker dies before acknowledging the message:
        sent_tasks.append(task)  # the broker delivers it again
        assert worker() == ["skipped"]
        with time_machine.travel(timezone.now() + timedelta(hours=2)):
            assert ticket_services.retry_order_emails() == 0
        assert OrderEmail.objects.get(order=order).status == "sent"
    assert len(mail.outbox) == 1


def test_the_window_between_smtp_and_the_commit_sends_again_with_the_same_message_id(
    venue_a, performance, worker, django_capture_on_commit_callbacks, monkeypatch
):
    """The trade-off (ticketing/services/tickets.py): no process can know whether a message
    accepted by the SMTP server just before a crash left; it is sent again (at least once),
    as the same message (same Message-ID), which mail stores show once."""
    with in_venue(venue_a):
        order = _confirm_and_dispatch(django_capture_on_commit_callbacks, performance, "A1")

        def die(**kwargs):
            raise WorkerDied

        with monkeypatch.context() as patch:
            patch.setattr(ticket_services, "mark_order_email_sent", die)
            with pytest.raises(WorkerDied):
                worker()
        assert len(mail.outbox) == 1
        with time_machine.travel(
            timezone.now() + ticket_services.CLAIM_LEASE + timedelta(seconds=1)
        ):
            ticket_services.retry_order_emails()
            assert worker() == ["sent"]
        assert OrderEmail.objects.get(order=order).status == "sent"
    first, again = mail.outbox
    assert first.extra_headers["Message-ID"] == again.extra_headers["Message-ID"]


def test_an_smtp_error_is_retried_then_given_up(
    venue_a, performance, worker, django_capture_on_commit_callbacks, monkeypatch
):
    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    with in_venue(venue_a):
        order = _confirm_and_dispatch(django_capture_on_commit_callbacks, performance, "A1")
        assert worker() == ["error"]
        email = OrderEmail.objects.get(order=order)
        assert email.status == "pending" and "connection refused" in email.last_error
        assert ticket_services.retry_order_emails() == 0  # not at once: after a pause
        later = timezone.now()
        for attempt in range(1, ticket_services.MAX_ATTEMPTS):
            later += ticket_services.retry_delay(attempt) + timedelta(seconds=1)
            with time_machine.travel(later):
                assert ticket_services.retry_order_emails() == 1
                worker()
        assert [ticket_services.retry_delay(n).seconds // 60 for n in (1, 2, 3, 7, 9)] == [
            1, 2, 4, 60, 60
        ]  # fmt: skip
        email.refresh_from_db()
        assert (email.status, email.attempts) == ("failed", ticket_services.MAX_ATTEMPTS)
        with time_machine.travel(later + timedelta(hours=1)):
            assert ticket_services.retry_order_emails() == 0


def test_a_lost_task_message_is_sent_by_the_sweep(
    venue_a, performance, worker, sent_tasks, django_capture_on_commit_callbacks
):
    with in_venue(venue_a):
        _confirm_and_dispatch(django_capture_on_commit_callbacks, performance, "A1")
        sent_tasks.clear()  # the broker lost it
        assert ticket_services.retry_order_emails() == 0  # too fresh: its task may be on the way
        with time_machine.travel(timezone.now() + timedelta(minutes=1)):
            assert ticket_services.retry_order_emails() == 1
            assert worker() == ["sent"]
    assert len(mail.outbox) == 1


# --- Sending again ---------------------------------------------------------------------------
def test_staff_send_the_tickets_again_from_the_order_page(
    venue_a,
    venue_b,
    performance,
    worker,
    make_staff,
    client_for,
    django_capture_on_commit_callbacks,
):
    with in_venue(venue_a):
        order = sell(performance, "A1")
    box_office = client_for(venue_a, make_staff(venue_a, User.Role.BOX_OFFICE))
    with django_capture_on_commit_callbacks(execute=True):
        response = box_office.post(
            f"/backoffice/tickets/orders/{order.pk}/resend/", {"to": "friend@example.org"}
        )
    assert response.status_code == 302
    with in_venue(venue_a):
        assert worker() == ["sent"]
        assert AuditEvent.objects.filter(
            code="ticketing.order.tickets_resent", object_id=order.pk
        ).exists()
    (message,) = mail.outbox
    assert message.to == ["friend@example.org"] and message.attachments
    page = box_office.get(f"/backoffice/orders/{order.pk}/")
    assert b"friend@example.org" in page.content
    reader = client_for(venue_a, make_staff(venue_a, User.Role.READ_ONLY))
    assert reader.post(f"/backoffice/tickets/orders/{order.pk}/resend/").status_code == 403
    other = client_for(venue_b, make_staff(venue_b, User.Role.ADMIN))
    assert other.post(f"/backoffice/tickets/orders/{order.pk}/resend/").status_code == 404


def test_the_api_sends_the_tickets_again(
    venue_a, performance, api, worker, django_capture_on_commit_callbacks
):
    with in_venue(venue_a):
        order = sell(performance, "A1")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/orders/{order.reference}/resend/", {}, content_type="application/json"
        )
    assert response.status_code == 202, response.content
    assert response.json()["kind"] == "resend"
    with in_venue(venue_a):
        assert worker() == ["sent"]
    assert mail.outbox[0].to == ["marie.curie@example.fr"]
    bad = api.post(
        f"/api/v1/orders/{order.reference}/resend/",
        {"to": "not an email"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert (
        api.post("/api/v1/orders/NOPE1234/resend/", {}, content_type="application/json").status_code
        == 404
    )


def test_nothing_to_send_for_a_refunded_order(venue_a, performance, api):
    from ticketing.services import orders

    with in_venue(venue_a):
        order = sell(performance, "A1")
        orders.refund_order(order=order)
    response = api.post(
        f"/api/v1/orders/{order.reference}/resend/", {}, content_type="application/json"
    )
    assert response.status_code == 400


def test_no_confirmation_for_an_old_order_or_a_past_performance(
    venue_a, performance, worker, django_capture_on_commit_callbacks
):
    """Back-dated orders (the demo's) or an event dispatched a day late send nothing."""
    from ticketing.models import Order

    with in_venue(venue_a):
        order = sell(performance, "A1")
        Order.objects.filter(pk=order.pk).update(paid_at=timezone.now() - timedelta(hours=25))
        assert ticket_services.queue_confirmation_email(order_id=order.pk) is None
        with time_machine.travel(performance.starts_at + timedelta(minutes=1)):
            Order.objects.filter(pk=order.pk).update(paid_at=timezone.now())  # paid just now
            assert ticket_services.queue_confirmation_email(order_id=order.pk) is None
        Order.objects.filter(pk=order.pk).update(paid_at=timezone.now())
        assert ticket_services.queue_confirmation_email(order_id=order.pk) is not None


def test_the_email_builds_with_a_bare_schema_context_too(venue_a, performance):
    """A task run with `schema_context` only (no Venue on the connection) still finds it."""
    from django_tenants.utils import schema_context

    from ticketing.tickets.emails import build_order_email

    with in_venue(venue_a):
        order = sell(performance, "A1")
    with schema_context(venue_a.schema_name):
        message = build_order_email(
            OrderEmail(order=order, kind="confirmation", message_id="<x@y>")
        )
    assert "Théâtre Alpha" in message.subject and len(message.attachments) == 2


def test_the_tasks_and_the_sweep_are_wired():
    from celery import current_app

    import ticketing.tasks  # noqa: F401 (registers the tasks)

    assert {"ticketing.send_order_email", "ticketing.retry_order_emails"} <= set(current_app.tasks)
    from django.conf import settings

    assert settings.PARTERRE_VENUE_PERIODIC_TASKS["ticketing.retry_order_emails"]["every"] == 60
    assert ticket_services.SEND_TASK == "ticketing.send_order_email"
