"""The venue's ticket-signing key: one Ed25519 key pair per venue schema, made on first use.

Why here and not in a service: it is made lazily by whoever needs it first (signing a ticket,
the door bundle), and making it is idempotent — a unique row decides which of two racing
processes' keys wins, the other one reads it back. Nothing else about the venue changes.

At rest the private key is encrypted like every secret a venue stores (tenants/crypto.py:
Fernet under the instance's field key `PARTERRE_FIELD_KEY`, derived from SECRET_KEY in
development), so a database dump alone does not let anyone forge tickets.
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection

from tenants.crypto import decrypt_text, encrypt_text
from ticketing.models import TicketSigningKey

from .payload import key_id, raw_public_key

# (schema, key id) → the decrypted private key, so signing a 500-ticket order decrypts once.
_PRIVATE_KEYS: dict[tuple[str, str], Ed25519PrivateKey] = {}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(secret: bytes) -> str:
    """The secret (raw bytes, as base64url text) encrypted under the field key."""
    return encrypt_text(_b64(secret))


def unseal(stored: str) -> bytes:
    """The secret back; InvalidToken when no configured key opens it."""
    return _unb64(decrypt_text(stored))


def signing_key() -> TicketSigningKey:
    """The venue's key row, made on first use (race-safe: INSERT … ON CONFLICT DO NOTHING on
    the one-row unique column, then read back whichever key won)."""
    row = TicketSigningKey.objects.filter(singleton=True).first()
    if row is not None:
        return row
    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(
        encoding=serialization.Encoding.Raw,
        format=serialization.PrivateFormat.Raw,
        encryption_algorithm=serialization.NoEncryption(),
    )
    public = raw_public_key(private.public_key())
    TicketSigningKey.objects.bulk_create(
        [
            TicketSigningKey(
                private_key=seal(raw_private),
                public_key=_b64(public),
                key_id=key_id(public).hex(),
            )
        ],
        ignore_conflicts=True,
    )
    return TicketSigningKey.objects.get(singleton=True)


def private_key(row: TicketSigningKey) -> Ed25519PrivateKey:
    cache_key = (connection.schema_name, row.public_key)
    key = _PRIVATE_KEYS.get(cache_key)
    if key is None:
        key = Ed25519PrivateKey.from_private_bytes(unseal(row.private_key))
        _PRIVATE_KEYS[cache_key] = key
    return key


def public_key_bytes(row: TicketSigningKey) -> bytes:
    return _unb64(row.public_key)
