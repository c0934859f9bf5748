"""The venue's ledger key: Ed25519, one per venue schema, made on first use, private half
encrypted at rest like the ticket key (ticketing.tickets.keys.seal: Fernet under
PARTERRE_FIELD_KEY), so a database dump alone cannot sign a forged closing.

A key of its own rather than the ticket key: the ticket key's public half goes to every door
device and may be rotated when a device is lost, which must not leave six years of closings
unverifiable; and the two prove different things to different people (a ticket to the door,
the takings to the tax auditor). The code that makes and seals it is the ticket key's.
"""

from __future__ import annotations

import base64

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ticketing.models import LedgerKey
from ticketing.tickets.keys import seal, unseal
from ticketing.tickets.payload import key_id, raw_public_key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def ledger_key() -> LedgerKey:
    """The venue's key row, made on first use (race-safe: the unique one-row column)."""
    row = LedgerKey.objects.filter(singleton=True).first()
    if row is not None:
        return row
    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(
        encoding=serialization.Encoding.Raw,
        format=serialization.PrivateFormat.Raw,
        encryption_algorithm=serialization.NoEncryption(),
    )
    public = raw_public_key(private.public_key())
    LedgerKey.objects.bulk_create(
        [
            LedgerKey(
                private_key=seal(raw_private), public_key=_b64(public), key_id=key_id(public).hex()
            )
        ],
        ignore_conflicts=True,
    )
    return LedgerKey.objects.get(singleton=True)


def sign(text: str) -> tuple[str, str]:
    """(signature as base64url, key id) of `text` (UTF-8) with the venue's ledger key."""
    row = ledger_key()
    private = Ed25519PrivateKey.from_private_bytes(unseal(row.private_key))
    return _b64(private.sign(text.encode())), row.key_id


def verify(text: str, signature: str, public_key: str) -> bool:
    """Whether `signature` (base64url) signs `text` under `public_key` (base64url, raw)."""
    try:
        Ed25519PublicKey.from_public_bytes(_unb64(public_key)).verify(
            _unb64(signature), text.encode()
        )
    except (InvalidSignature, ValueError):
        return False
    return True
