"""The one definition of an entry's hash, used when appending (the SQL function of the
migration hashes the text this module builds) and when verifying.

    hash = SHA-256( "<number>|<previous hash>|<body>" ), hex
    body = the entry's other fields as JSON: keys sorted, no spaces, ASCII only,
           created_at in UTC ISO 8601 with microseconds.

The number and the previous hash are joined in SQL, under the chain head's lock; everything
else is known before it, in Python.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

# Every field of an entry but its number, its previous hash and its own hash, in this order
# in the archive (the body's JSON sorts them anyway).
BODY_FIELDS = (
    "kind",
    "order_id",
    "order_reference",
    "payment_id",
    "method",
    "currency",
    "total_cents",
    "vat_cents",
    "fee_cents",
    "actor_id",
    "actor_label",
    "data",
    "created_at",
)


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def body(fields: dict) -> str:
    """The canonical text of an entry's fields (a dict with BODY_FIELDS)."""
    values = {name: fields[name] for name in BODY_FIELDS}
    values["created_at"] = timestamp(values["created_at"])
    values["vat_cents"] = {str(rate): int(c) for rate, c in (values["vat_cents"] or {}).items()}
    return canonical(values)


def entry_hash(number: int, previous_hash: str, text: str) -> str:
    return hashlib.sha256(f"{number}|{previous_hash}|{text}".encode()).hexdigest()


def hash_of(entry) -> str:
    """What the hash of a stored entry must be, recomputed from its columns."""
    fields = {name: getattr(entry, name) for name in BODY_FIELDS}
    return entry_hash(entry.number, entry.previous_hash, body(fields))
