"""Contacts out as CSV or XLSX: any queryset of contacts (a search, a filter, later a segment:
`segment_queryset(definition)`), every export in the audit trail with its count and filter.

CSV is streamed (rows read 2,000 at a time, written as they come: any size, constant memory).
XLSX is written by openpyxl in write-only mode (constant memory too) and sent once complete,
up to XLSX_MAX_ROWS contacts; beyond, CSV is the format (Excel opens it)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import Contact
from tenants.accounts.audit import record_event
from tenants.accounts.models import User
from tenants.errors import ValidationFailed

XLSX_MAX_ROWS = 100_000
FORMATS = ("csv", "xlsx")
COLUMNS = (
    ("id", gettext_lazy("Id")),
    ("last_name", gettext_lazy("Last name")),
    ("first_name", gettext_lazy("First name")),
    ("email", gettext_lazy("Email")),
    ("phone", gettext_lazy("Phone")),
    ("other_phone", gettext_lazy("Other phone")),
    ("address_line1", gettext_lazy("Postal address")),
    ("address_line2", gettext_lazy("Address (continued)")),
    ("postcode", gettext_lazy("Postcode")),
    ("city", gettext_lazy("Town")),
    ("country", gettext_lazy("Country")),
    ("department", gettext_lazy("Département")),
    ("language", gettext_lazy("Language")),
    ("contact_types", gettext_lazy("Types")),
    ("tags", gettext_lazy("Tags")),
    ("email_consent", gettext_lazy("Newsletter consent")),
    ("first_source", gettext_lazy("First source")),
    ("first_seen_at", gettext_lazy("First seen")),
    ("purchase_count", gettext_lazy("Purchases")),
    ("attendance_count", gettext_lazy("Attendances")),
    ("last_attended_at", gettext_lazy("Last attended")),
)
FIELDS = [name for name, _label in COLUMNS]


def _plain(value) -> str | int:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _rows(queryset: QuerySet[Contact]) -> Iterator[list]:
    for values in queryset.order_by("pk").values_list(*FIELDS).iterator(chunk_size=2000):
        yield [_plain(v) for v in values]


class _Echo:
    def write(self, value):
        return value


def csv_chunks(queryset: QuerySet[Contact]) -> Iterator[str]:
    """The CSV, a line at a time (semicolons and a byte-order mark, as Excel in French
    expects)."""
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow([str(label) for _name, label in COLUMNS])
    for row in _rows(queryset):
        yield writer.writerow(row)


def xlsx_bytes(queryset: QuerySet[Contact]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Contacts")[:31])
    sheet.append([str(label) for _name, label in COLUMNS])
    for row in _rows(queryset):
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_contacts(
    *, queryset: QuerySet[Contact], file_format: str, description: str, actor: User | None
):
    """Log the export (count, format, filter) and return the file: an iterator of CSV text,
    or the XLSX bytes. Merged and anonymised contacts are never exported."""
    if file_format not in FORMATS:
        raise ValidationFailed(
            _("Choose CSV or XLSX."), code="crm.export.format_invalid", field="format"
        )
    queryset = queryset.filter(merged_into__isnull=True, anonymised_at__isnull=True)
    count = queryset.count()
    if file_format == "xlsx" and count > XLSX_MAX_ROWS:
        raise ValidationFailed(
            _("More than %(max)s contacts: export them as CSV.") % {"max": XLSX_MAX_ROWS},
            code="crm.export.too_large",
            field="format",
        )
    record_event(
        code="crm.contact.exported",
        actor=actor,
        object_type="crm.contact",
        data={"count": count, "format": file_format, "filter": description[:500]},
    )
    if file_format == "csv":
        return csv_chunks(queryset)
    return xlsx_bytes(queryset)


def filtered_contacts(
    *,
    q: str = "",
    department: str = "",
    contact_type: str = "",
    consent: str = "",
    criterion: str = "",
    tag: str = "",
    segment: int | None = None,
) -> tuple[QuerySet[Contact], str]:
    """The contacts a saved segment, a search and filters find (the contact list's, the
    API's), with the filter in words for the audit trail. An unknown segment: ValidationFailed."""
    from django.db.models import Q

    from crm.models import Segment
    from crm.search import matching_contact_ids
    from crm.segments.definition import segment_queryset

    queryset = Contact.objects.filter(merged_into__isnull=True, anonymised_at__isnull=True)
    described = []
    if segment is not None:
        saved = Segment.objects.filter(pk=segment).first()
        if saved is None:
            raise ValidationFailed(
                _("Unknown segment."), code="crm.export.segment_unknown", field="segment"
            )
        queryset = segment_queryset(saved.definition)
        described.append(f"segment={saved.pk} ({saved.name})")
    ids = matching_contact_ids(q)
    if ids is not None:
        queryset = queryset.filter(Q(pk__in=ids))
        described.append(f"q={q}")
    if department:
        queryset = queryset.filter(department=department.upper())
        described.append(f"department={department.upper()}")
    if contact_type:
        queryset = queryset.filter(contact_types__contains=[contact_type])
        described.append(f"type={contact_type}")
    if consent in ("yes", "no", "unknown"):
        queryset = queryset.filter(
            email_consent={"yes": True, "no": False, "unknown": None}[consent]
        )
        described.append(f"consent={consent}")
    if criterion:
        queryset = queryset.filter(criteria__contains=[criterion])
        described.append(f"criterion={criterion}")
    if tag:
        queryset = queryset.filter(tags__contains=[tag])
        described.append(f"tag={tag}")
    return queryset, ", ".join(described) or "all"


# An export of more contacts than this is written by a Celery task (the page polls for it).
BACKGROUND_FROM = 20_000


def request_export(*, filters: dict, file_format: str, actor: User | None):
    """Queue a big export (the task is sent once the transaction commits)."""
    from django.db import transaction

    from . import tasks
    from .models import ContactExport

    if file_format not in FORMATS:
        raise ValidationFailed(
            _("Choose CSV or XLSX."), code="crm.export.format_invalid", field="format"
        )
    export = ContactExport.objects.create(
        created_by=actor if getattr(actor, "pk", None) else None,
        file_format=file_format,
        filters=filters,
    )
    transaction.on_commit(lambda: tasks.write_export_task.delay(export.pk))
    return export


def write_export(*, export_id: int) -> None:
    """Write a queued export's file (the task). Idempotent: a written export is left as it is;
    the audit entry is recorded with the file, in the same transaction."""
    from django.db import transaction
    from django.utils import timezone

    from .models import ContactExport

    with transaction.atomic():
        export = ContactExport.objects.select_for_update().defer("content").get(pk=export_id)
        if export.status != ContactExport.Status.QUEUED:
            return
        try:
            queryset, description = filtered_contacts(**export.filters)
            content = export_contacts(
                queryset=queryset,
                file_format=export.file_format,
                description=description,
                actor=export.created_by,
            )
        except ValidationFailed as error:
            export.status, export.error = ContactExport.Status.FAILED, error.message[:500]
            export.save(update_fields=["status", "error"])
            return
        if export.file_format == "csv":
            content = "".join(content).encode("utf-8")
        export.content = content
        export.row_count = queryset.count()
        export.status = ContactExport.Status.DONE
        export.finished_at = timezone.now()
        export.save(update_fields=["content", "row_count", "status", "finished_at"])
