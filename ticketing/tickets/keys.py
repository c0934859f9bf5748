"""The venue's ticket-signing key: one Ed25519 key pair per venue schema, made on first use.

Why here and not in a service: it is made lazily by whoever needs it first (signing a ticket,
the door bundle), and making it is idempotent — a unique row decides which of two racing
processes' keys wins, the other one reads it back. Nothing else about the venue changes.

At rest, the private key is encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from
`cryptography`) when PARTERRE_FIELD_ENCRYPTION_KEY holds one or more Fernet keys (comma-
separated, newest first, so a key can be rotated: MultiFernet decrypts with any of them and
`rotate` re-encrypts with the first). Without that setting (development, tests) it is stored
as plain base64url with a `plain:` prefix, so a later deploy that sets the key still reads it.
A database dump alone then no longer lets anyone forge tickets.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from ticketing.models import TicketSigningKey

from .payload import key_id, raw_public_key

# (schema, key id) → the decrypted private key, so signing a 500-ticket order decrypts once.
_PRIVATE_KEYS: dict[tuple[str, str], Ed25519PrivateKey] = {}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _fernet() -> MultiFernet | None:
    keys = getattr(settings, "PARTERRE_FIELD_ENCRYPTION_KEY", None) or []
    if isinstance(keys, str):
        keys = [k.strip() for k in keys.split(",") if k.strip()]
    if not keys:
        return None
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "PARTERRE_FIELD_ENCRYPTION_KEY must hold Fernet keys "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())')"
        ) from error


def seal(secret: bytes) -> str:
    """`fernet:<token>` with an encryption key configured, else `plain:<base64url>`."""
    fernet = _fernet()
    if fernet is None:
        return "plain:" + _b64(secret)
    return "fernet:" + fernet.encrypt(secret).decode()


def unseal(stored: str) -> bytes:
    kind, _sep, value = stored.partition(":")
    if kind == "plain":
        return _unb64(value)
    if kind == "fernet":
        fernet = _fernet()
        if fernet is None:
            raise ImproperlyConfigured(
                "The ticket signing key is encrypted: set PARTERRE_FIELD_ENCRYPTION_KEY."
            )
        return fernet.decrypt(value.encode())
    raise ValueError("Unknown sealed value.")


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
