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
    *, q: str = "", department: str = "", contact_type: str = "", consent: str = ""
) -> tuple[QuerySet[Contact], str]:
    """The contacts a search and filters find (the contact list's, the API's), with the
    filter in words for the audit trail."""
    from django.db.models import Q

    from crm.search import matching_contact_ids

    queryset = Contact.objects.filter(merged_into__isnull=True, anonymised_at__isnull=True)
    described = []
    ids = matching_contact_ids(q)
    if ids is not None:
        queryset = queryset.filter(Q(pk__in=ids))
        described.append(f"q={q}")
    if department:
        queryset = queryset.filter(department=department)
        described.append(f"department={department}")
    if contact_type:
        queryset = queryset.filter(contact_types__contains=[contact_type])
        described.append(f"type={contact_type}")
    if consent in ("yes", "no", "unknown"):
        queryset = queryset.filter(
            email_consent={"yes": True, "no": False, "unknown": None}[consent]
        )
        described.append(f"consent={consent}")
    return queryset, ", ".join(described) or "all"
