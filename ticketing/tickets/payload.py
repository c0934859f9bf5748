"""The ticket's QR payload: compact, signed with the venue's Ed25519 key, verifiable offline by
a door device that holds only the venue's public key. Pure Python + `cryptography` (no Django):
a door application may copy this module as it is. The format is documented in docs/tickets.md.

    PT:<base45 of the binary payload>

binary payload (version 1), all integers unsigned LEB128 varints unless said otherwise:

    version      1 byte   = 1
    key id       4 bytes  first 4 bytes of SHA-256(raw public key): which venue key signed it
    ticket id    varint
    performance  varint
    issued at    varint   Unix seconds (UTC)
    label        1 byte length + UTF-8 (seat or zone, at most 48 bytes)
    signature    64 bytes Ed25519 over every byte before it

Base45 (RFC 9285) keeps to the QR code's alphanumeric mode (5.5 bits a character): a ticket fits
a version 6-7 QR code, easy to read from a phone screen at the door.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PREFIX = "PT:"
VERSION = 1
SIGNATURE_BYTES = 64
LABEL_MAX_BYTES = 48
KEY_ID_BYTES = 4
# A payload longer than this is not ours (checked before any decoding work).
MAX_TEXT_LENGTH = 400

BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_BASE45_INDEX = {c: i for i, c in enumerate(BASE45)}


class InvalidTicketPayload(ValueError):
    """The QR is not a valid ticket of this venue. `code` says why (for the door's screen and
    logs): malformed, unknown_version, wrong_key, bad_signature, revoked."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message or code)
        self.code = code


@dataclass(frozen=True)
class TicketClaims:
    ticket_id: int
    performance_id: int
    label: str
    issued_at: datetime
    key_id: str  # hex


# --- base45 (RFC 9285) --------------------------------------------------------------------------
def b45encode(data: bytes) -> str:
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        n, c = divmod(n, 45)
        e, d = divmod(n, 45)
        out += [BASE45[c], BASE45[d], BASE45[e]]
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += [BASE45[c], BASE45[d]]
    return "".join(out)


def b45decode(text: str) -> bytes:
    try:
        values = [_BASE45_INDEX[c] for c in text]
    except KeyError:
        raise InvalidTicketPayload("malformed", "not base45") from None
    if len(values) % 3 == 1:
        raise InvalidTicketPayload("malformed", "bad base45 length")
    out = bytearray()
    for i in range(0, len(values), 3):
        chunk = values[i : i + 3]
        if len(chunk) == 3:
            n = chunk[0] + chunk[1] * 45 + chunk[2] * 45 * 45
            if n > 0xFFFF:
                raise InvalidTicketPayload("malformed", "bad base45 triplet")
            out += n.to_bytes(2, "big")
        else:
            n = chunk[0] + chunk[1] * 45
            if n > 0xFF:
                raise InvalidTicketPayload("malformed", "bad base45 pair")
            out.append(n)
    return bytes(out)


# --- varints --------------------------------------------------------------------------------
def _varint(n: int) -> bytes:
    if n < 0:
        raise ValueError("varints are unsigned")
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    n = shift = 0
    for _ in range(10):  # 64 bits at most
        if pos >= len(data):
            raise InvalidTicketPayload("malformed", "truncated")
        byte = data[pos]
        pos += 1
        n |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return n, pos
        shift += 7
    raise InvalidTicketPayload("malformed", "varint too long")


# --- keys -----------------------------------------------------------------------------------
def raw_public_key(public_key: Ed25519PublicKey | bytes | str) -> bytes:
    """32 raw bytes from a key object, raw bytes or their base64url text."""
    if isinstance(public_key, Ed25519PublicKey):
        from cryptography.hazmat.primitives import serialization

        return public_key.public_bytes(
            encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw
        )
    if isinstance(public_key, str):
        public_key = base64.urlsafe_b64decode(public_key + "=" * (-len(public_key) % 4))
    if len(public_key) != 32:
        raise ValueError("An Ed25519 public key has 32 bytes.")
    return bytes(public_key)


def key_id(public_key: Ed25519PublicKey | bytes | str) -> bytes:
    return hashlib.sha256(raw_public_key(public_key)).digest()[:KEY_ID_BYTES]


def _label_bytes(label: str) -> bytes:
    encoded = label.encode()
    if len(encoded) <= LABEL_MAX_BYTES:
        return encoded
    # Cut on a character boundary.
    return encoded[:LABEL_MAX_BYTES].decode(errors="ignore").encode()


# --- sign and verify ------------------------------------------------------------------------
def sign_ticket_payload(
    private_key: Ed25519PrivateKey,
    *,
    ticket_id: int,
    performance_id: int,
    label: str,
    issued_at: datetime,
) -> str:
    """The text to put in the QR code."""
    label_bytes = _label_bytes(label)
    body = b"".join(
        [
            bytes([VERSION]),
            key_id(private_key.public_key()),
            _varint(ticket_id),
            _varint(performance_id),
            _varint(int(issued_at.timestamp())),
            bytes([len(label_bytes)]),
            label_bytes,
        ]
    )
    return PREFIX + b45encode(body + private_key.sign(body))


def verify_ticket_payload(
    payload: str | bytes,
    public_key: Ed25519PublicKey | bytes | str,
    *,
    revoked_ids: set[int] | frozenset[int] | None = None,
) -> TicketClaims:
    """The claims of a QR payload signed by `public_key`'s private half, else
    InvalidTicketPayload. With `revoked_ids` (the door bundle's revocation list), a ticket
    in it is refused too (code "revoked"). Offline: no database, no network."""
    if isinstance(payload, bytes):
        try:
            payload = payload.decode("ascii")
        except UnicodeDecodeError:
            raise InvalidTicketPayload("malformed", "not ASCII") from None
    if len(payload) > MAX_TEXT_LENGTH or not payload.startswith(PREFIX):
        raise InvalidTicketPayload("malformed", "not a Parterre ticket")
    data = b45decode(payload[len(PREFIX) :])
    if len(data) < 1 + KEY_ID_BYTES + 4 + SIGNATURE_BYTES:
        raise InvalidTicketPayload("malformed", "too short")
    if data[0] != VERSION:
        raise InvalidTicketPayload("unknown_version", f"version {data[0]}")
    body, signature = data[:-SIGNATURE_BYTES], data[-SIGNATURE_BYTES:]
    raw = raw_public_key(public_key)
    kid = body[1 : 1 + KEY_ID_BYTES]
    if kid != key_id(raw):
        raise InvalidTicketPayload("wrong_key", "signed by another key (another venue?)")
    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(signature, body)
    except InvalidSignature:
        raise InvalidTicketPayload("bad_signature", "signature does not match") from None
    pos = 1 + KEY_ID_BYTES
    ticket_id, pos = _read_varint(body, pos)
    performance_id, pos = _read_varint(body, pos)
    issued, pos = _read_varint(body, pos)
    if pos >= len(body):
        raise InvalidTicketPayload("malformed", "truncated")
    length = body[pos]
    label_bytes = body[pos + 1 : pos + 1 + length]
    if len(label_bytes) != length or pos + 1 + length != len(body):
        raise InvalidTicketPayload("malformed", "bad label")
    claims = TicketClaims(
        ticket_id=ticket_id,
        performance_id=performance_id,
        label=label_bytes.decode(errors="replace"),
        issued_at=datetime.fromtimestamp(issued, tz=UTC),
        key_id=kid.hex(),
    )
    if revoked_ids is not None and ticket_id in revoked_ids:
        raise InvalidTicketPayload("revoked", "cancelled, refunded or exchanged")
    return claims
