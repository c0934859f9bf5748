"""The ticket's signed QR payload, the venue's signing key, the revocation list and what door
devices download (docs/tickets.md)."""

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import committed, in_venue, run_together
from ticketing.models import Ticket, TicketSigningKey
from ticketing.selectors.tickets import door_bundle, revoked_ticket_ids
from ticketing.services import orders
from ticketing.tickets import keys
from ticketing.tickets.payload import (
    InvalidTicketPayload,
    b45decode,
    b45encode,
    sign_ticket_payload,
    verify_ticket_payload,
)
from ticketing.tickets.qr import ticket_payload

from .tickets_helpers import sell

pytestmark = pytest.mark.django_db
ISSUED = datetime(2026, 12, 7, 18, 30, tzinfo=UTC)


def _signed(key, **overrides):
    claims = {
        "ticket_id": 123456,
        "performance_id": 42,
        "label": "Parterre A12",
        "issued_at": ISSUED,
    }
    return sign_ticket_payload(key, **{**claims, **overrides})


# --- The format, without a database ---------------------------------------------------------
def test_a_signed_payload_verifies_with_the_public_key_alone():
    key = Ed25519PrivateKey.generate()
    payload = _signed(key)
    assert payload.startswith("PT:") and len(payload) < 200
    claims = verify_ticket_payload(payload, key.public_key())
    assert (claims.ticket_id, claims.performance_id, claims.label) == (123456, 42, "Parterre A12")
    assert claims.issued_at == ISSUED


def test_the_payload_stays_in_the_qr_alphanumeric_alphabet():
    payload = _signed(Ed25519PrivateKey.generate(), label="Balcon é 12")
    assert set(payload) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def test_every_changed_byte_is_refused():
    key = Ed25519PrivateKey.generate()
    payload = _signed(key)
    raw = bytearray(b45decode(payload[3:]))
    for position in range(len(raw)):
        tampered = bytearray(raw)
        tampered[position] ^= 0x01
        with pytest.raises(InvalidTicketPayload) as refused:
            verify_ticket_payload("PT:" + b45encode(bytes(tampered)), key.public_key())
        assert refused.value.code in {"bad_signature", "wrong_key", "unknown_version", "malformed"}


def test_another_venues_key_is_refused_as_wrong_key():
    payload = _signed(Ed25519PrivateKey.generate())
    with pytest.raises(InvalidTicketPayload) as refused:
        verify_ticket_payload(payload, Ed25519PrivateKey.generate().public_key())
    assert refused.value.code == "wrong_key"


def test_a_revoked_ticket_is_refused_when_the_list_is_given():
    key = Ed25519PrivateKey.generate()
    with pytest.raises(InvalidTicketPayload) as refused:
        verify_ticket_payload(_signed(key), key.public_key(), revoked_ids={123456})
    assert refused.value.code == "revoked"
    assert verify_ticket_payload(_signed(key), key.public_key(), revoked_ids={7}).ticket_id


@pytest.mark.parametrize(
    "junk", ["", "PT:", "hello", "PT:abc", "PT:" + "0" * 500, "PT:~~~", "PT:GGW", b"\xff"]
)
def test_junk_is_malformed_never_a_crash(junk):
    with pytest.raises(InvalidTicketPayload) as refused:
        verify_ticket_payload(junk, Ed25519PrivateKey.generate().public_key())
    assert refused.value.code == "malformed"


@given(st.binary(max_size=120))
def test_base45_round_trips(data):
    assert b45decode(b45encode(data)) == data


@given(
    st.integers(0, 2**62),
    st.integers(0, 2**40),
    st.text(max_size=60).filter(lambda s: "\x00" not in s),
)
def test_claims_round_trip(ticket_id, performance_id, label):
    key = Ed25519PrivateKey.generate()
    payload = _signed(key, ticket_id=ticket_id, performance_id=performance_id, label=label)
    claims = verify_ticket_payload(payload, key.public_key())
    assert (claims.ticket_id, claims.performance_id) == (ticket_id, performance_id)
    assert label.encode().startswith(claims.label.encode())  # cut at 48 bytes at most


def test_the_rfc_9285_examples():
    assert b45encode(b"AB") == "BB8"
    assert b45encode(b"Hello!!") == "%69 VD92EX0"
    assert b45decode("QED8WEX0") == b"ietf!"


# --- The venue's key -------------------------------------------------------------------------
def test_the_key_is_made_once_on_first_use_and_differs_per_venue(venue_a, venue_b):
    with in_venue(venue_b):
        # A committing test that issued tickets may have left the venue its key (made on
        # the first ticket): start from a venue without one, inside this test's transaction.
        TicketSigningKey.objects.all().delete()
    with in_venue(venue_a):
        TicketSigningKey.objects.all().delete()
        assert not TicketSigningKey.objects.exists()
        first = keys.signing_key()
        assert keys.signing_key().public_key == first.public_key
        assert TicketSigningKey.objects.count() == 1
    with in_venue(venue_b):
        other = keys.signing_key()
    assert other.public_key != first.public_key


def test_two_processes_making_the_key_at_once_agree_on_one(venue_a):
    def wipe():
        TicketSigningKey.objects.all().delete()

    committed(venue_a, wipe)
    try:
        found = run_together(venue_a, lambda _i: keys.signing_key().public_key, threads=6)
        assert len(set(found)) == 1
        assert committed(venue_a, TicketSigningKey.objects.count) == 1
    finally:
        committed(venue_a, wipe)


def test_the_private_key_is_encrypted_at_rest_and_the_field_key_rotates(venue_a, settings):
    from cryptography.fernet import InvalidToken
    from cryptography.hazmat.primitives import serialization

    settings.PARTERRE_FIELD_KEY = "old-field-key"
    with in_venue(venue_a):
        row = keys.signing_key()
    keys._PRIVATE_KEYS.clear()
    raw = keys.private_key(row).private_bytes(
        encoding=serialization.Encoding.Raw,
        format=serialization.PrivateFormat.Raw,
        encryption_algorithm=serialization.NoEncryption(),
    )
    assert keys._b64(raw) not in row.private_key and raw.hex() not in row.private_key
    assert row.private_key.startswith("gAAAAA")  # a Fernet token
    # A new key first, the old one still listed: what was stored stays readable.
    settings.PARTERRE_FIELD_KEY = "new-field-key,old-field-key"
    assert keys.unseal(row.private_key) == raw
    # Without the key that sealed it: refused, never a wrong key silently.
    settings.PARTERRE_FIELD_KEY = "another-key"
    with pytest.raises(InvalidToken):
        keys.unseal(row.private_key)
    keys._PRIVATE_KEYS.clear()


def test_without_a_field_key_the_secret_key_encrypts_it(venue_a, settings):
    settings.PARTERRE_FIELD_KEY = ""
    with in_venue(venue_a):
        row = keys.signing_key()
    assert row.private_key.startswith("gAAAAA")
    keys._PRIVATE_KEYS.clear()
    assert verify_ticket_payload(_signed(keys.private_key(row)), row.public_key).ticket_id


def test_a_tickets_payload_is_signed_by_its_venue_and_is_stable(venue_a, performance):
    with in_venue(venue_a):
        order = sell(performance, "A1")
        ticket = order.tickets.get()
        payload = ticket_payload(ticket)
        assert ticket_payload(Ticket.objects.get(pk=ticket.pk)) == payload  # same every time
        claims = verify_ticket_payload(payload, keys.signing_key().public_key)
        assert claims.ticket_id == ticket.pk and claims.performance_id == performance.pk
        assert claims.label == "Parterre A1"


# --- Revocation ------------------------------------------------------------------------------
def test_refunded_cancelled_and_exchanged_tickets_are_revoked(venue_a, performance, plein):
    with in_venue(venue_a):
        kept = sell(performance, "A1").tickets.get()
        refunded = sell(performance, "A2", "A3")
        orders.refund_order(order=refunded, ticket_ids=[refunded.tickets.first().pk])
        before = timezone.now()
        ids = revoked_ticket_ids(performance.pk)
        first = refunded.tickets.order_by("id").first()
        assert ids == [first.pk]
        assert kept.pk not in ids
        assert Ticket.objects.get(pk=first.pk).revoked_at is not None
        # Only what changed since the door's last sync:
        assert revoked_ticket_ids(performance.pk, since=before) == []
        orders.refund_order(order=refunded)
        newly = revoked_ticket_ids(performance.pk, since=before)
        assert newly == [refunded.tickets.order_by("id").last().pk]


def test_the_door_bundle_holds_the_key_and_the_list(venue_a, performance):
    with in_venue(venue_a):
        order = sell(performance, "B1")
        orders.refund_order(order=order)
        bundle = door_bundle(performance.pk)
        assert bundle["public_key"] == keys.signing_key().public_key
        assert bundle["revoked_ticket_ids"] == [order.tickets.get().pk]


def test_door_bundle_api_for_staff_tokens_only_and_per_venue(
    venue_a, venue_b, performance, api, client_for
):
    with in_venue(venue_a):
        order = sell(performance, "C1")
        orders.refund_order(order=order)
        public_key = keys.signing_key().public_key
    response = api.get(f"/api/v1/performances/{performance.pk}/door-bundle/")
    assert response.status_code == 200
    assert response.json()["revoked_ticket_ids"] == [order.tickets.get().pk]
    assert response.json()["public_key"] == public_key
    since = (timezone.now() + timedelta(minutes=1)).isoformat()
    later = api.get(f"/api/v1/performances/{performance.pk}/door-bundle/", {"since": since})
    assert later.json()["revoked_ticket_ids"] == []
    assert (
        api.get(f"/api/v1/performances/{performance.pk}/door-bundle/?since=yesterday").status_code
        == 400
    )
    for bad in ("2026-13-01T00:00:00Z", "2026-12-01T00:00:00", "x" * 500):  # no zone: refused
        door = api.get(f"/api/v1/performances/{performance.pk}/door-bundle/", {"since": bad})
        assert door.status_code == 400, bad
    assert api.get("/api/v1/performances/99999999/door-bundle/").status_code == 404
    assert api.get(f"/api/v1/performances/{2**63}/door-bundle/").status_code == 404
    assert api.get("/api/v1/tickets/public-key/").json()["public_key"] == public_key
    # No token: refused. Another venue's host does not know the performance.
    anonymous = client_for(venue_a)
    assert anonymous.get("/api/v1/tickets/public-key/").status_code in (401, 403)
    with in_venue(venue_b):
        from tenants.accounts.models import User
        from tenants.accounts.services import create_api_token

        user = User.objects.create_user("door@beta.test", "x" * 12, role=User.Role.READ_ONLY)
        _token, key = create_api_token(name="door", user=user, actor=user)
    beta = client_for(venue_b)
    beta.defaults["HTTP_AUTHORIZATION"] = f"Token {key}"
    assert beta.get(f"/api/v1/performances/{performance.pk}/door-bundle/").status_code == 404
    assert beta.get("/api/v1/tickets/public-key/").json()["public_key"] != public_key
    # A token of venue A means nothing on venue B's host.
    api.defaults["HTTP_HOST"] = beta.defaults["HTTP_HOST"]
    assert api.get("/api/v1/tickets/public-key/").status_code in (401, 403)
