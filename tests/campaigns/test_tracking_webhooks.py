"""Providers' tracking webhooks (anymail): a bounce marks the delivery and the address, a
complaint withdraws consent; a bad signature or password is refused (4xx, never 500)."""

import base64
import hashlib
import hmac
import json
import time

import pytest
from django.test import override_settings

from campaigns.models import Delivery
from crm.models import Contact
from tests.helpers import in_venue

from .tracking_helpers import sent_campaign

pytestmark = pytest.mark.django_db(transaction=False)

ANYMAIL = {"WEBHOOK_SECRET": "hook:s3cret", "MAILGUN_WEBHOOK_SIGNING_KEY": "mg-key"}


def _auth(secret="hook:s3cret") -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def _mailgun(token: str, event: str, *, key="mg-key", **extra) -> str:
    timestamp, nonce = str(int(time.time())), "a" * 50
    signature = hmac.new(key.encode(), (timestamp + nonce).encode(), hashlib.sha256).hexdigest()
    return json.dumps(
        {
            "signature": {"timestamp": timestamp, "token": nonce, "signature": signature},
            "event-data": {
                "event": event,
                "timestamp": time.time(),
                "id": "evt1",
                "recipient": "ada@example.org",
                "user-variables": {},
                "message": {"headers": {"message-id": f"{token}@parterre.localhost"}},
                **extra,
            },
        }
    )


@override_settings(ANYMAIL=ANYMAIL)
def test_a_mailgun_permanent_failure_bounces_the_delivery_and_the_address(venue_a, client_for):
    with in_venue(venue_a):
        _c, _l, (delivery,) = sent_campaign()
    body = _mailgun(delivery.token, "failed", severity="permanent", reason="bounce")
    response = client_for(venue_a).post(
        "/m/hooks/mailgun/tracking/", body, content_type="application/json", **_auth()
    )
    assert response.status_code == 200
    with in_venue(venue_a):
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.BOUNCED and delivery.bounced_at
        assert Contact.objects.get(pk=delivery.contact_id).email_bounced_at is not None


@override_settings(ANYMAIL=ANYMAIL)
def test_a_postmark_spam_complaint_withdraws_consent(venue_a, client_for):
    with in_venue(venue_a):
        _c, _l, (delivery,) = sent_campaign()
    body = json.dumps(
        {
            "RecordType": "SpamComplaint",
            "Type": "SpamComplaint",
            "TypeCode": 512,
            "MessageID": "pm-1",
            "Email": "ada@example.org",
            "BouncedAt": "2026-12-07T10:00:00Z",
            "Metadata": {"delivery": delivery.token},
        }
    )
    response = client_for(venue_a).post(
        "/m/hooks/postmark/tracking/", body, content_type="application/json", **_auth()
    )
    assert response.status_code == 200
    with in_venue(venue_a):
        delivery.refresh_from_db()
        assert delivery.complained_at is not None
        assert Contact.objects.get(pk=delivery.contact_id).email_consent is False


@override_settings(ANYMAIL=ANYMAIL)
@pytest.mark.parametrize("wrong", ["password", "signature"])
def test_a_wrong_password_or_signature_is_refused(venue_a, client_for, wrong):
    with in_venue(venue_a):
        _c, _l, (delivery,) = sent_campaign()
    body = _mailgun(
        delivery.token,
        "failed",
        severity="permanent",
        key="forged" if wrong == "signature" else "mg-key",
    )
    auth = _auth("hook:guess") if wrong == "password" else _auth()
    response = client_for(venue_a).post(
        "/m/hooks/mailgun/tracking/", body, content_type="application/json", **auth
    )
    assert 400 <= response.status_code < 500
    with in_venue(venue_a):
        assert Delivery.objects.get(pk=delivery.pk).bounced_at is None


@override_settings(ANYMAIL={})
def test_an_unconfigured_provider_is_not_there(venue_a, client_for):
    response = client_for(venue_a).post(
        "/m/hooks/postmark/tracking/", "{}", content_type="application/json"
    )
    assert response.status_code == 404
