"""Payments against localstripe (tests/ticketing/stripe_fake.py) started on a loopback port
for the session, through the real `stripe` library; webhooks signed with Stripe's scheme."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import Request, urlopen

import pytest

from tests.helpers import host_for, in_venue
from ticketing.services.payment_settings import update_payment_settings

ROOT = Path(__file__).resolve().parents[3]
SECRETS = {
    "alpha": ("pk_test_alpha", "sk_test_alphasecretkey4242", "whsec_alphasigning1111"),
    "beta": ("pk_test_beta", "sk_test_betasecretkey9999", "whsec_betasigning2222"),
}
CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000341"  # declined when charged
CARD_3DS = "4000002500003155"  # asks for 3-D Secure


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def stripe_fake():
    """localstripe's base URL; the process is stopped at the end of the session."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.ticketing.stripe_fake", "--port", str(port)], cwd=ROOT
    )
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("localstripe did not start") from None
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def stripe_settings(settings, stripe_fake):
    settings.PARTERRE_STRIPE_API_BASE = stripe_fake
    settings.PARTERRE_STRIPE_JS_URL = f"{stripe_fake}/js.stripe.com/v3/"
    return settings


def use_stripe(venue) -> None:
    publishable, secret, webhook = SECRETS[venue.slug]
    with in_venue(venue):
        update_payment_settings(
            publishable_key=publishable, secret_key=secret, webhook_secret=webhook
        )


@pytest.fixture
def stripe_alpha(stripe_settings, venue_a):
    use_stripe(venue_a)
    return venue_a


class Fake:
    """What a browser with Stripe.js, or Stripe itself, does against localstripe."""

    def __init__(self, base: str):
        self.base = base

    def _call(self, method: str, path: str, body: dict | None = None, key: str = "sk_test_x"):
        data = json.dumps(body).encode() if body is not None else None
        request = Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
        )
        with urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def pay(self, client_secret: str, number: str = CARD_OK) -> dict:
        """The Payment Element's confirmPayment (our shim on localstripe-v3.js)."""
        intent = client_secret.split("_secret_")[0]
        card = {"number": number, "exp_month": "12", "exp_year": "2031", "cvc": "123"}
        return self._call(
            "POST",
            f"/js.stripe.com/_parterre/confirm/{intent}",
            {"client_secret": client_secret, "card": card},
        )

    def authenticate(self, client_secret: str, success: bool = True) -> dict:
        """3-D Secure answered in localstripe's modal."""
        intent = client_secret.split("_secret_")[0]
        path = f"/v1/payment_intents/{intent}/_authenticate?success={str(success).lower()}"
        return self._call("POST", path, {"key": "pk_test_x", "client_secret": client_secret})

    def intent(self, intent_id: str) -> dict:
        return self._call("GET", f"/v1/payment_intents/{intent_id}")

    def refunds(self, intent_id: str) -> list[dict]:
        return self._call("GET", f"/v1/refunds?payment_intent={intent_id}")["data"]

    def refund(self, intent_id: str, amount: int) -> dict:
        return self._call("POST", "/v1/refunds", {"payment_intent": intent_id, "amount": amount})


@pytest.fixture
def fake(stripe_fake) -> Fake:
    return Fake(stripe_fake)


def sign(body: str, secret: str, timestamp: int | None = None) -> str:
    """Stripe's scheme: t=<unix time>,v1=HMAC-SHA256(secret, "<t>.<body>")."""
    timestamp = timestamp or int(time.time())
    mac = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def event(event_id: str, type_: str, obj: dict) -> str:
    return json.dumps({"id": event_id, "object": "event", "type": type_, "data": {"object": obj}})


def deliver(client, venue, body: str, *, secret: str | None = None):
    """POST a webhook to the venue's host, signed with its secret (or `secret`)."""
    secret = secret or SECRETS[venue.slug][2]
    return client.post(
        "/payments/stripe/webhook/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(body, secret),
        HTTP_HOST=host_for(venue),
    )
