"""The rows of an uploaded contact file, whatever spreadsheet or export tool made it.

CSV: the encoding is UTF-8 (with or without a byte-order mark), UTF-16 with its mark (Excel's
"Unicode text"), else Windows-1252 (Excel's "CSV" on a French Windows); the delimiter is
whichever of `;` `,` tab `|` splits the header line (the csv module's Sniffer, then a count
outside quotes). XLSX: the first sheet, read with openpyxl in read-only mode; numbers that are
whole come back without ".0" (phones, postcodes), dates as ISO dates.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _

from tenants.errors import ValidationFailed

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 100
DELIMITERS = ";,\t|"


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]  # every data row, as many cells as it had (trailing blank rows cut)
    encoding: str = ""
    delimiter: str = ""


def detect_format(file_name: str, content: bytes) -> str:
    if content[:4] == b"PK\x03\x04":
        return "xlsx"
    return "csv"


def decode(content: bytes) -> tuple[str, str]:
    """(text, encoding name)."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16"), "utf-16"
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return content.decode("latin-1"), "latin-1"


def detect_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        pass
    header = text.splitlines()[0] if text else ""
    counts = {d: 0 for d in DELIMITERS}
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=counts.get)
    return best if counts[best] else ";"


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if not value.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _clean(row) -> list[str]:
    # PostgreSQL refuses NUL characters in text: they never mean anything in a contact file.
    return [_cell(v).replace("\x00", "").strip() for v in row]


def _finish(rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows or not any(rows[0]):
        raise ValidationFailed(_("The file is empty."), code="crm.import.empty", field="file")
    headers = rows[0][:MAX_COLUMNS]
    while headers and not headers[-1]:
        headers.pop()
    data = rows[1:]
    if len(data) > MAX_ROWS:
        raise ValidationFailed(
            _("The file has more than %(max)s rows: split it.") % {"max": MAX_ROWS},
            code="crm.import.too_many_rows",
            field="file",
        )
    return headers, data


def read_csv(content: bytes) -> Table:
    text, encoding = decode(content)
    delimiter = detect_delimiter(text)
    csv.field_size_limit(1_000_000)
    try:
        rows = [_clean(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as error:
        raise ValidationFailed(
            _("The file could not be read as CSV: %(error)s") % {"error": error},
            code="crm.import.unreadable",
            field="file",
        ) from None
    headers, data = _finish(rows)
    return Table(headers, data, encoding, delimiter)


def read_xlsx(content: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ValidationFailed(
            _("The file could not be read as an Excel workbook (.xlsx)."),
            code="crm.import.unreadable",
            field="file",
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(_clean(row[:MAX_COLUMNS]))
            if len(rows) > MAX_ROWS + 1:
                break
    finally:
        workbook.close()
    headers, data = _finish(rows)
    return Table(headers, data)


def read_table(file_format: str, content: bytes) -> Table:
    return read_xlsx(content) if file_format == "xlsx" else read_csv(content)
