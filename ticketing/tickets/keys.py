"""The venue's ticket-signing key: one Ed25519 key pair per venue schema, made on first use.

Why here and not in a service: it is made lazily by whoever needs it first (signing a ticket,
the door bundle), and making it is idempotent — a unique row decides which of two racing
processes' keys wins, the other one reads it back. Nothing else about the venue changes.

At rest the private key is encrypted with Fernet (AES-128-CBC + HMAC-SHA256, `cryptography`)
under the instance's field key `PARTERRE_FIELD_KEY` (several, comma-separated, rotate: the
first encrypts, all decrypt), each turned into a Fernet key by HKDF-SHA256; without it
(development, tests) the key is derived from SECRET_KEY, so a private key is never stored in
clear. This is the scheme of `tenants/crypto.py` on main (the venues' Stripe keys), byte for
byte (same HKDF `info`): when both meet, `seal`/`unseal` become its
`encrypt_text`/`decrypt_text` and the stored tokens stay readable. A database dump alone
then does not let anyone forge tickets.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import connection

from ticketing.models import TicketSigningKey

from .payload import key_id, raw_public_key

# (schema, key id) → the decrypted private key, so signing a 500-ticket order decrypts once.
_PRIVATE_KEYS: dict[tuple[str, str], Ed25519PrivateKey] = {}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _fernet_key(secret: str) -> bytes:
    """Any string → a Fernet key (32 bytes, url-safe base64), by HKDF-SHA256."""
    raw = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"parterre.field-encryption"
    ).derive(secret.encode())
    return base64.urlsafe_b64encode(raw)


@lru_cache(maxsize=4)
def _cipher(keys: str, secret_key: str) -> MultiFernet:
    secrets = [k.strip() for k in keys.split(",") if k.strip()] or [secret_key]
    return MultiFernet([Fernet(_fernet_key(s)) for s in secrets])


def seal(secret: bytes) -> str:
    """The secret (raw bytes, as base64url text) encrypted under the field key."""
    cipher = _cipher(settings.PARTERRE_FIELD_KEY, settings.SECRET_KEY)
    return cipher.encrypt(_b64(secret).encode()).decode()


def unseal(stored: str) -> bytes:
    """The secret back; InvalidToken when no configured key opens it."""
    cipher = _cipher(settings.PARTERRE_FIELD_KEY, settings.SECRET_KEY)
    return _unb64(cipher.decrypt(stored.encode()).decode())


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
