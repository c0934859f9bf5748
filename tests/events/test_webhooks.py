"""Outgoing webhooks: a receiver gets a signed POST it can verify with the documented scheme,
a failing receiver is retried with backoff and then given up, a delivery can be sent again by
hand, the SSRF guard keeps requests away from loopback and private addresses, and a venue's
events never reach another venue's endpoints."""

import hashlib
import hmac
import json
import socket
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from tenants.errors import ValidationFailed
from tenants.events import services, transport
from tenants.events.models import WebhookDelivery, WebhookEndpoint
from tenants.events.selectors import due_delivery_ids
from tenants.events.services.dispatch import dispatch_pending
from tenants.events.services.webhooks import (
    clean_url,
    create_webhook_endpoint,
    deliver_webhook,
    resend_webhook_delivery,
)
from tests.helpers import committed, in_venue

pytestmark = pytest.mark.django_db
Status = WebhookDelivery.Status


def verify_signature(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """The receiver's check, as docs/api.md shows it (written here independently of the
    code that signs)."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    timestamp = int(fields["t"])
    if abs(time.time() - timestamp) > tolerance:
        return False
    signed = f"{timestamp}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


def _order_confirmed(order_id: int = 42):
    return services.publish(
        code="ticketing.order.confirmed",
        key=f"order:{order_id}",
        data={"order_id": order_id, "reference": "K7Q2M", "total_cents": 4900},
    )


def test_a_receiver_gets_a_signed_post_it_can_verify(venue_a, local_webhooks, receiver):
    with in_venue(venue_a):
        endpoint = create_webhook_endpoint(url=receiver.url, event_codes=["ticketing.order.*"])
        event = _order_confirmed()
        services.publish(code="crm.contact.created", key="contact:1", data={"contact_id": 1})
        dispatch_pending()
        delivery = WebhookDelivery.objects.get()  # the contact event was not chosen
        assert (delivery.endpoint, delivery.event, delivery.status) == (endpoint, event, "pending")
        deliver_webhook(delivery_id=delivery.pk)
        delivery.refresh_from_db()
    (request,) = receiver.requests
    assert request.path == "/hooks/parterre"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Parterre-Event-Id"] == str(event.pk)
    assert verify_signature(endpoint.secret, request.headers["Parterre-Signature"], request.body)
    assert not verify_signature("whsec_other", request.headers["Parterre-Signature"], request.body)
    assert not verify_signature(
        endpoint.secret, request.headers["Parterre-Signature"], request.body + b" "
    )
    assert transport.verify(endpoint.secret, request.body, request.headers["Parterre-Signature"])
    body = request.json()
    assert body == {
        "id": event.pk,
        "code": "ticketing.order.confirmed",
        "version": 1,
        "occurred_at": event.occurred_at.isoformat(),
        "venue": "alpha",
        "data": {"order_id": 42, "reference": "K7Q2M", "total_cents": 4900},
    }
    assert (delivery.status, delivery.last_status_code, delivery.attempts) == (
        Status.SUCCEEDED,
        204,
        1,
    )
    with in_venue(venue_a):
        assert deliver_webhook(delivery_id=delivery.pk) is None  # delivered: not sent again
    assert len(receiver.requests) == 1


def test_disabled_endpoints_and_unchosen_codes_get_nothing(venue_a, local_webhooks, receiver):
    with in_venue(venue_a):
        create_webhook_endpoint(url=receiver.url, event_codes=["*"], active=False)
        create_webhook_endpoint(url=receiver.url, event_codes=["crm.contact.updated"])
        _order_confirmed()
        dispatch_pending()
        assert not WebhookDelivery.objects.exists()


def test_a_failing_receiver_is_retried_with_backoff_then_given_up(
    venue_a, local_webhooks, receiver
):
    receiver.status = 500
    with in_venue(venue_a):
        create_webhook_endpoint(url=receiver.url, event_codes=["ticketing.order.confirmed"])
        _order_confirmed()
        dispatch_pending()
        delivery = WebhookDelivery.objects.get()
        delays = []
        start = timezone.now()
        with time_machine.travel(start, tick=False) as clock:
            for _attempt in range(8):
                assert due_delivery_ids() == [delivery.pk]
                deliver_webhook(delivery_id=delivery.pk)
                delivery.refresh_from_db()
                assert (delivery.status, delivery.last_status_code) == (Status.FAILED, 500)
                assert delivery.last_error.startswith("HTTP 500")
                delays.append((delivery.next_attempt_at - timezone.now()).total_seconds() / 60)
                assert deliver_webhook(delivery_id=delivery.pk) is None  # not due yet
                assert due_delivery_ids() == []
                clock.move_to(delivery.next_attempt_at)
            assert delays == [1, 2, 4, 8, 16, 32, 60, 60]
            assert delivery.attempts == 8
            clock.move_to(start + timedelta(hours=24, minutes=1))
            deliver_webhook(delivery_id=delivery.pk)
            delivery.refresh_from_db()
            assert delivery.status == Status.GIVEN_UP
            assert due_delivery_ids() == []
            # Sent again by hand: a new series, and this time the receiver answers.
            receiver.status = 200
            resend_webhook_delivery(delivery=delivery)
            deliver_webhook(delivery_id=delivery.pk)
            delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code, delivery.attempts) == (
        Status.SUCCEEDED,
        200,
        10,
    )
    assert len(receiver.requests) == 10


def test_an_unreachable_receiver_is_a_failed_attempt(venue_a, local_webhooks):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with in_venue(venue_a):
        create_webhook_endpoint(url=f"http://127.0.0.1:{port}/", event_codes=["*"])
        _order_confirmed()
        dispatch_pending()
        delivery = WebhookDelivery.objects.get()
        deliver_webhook(delivery_id=delivery.pk)
        delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    assert delivery.last_status_code is None
    assert "refused" in delivery.last_error.lower()


# --- SSRF guard -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://127.1.2.3:8443/hook",
        "https://10.0.0.8/hook",
        "https://172.16.4.2/hook",
        "https://192.168.1.10/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://0.0.0.0/hook",
        "https://localhost/hook",
        "https://alpha.localhost/hook",
    ],
)
def test_private_addresses_are_refused_when_the_setting_is_off(url, settings):
    settings.PARTERRE_WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(ValidationFailed) as refused:
        clean_url(url)
    assert refused.value.code == "webhooks.url_private"


@pytest.mark.parametrize(
    "address, allowed",
    [
        ("93.184.215.14", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("100.64.0.1", False),  # carrier-grade NAT
        ("169.254.169.254", False),
        ("224.0.0.251", False),
        ("240.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("ff02::1", False),
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::1", False),  # 6to4 around 127.0.0.1
    ],
)
def test_which_addresses_are_public(address, allowed):
    assert transport.address_allowed(address) is allowed


def test_a_host_name_that_resolves_to_loopback_is_refused_at_delivery(
    venue_a, settings, receiver, monkeypatch
):
    """The name passes when the endpoint is saved (DNS can change); the attempt resolves it,
    sees 127.0.0.1 and sends nothing."""
    settings.PARTERRE_WEBHOOKS_ALLOW_PRIVATE = False
    settings.PARTERRE_WEBHOOKS_ALLOW_HTTP = True
    port = int(receiver.url.split(":")[2].split("/")[0])
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host == "hooks.example.org":
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with in_venue(venue_a):
        create_webhook_endpoint(url=f"http://hooks.example.org:{port}/x", event_codes=["*"])
        _order_confirmed()
        dispatch_pending()
        delivery = WebhookDelivery.objects.get()
        deliver_webhook(delivery_id=delivery.pk)
        delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    assert "127.0.0.1" in delivery.last_error
    assert receiver.requests == []
    # The same name with the setting on reaches the receiver (the refusal was the guard's).
    settings.PARTERRE_WEBHOOKS_ALLOW_PRIVATE = True
    with in_venue(venue_a):
        resend_webhook_delivery(delivery=delivery)
        deliver_webhook(delivery_id=delivery.pk)
    assert len(receiver.requests) == 1
    assert receiver.requests[0].headers["Host"] == f"hooks.example.org:{port}"


def test_plain_http_is_refused_by_default(settings):
    settings.PARTERRE_WEBHOOKS_ALLOW_HTTP = False
    with pytest.raises(ValidationFailed) as refused:
        clean_url("http://hooks.example.org/x")
    assert refused.value.code == "webhooks.url_not_https"
    with pytest.raises(transport.AddressRefused):
        transport.post("http://hooks.example.org/x", b"{}", {})


# --- Two venues -----------------------------------------------------------------------------
def test_a_venue_events_never_reach_another_venue_endpoint(
    venue_a, venue_b, local_webhooks, receiver
):
    with in_venue(venue_a):
        create_webhook_endpoint(url=receiver.url, event_codes=["*"])
    with in_venue(venue_b):
        _order_confirmed()
        dispatch_pending()
        assert not WebhookDelivery.objects.exists()
        assert not WebhookEndpoint.objects.exists()
    with in_venue(venue_a):
        assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []


@pytest.mark.slow
def test_a_committed_sale_reaches_the_receiver_through_a_real_worker(
    venue_a, venue_b, local_webhooks, receiver, clean_outbox, worker_queue
):
    committed(
        venue_a,
        lambda: create_webhook_endpoint(url=receiver.url, event_codes=["ticketing.order.*"]),
    )

    def sale():
        with transaction.atomic():
            return _order_confirmed(7).pk

    event_id = committed(venue_a, sale)
    assert receiver.got_one.wait(20), "no webhook received"
    request = receiver.requests[0]
    assert request.json()["id"] == event_id
    assert request.json()["venue"] == "alpha"
    secret = committed(venue_a, lambda: WebhookEndpoint.objects.get().secret)
    assert verify_signature(secret, request.headers["Parterre-Signature"], request.body)
    deadline = time.monotonic() + 10
    status = None
    while time.monotonic() < deadline and status != Status.SUCCEEDED:
        status = committed(venue_a, lambda: WebhookDelivery.objects.get().status)
        time.sleep(0.05)
    assert status == Status.SUCCEEDED
    assert json.loads(request.body)["data"]["order_id"] == 7
