"""Contact imports: upload, mapping, and the run, batch by batch.

A run is resumable and idempotent. Each batch is one transaction that locks the import, reads
how far it got (`processed_rows`), writes the batch's contacts and row outcomes, and moves
`processed_rows` on: a worker killed mid-batch leaves nothing of that batch, and the next run
(Celery redelivers the task: acks late) starts again at the first row not committed. Two runs
at once take turns on the import's lock, the second finding the rows done. Each row's outcome
is a row of ImportRow, unique per (import, row number), so the counts add up by construction:
created + merged + updated + rejected = rows.

A row naming the same person as an earlier row of the same file (same email, same phone, or
same first name + last name + postcode, or the same contact of the base) is merged into the
contact that earlier row made or touched: it fills that contact's blanks (never replaces: the
first row naming a person wins) and counts as merged.
"""

from __future__ import annotations

import csv
import io
import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.charter.rules import current_charter
from crm.contacts import apply_values, insert_contact, insert_contacts, new_contact
from crm.models import Consent, Contact, Source, TimelineEvent
from crm.services import set_consent
from tenants.accounts.audit import record_event
from tenants.accounts.models import User
from tenants.errors import Conflict, ValidationFailed

from .mapping import check_mapping, guess_mapping
from .matching import Identity, find_matches
from .models import ContactImport, ImportRow
from .reading import MAX_FILE_BYTES, Table, detect_format, read_table
from .rows import REASONS, ParsedRow, Rejection, parse_row

logger = logging.getLogger(__name__)
BATCH_SIZE = 500
PREVIEW_ROWS = 20
Outcome = ImportRow.Outcome


def _check_upload(file_name: str, content: bytes) -> str:
    if not content:
        raise ValidationFailed(_("The file is empty."), code="crm.import.empty", field="file")
    if len(content) > MAX_FILE_BYTES:
        raise ValidationFailed(
            _("The file is larger than %(mb)s MB.") % {"mb": MAX_FILE_BYTES // 1024 // 1024},
            code="crm.import.too_large",
            field="file",
        )
    file_format = detect_format(file_name, content)
    if file_format == "csv" and file_name.lower().endswith((".xls", ".ods", ".numbers")):
        raise ValidationFailed(
            _("Save the file as .xlsx or .csv first."), code="crm.import.format", field="file"
        )
    return file_format


@transaction.atomic
def create_import(*, file_name: str, content: bytes, actor: User | None = None) -> ContactImport:
    """Read the file once (so an unreadable one is refused now), guess its columns."""
    file_format = _check_upload(file_name, content)
    table = read_table(file_format, content)
    contact_import = ContactImport.objects.create(
        created_by=actor if getattr(actor, "pk", None) else None,
        file_name=file_name[:255],
        file_format=file_format,
        content=content,
        encoding=table.encoding,
        delimiter=table.delimiter,
        headers=table.headers,
        mapping=guess_mapping(table.headers),
        total_rows=len(table.rows),
    )
    record_event(
        code="crm.import.created",
        actor=actor,
        obj=contact_import,
        data={"file": contact_import.file_name, "rows": contact_import.total_rows},
    )
    return contact_import


def table_of(contact_import: ContactImport) -> Table:
    return read_table(contact_import.file_format, bytes(contact_import.content))


def preview(contact_import: ContactImport, *, limit: int = PREVIEW_ROWS) -> list[dict]:
    """The first rows with what the import would make of them (no query: duplicates against
    the base are only known when the import runs)."""
    table = table_of(contact_import)
    charter = current_charter()
    out = []
    for number, cells in enumerate(table.rows[:limit], start=1):
        parsed = parse_row(
            cells,
            contact_import.mapping,
            width=len(table.headers),
            consent_declared=contact_import.consent_declared,
            charter=charter,
        )
        out.append({"number": number, "cells": cells, "parsed": parsed})
    return out


@transaction.atomic
def set_mapping(
    *,
    contact_import: ContactImport,
    mapping: dict[str, str],
    mode: str,
    consent_declared: bool,
    consent_declaration: str = "",
    actor: User | None = None,
) -> ContactImport:
    contact_import = ContactImport.objects.select_for_update().get(pk=contact_import.pk)
    if contact_import.status != ContactImport.Status.DRAFT:
        raise Conflict(_("This import has started already."), code="crm.import.started")
    mapping = {index: code for index, code in mapping.items() if code}
    declaration = " ".join((consent_declaration or "").split())[:500]
    if consent_declared and not declaration:
        raise ValidationFailed(
            _("Say where and how the consents were collected."),
            code="crm.import.declaration_missing",
            field="consent_declaration",
        )
    check_mapping(mapping, contact_import.headers, consent_declared=consent_declared)
    if mode not in ContactImport.Mode.values:
        raise ValidationFailed(_("Unknown mode."), code="crm.import.mode_invalid", field="mode")
    contact_import.mapping = mapping
    contact_import.mode = mode
    contact_import.consent_declared = consent_declared
    contact_import.consent_declaration = declaration if consent_declared else ""
    contact_import.save(
        update_fields=["mapping", "mode", "consent_declared", "consent_declaration", "updated_at"]
    )
    return contact_import


@transaction.atomic
def start_import(*, contact_import: ContactImport, actor: User | None = None) -> ContactImport:
    """Queue the run (the task is sent once the transaction commits). A failed import is
    started again from where it stopped."""
    from . import tasks

    contact_import = ContactImport.objects.select_for_update().get(pk=contact_import.pk)
    Status = ContactImport.Status
    if contact_import.status not in (Status.DRAFT, Status.FAILED):
        raise Conflict(_("This import is running or done."), code="crm.import.started")
    check_mapping(
        contact_import.mapping,
        contact_import.headers,
        consent_declared=contact_import.consent_declared,
    )
    contact_import.status = Status.QUEUED
    contact_import.error = ""
    contact_import.save(update_fields=["status", "error", "updated_at"])
    record_event(
        code="crm.import.started",
        actor=actor,
        obj=contact_import,
        data={
            "file": contact_import.file_name,
            "rows": contact_import.total_rows,
            "mode": contact_import.mode,
            "consent_declaration": contact_import.consent_declaration,
        },
    )
    transaction.on_commit(lambda: tasks.run_import_task.delay(contact_import.pk))
    return contact_import


# --- The run --------------------------------------------------------------------------------
def run_import(*, import_id: int, batch_size: int = BATCH_SIZE, max_batches: int | None = None):
    """Process the rows not done yet, batch by batch (see the module). `max_batches` stops
    early (tests: a worker that dies between two batches). Returns the import."""
    contact_import = ContactImport.objects.get(pk=import_id)
    if contact_import.status in (ContactImport.Status.DONE, ContactImport.Status.DRAFT):
        return contact_import
    ContactImport.objects.filter(pk=import_id, started_at__isnull=True).update(
        started_at=timezone.now()
    )
    ContactImport.objects.filter(pk=import_id).exclude(status=ContactImport.Status.DONE).update(
        status=ContactImport.Status.RUNNING, updated_at=timezone.now()
    )
    table = table_of(contact_import)
    batches = 0
    try:
        while not _run_batch(import_id=import_id, table=table, batch_size=batch_size):
            batches += 1
            if max_batches is not None and batches >= max_batches:
                return ContactImport.objects.defer("content").get(pk=import_id)
    except Exception as error:
        _fail(import_id=import_id, error=error)
        raise
    _finish(import_id=import_id)
    return ContactImport.objects.defer("content").get(pk=import_id)


@transaction.atomic
def _fail(*, import_id: int, error: Exception) -> None:
    contact_import = ContactImport.objects.select_for_update().defer("content").get(pk=import_id)
    contact_import.status = ContactImport.Status.FAILED
    contact_import.error = f"{type(error).__name__}: {error}"[:500]
    contact_import.save(update_fields=["status", "error", "updated_at"])
    record_event(
        code="crm.import.failed",
        obj=contact_import,
        data={"processed_rows": contact_import.processed_rows, "error": contact_import.error},
    )


@transaction.atomic
def _finish(*, import_id: int) -> None:
    contact_import = ContactImport.objects.select_for_update().defer("content").get(pk=import_id)
    if contact_import.status == ContactImport.Status.DONE:
        return  # another run finished it
    contact_import.status = ContactImport.Status.DONE
    contact_import.finished_at = timezone.now()
    # The file is not kept once every row has its outcome (the rejected rows keep theirs).
    contact_import.content = b""
    contact_import.save(update_fields=["status", "finished_at", "content", "updated_at"])
    record_event(
        code="crm.import.completed",
        obj=contact_import,
        data={
            "rows": contact_import.total_rows,
            "created": contact_import.created_count,
            "merged": contact_import.merged_count,
            "updated": contact_import.updated_count,
            "rejected": contact_import.rejected_count,
        },
    )


@transaction.atomic
def _run_batch(*, import_id: int, table: Table, batch_size: int) -> bool:
    """One batch, committed with its progress. True when no row is left."""
    contact_import = ContactImport.objects.select_for_update().defer("content").get(pk=import_id)
    start = contact_import.processed_rows
    end = min(start + batch_size, contact_import.total_rows)
    if start >= end:
        return True
    batch = _Batch(contact_import, table, start, end)
    outcomes = batch.run()
    ImportRow.objects.bulk_create(outcomes)
    counts = {f"{o}_count": 0 for o in Outcome.values}
    for row in outcomes:
        counts[f"{row.outcome}_count"] += 1
    ContactImport.objects.filter(pk=import_id).update(
        processed_rows=end,
        updated_at=timezone.now(),
        **{name: F(name) + n for name, n in counts.items()},
    )
    return end >= contact_import.total_rows


class _Batch:
    """Rows [start, end) of an import, processed in order within the batch's transaction."""

    def __init__(self, contact_import: ContactImport, table: Table, start: int, end: int):
        self.contact_import = contact_import
        self.table = table
        self.start, self.end = start, end
        self.actor = contact_import.created_by
        self.replace = contact_import.mode == ContactImport.Mode.UPDATE
        # Identity key → the contact a row of this batch made or touched (a later row naming
        # the same person is merged into it), and the same by contact id.
        self.seen: dict[tuple, Contact] = {}
        self.touched: dict[int, Contact] = {}
        # New contacts, inserted together at the end of the batch: (contact, values, outcome
        # row, "imported" event); and the consents to record once every contact has an id.
        self.pending: list[tuple[Contact, dict, ImportRow, TimelineEvent]] = []
        self.consents: list[tuple[Contact, bool, str]] = []
        self.timeline: list[TimelineEvent] = []

    def run(self) -> list[ImportRow]:
        parsed: list[tuple[int, list[str], ParsedRow | Rejection]] = []
        charter = current_charter()
        for index in range(self.start, self.end):
            cells = self.table.rows[index]
            parsed.append(
                (
                    index + 1,
                    cells,
                    parse_row(
                        cells,
                        self.contact_import.mapping,
                        width=len(self.table.headers),
                        consent_declared=self.contact_import.consent_declared,
                        charter=charter,
                    ),
                )
            )
        valid = [p for _n, _c, p in parsed if isinstance(p, ParsedRow)]
        matches = dict(
            zip(
                map(id, valid),
                find_matches([_identity(p) for p in valid]),
                strict=True,
            )
        )
        # Contacts already made or touched by earlier batches of this file: a row matching
        # one of them is the same person twice in the file.
        earlier = dict(
            ImportRow.objects.filter(
                contact_import=self.contact_import,
                contact_id__in={pk for pk in matches.values() if pk},
                row_number__lte=self.start,
            ).values_list("contact_id", "row_number")
        )
        outcomes = []
        for number, cells, row in parsed:
            if isinstance(row, Rejection):
                outcomes.append(self._rejected(number, cells, row))
            else:
                outcomes.append(self._row(number, cells, row, matches[id(row)], earlier))
        self._create_pending()
        for contact, granted, proof in self.consents:
            if granted and contact.email_consent is False:
                # A file (an old sign-up sheet) never overrides a withdrawal recorded since.
                continue
            set_consent(
                contact=contact,
                channel=Consent.Channel.EMAIL_NEWSLETTER,
                granted=granted,
                source=Source.IMPORT,
                actor=self.actor,
                wording=proof,
            )
        TimelineEvent.objects.bulk_create(self.timeline)
        return outcomes

    def _create_pending(self) -> None:
        contacts = [contact for contact, _values, _row, _event in self.pending]
        if not contacts or insert_contacts(
            contacts=contacts, source=Source.IMPORT, actor=self.actor
        ):
            return
        # One's email was given to a contact meanwhile (another channel): one at a time, and
        # that row becomes a match.
        for contact, values, outcome_row, event in self.pending:
            made = insert_contact(values=values, source=Source.IMPORT, actor=self.actor)
            if made is None:
                made = Contact.objects.select_for_update().get(
                    email_normalized=values["email_normalized"]
                )
                _filled, replaced = apply_values(
                    contact=made,
                    values=values,
                    replace=self.replace,
                    source=Source.IMPORT,
                    actor=self.actor,
                )
                outcome_row.outcome = Outcome.UPDATED if replaced else Outcome.MERGED
                event.data["outcome"] = outcome_row.outcome
            outcome_row.contact = event.contact = made
            self.consents = [(made if c is contact else c, g, p) for c, g, p in self.consents]

    def _rejected(self, number: int, cells: list[str], rejection: Rejection) -> ImportRow:
        return ImportRow(
            contact_import=self.contact_import,
            row_number=number,
            outcome=Outcome.REJECTED,
            reason_code=rejection.code,
            reason=rejection.message[:500],
            values=cells,
        )

    def _same_person(self, row: ParsedRow, match: int | None, earlier) -> Contact | None:
        """The contact an earlier row of this file made or touched, when this row names the
        same person (same email, phone, or first name + last name + postcode; or the same
        contact of the base): the row is merged into it rather than rejected."""
        for key in row.identity_keys():
            if key in self.seen:
                return self.seen[key]
        if match is not None and (match in earlier or match in self.touched):
            return self.touched.get(match) or Contact.objects.select_for_update().get(pk=match)
        return None

    def _merge_into(self, contact: Contact, row: ParsedRow) -> list[str]:
        """Fill the blanks of `contact` with this row's values (never replace: the file's
        first row naming a person wins); returns the fields filled."""
        pending = next((p for p in self.pending if p[0] is contact), None)
        if pending is None:  # a contact in the base already (or made by an earlier batch)
            filled, _replaced = apply_values(
                contact=contact,
                values=row.values,
                replace=False,
                source=Source.IMPORT,
                actor=self.actor,
            )
            return filled
        # A contact this batch will insert: its values are completed before the INSERT.
        values = pending[1]
        filled = []
        for name, value in row.values.items():
            if name in ("email", "email_normalized") or value in ("", None, []):
                continue
            current = values.get(name)
            if isinstance(value, list):
                merged = list(dict.fromkeys([*(current or []), *value]))
                if merged != (current or []):
                    values[name] = merged
                    filled.append(name)
            elif not current:
                values[name] = value
                filled.append(name)
        email = row.values.get("email_normalized")
        if (
            email
            and not values.get("email_normalized")
            and not any(p[1].get("email_normalized") == email for p in self.pending)
            and not Contact.objects.filter(email_normalized=email).exists()
        ):
            values["email"], values["email_normalized"] = row.values["email"], email
            filled.append("email")
        if filled:
            fresh = new_contact(values=values, source=Source.IMPORT)
            for name in (*filled, "department", "email_normalized"):
                setattr(contact, name, getattr(fresh, name))
        return filled

    def _row(self, number, cells, row: ParsedRow, match: int | None, earlier) -> ImportRow:
        keys = row.identity_keys()
        same = self._same_person(row, match, earlier)
        if same is not None:
            contact, outcome, fields = same, Outcome.MERGED, self._merge_into(same, row)
        elif match is None:
            contact = new_contact(values=row.values, source=Source.IMPORT)
            outcome, fields = Outcome.CREATED, []
        else:
            contact = Contact.objects.select_for_update().get(pk=match)
            filled, replaced = apply_values(
                contact=contact,
                values=row.values,
                replace=self.replace,
                source=Source.IMPORT,
                actor=self.actor,
            )
            outcome = Outcome.UPDATED if replaced else Outcome.MERGED
            fields = filled + replaced
        for key in keys:
            self.seen.setdefault(key, contact)
        if contact.pk is not None:
            self.touched.setdefault(contact.pk, contact)
        data = {"import": self.contact_import.pk, "row": number, "outcome": outcome}
        if fields:
            data["fields"] = fields
        if row.consent is not None:
            proof = row.consent_proof or self.contact_import.consent_declaration
            data["consent_proof"] = proof
            # The proof: the file's source column, or the staff member's declaration.
            self.consents.append((contact, row.consent, proof))
        event = TimelineEvent(
            contact=contact,
            code="crm.contact.imported",
            data=data,
            actor_label=str(self.actor) if self.actor else "system",
            dedupe_key=f"import:{self.contact_import.pk}:{number}",
        )
        self.timeline.append(event)
        outcome_row = ImportRow(
            contact_import=self.contact_import,
            row_number=number,
            outcome=outcome,
            contact=contact,
        )
        if same is None and match is None:
            self.pending.append((contact, dict(row.values), outcome_row, event))
        return outcome_row


def _identity(row: ParsedRow) -> Identity:
    values = row.values
    return Identity(
        email_normalized=values.get("email_normalized", ""),
        phone=values.get("phone", ""),
        first_name=values.get("first_name", ""),
        last_name=values.get("last_name", ""),
        postcode=values.get("postcode", ""),
        street=values.get("address_line1", ""),
        town=values.get("city", ""),
    )


def rejected_rows_csv(contact_import: ContactImport) -> str:
    """The rejected rows as the file had them, with the row number and the reason in front
    (semicolon-separated, UTF-8 with a byte-order mark: Excel opens it as it should)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("Row"), _("Reason"), _("Detail"), *contact_import.headers])
    rows = ImportRow.objects.filter(
        contact_import=contact_import, outcome=Outcome.REJECTED
    ).order_by("row_number")
    for row in rows.iterator(chunk_size=2000):
        writer.writerow(
            [
                row.row_number,
                str(REASONS.get(row.reason_code, row.reason_code)),
                row.reason,
                *row.values,
            ]
        )
    return out.getvalue()


def rejection_summary(contact_import: ContactImport) -> list[dict]:
    from django.db.models import Count

    rows = (
        ImportRow.objects.filter(contact_import=contact_import, outcome=Outcome.REJECTED)
        .values("reason_code")
        .annotate(n=Count("id"))
        .order_by("-n", "reason_code")
    )
    return [
        {"code": r["reason_code"], "label": REASONS.get(r["reason_code"]), "n": r["n"]}
        for r in rows
    ]
