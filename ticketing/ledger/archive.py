"""A closed period's archive: a ZIP holding its entries as CSV, the closing as signed, and a
manifest (the CSV's SHA-256, the chain head, the public key) signed with the ledger key.
Everything needed to check it without Parterre: docs/ledger.md gives the formulas."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

from django.db import connection

from ticketing.models import LedgerClosing

from .chain import BODY_FIELDS, body, canonical, timestamp
from .selectors import period_entries
from .signing import ledger_key, sign

COLUMNS = (
    "number",
    "created_at",
    "kind",
    "order_reference",
    "order_id",
    "payment_id",
    "method",
    "currency",
    "total_cents",
    "vat_cents",
    "fee_cents",
    "actor_id",
    "actor_label",
    "data",
    "previous_hash",
    "hash",
    "body",
)


def entries_csv(closing: LedgerClosing) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for entry in period_entries(closing.start, closing.end).order_by("number").iterator(2000):
        fields = {name: getattr(entry, name) for name in BODY_FIELDS}
        row = {
            **fields,
            "number": entry.number,
            "created_at": timestamp(entry.created_at),
            "vat_cents": canonical(entry.vat_cents),
            "data": canonical(entry.data),
            "previous_hash": entry.previous_hash,
            "hash": entry.hash,
            "body": body(fields),
        }
        writer.writerow(["" if row[c] is None else row[c] for c in COLUMNS])
    return out.getvalue().encode()


def archive_name(closing: LedgerClosing) -> str:
    return f"ledger-{connection.schema_name}-{closing.period}-{closing.start.isoformat()}.zip"


def build_archive(closing: LedgerClosing) -> bytes:
    """The ZIP of a closed period (see the module's doc)."""
    data = entries_csv(closing)
    key = ledger_key()
    manifest = canonical(
        {
            "venue": connection.schema_name,
            "period": closing.period,
            "start": closing.start.isoformat(),
            "end": closing.end.isoformat(),
            "entries_csv_sha256": hashlib.sha256(data).hexdigest(),
            "chain_head": {"number": closing.chain_number, "hash": closing.chain_hash},
            "closing_entry": closing.entry_number,
            "algorithm": "Ed25519",
            "public_key": key.public_key,
            "key_id": key.key_id,
        }
    )
    signature, _key_id = sign(manifest)
    closing_json = json.dumps(
        {
            "payload": closing.payload,
            "signature": closing.signature,
            "key_id": closing.key_id,
            "public_key": key.public_key,
        },
        indent=2,
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("entries.csv", data)
        archive.writestr("closing.json", closing_json)
        archive.writestr("manifest.json", manifest)
        archive.writestr("manifest.sig", signature)
    return buffer.getvalue()
