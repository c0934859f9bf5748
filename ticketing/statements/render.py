"""A statement as CSV (semicolons and a byte-order mark, as Excel in French expects) and as
PDF (WeasyPrint, fonts shipped in static/vendor/fonts, nothing fetched from the network: the
same fetcher as the tickets). Every cell is written by `cell_text`."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import number_format
from weasyprint import HTML

from ticketing.selectors.statements import Statement
from ticketing.templatetags.ticketing_ui import money, percent_bp
from ticketing.tickets.pdf import LocalOnlyFetcher, current_venue, font_urls, static_roots


def cell_text(value, kind: str, currency: str = "EUR", *, plain: bool = False) -> str:
    """A cell as shown. `plain` (CSV): amounts as numbers with two decimals, no symbol."""
    if value is None or value == "":
        return ""
    if kind == "money":
        if plain:
            return number_format(Decimal(int(value)) / 100, 2, use_l10n=True)
        return money(value, currency)
    if kind == "rate":
        return percent_bp(value)
    return str(value)


def statement_csv(statement: Statement) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([statement.title, statement.subtitle])
    for section in statement.sections:
        writer.writerow([])
        writer.writerow([section.title])
        writer.writerow([str(c.label) for c in section.columns])
        for row in [*section.rows, *([section.total] if section.total else [])]:
            writer.writerow(
                [
                    cell_text(row.get(c.key), c.kind, statement.currency, plain=True)
                    for c in section.columns
                ]
            )
    return "\ufeff" + out.getvalue()


def statement_html(statement: Statement) -> str:
    venue = current_venue()
    with timezone.override(getattr(venue, "timezone", None) or settings.TIME_ZONE):
        return render_to_string(
            "ticketing/statements/pdf.html",
            {
                "venue": venue,
                "statement": statement,
                "fonts": font_urls(),
                "now": timezone.now(),
                "LANGUAGE_CODE": translation.get_language(),
            },
        )


def statement_pdf(statement: Statement) -> bytes:
    document = HTML(
        string=statement_html(statement),
        base_url=str(settings.BASE_DIR),
        url_fetcher=LocalOnlyFetcher(static_roots()),
    )
    return document.write_pdf()


def statement_filename(statement: Statement, key: str, extension: str) -> str:
    return f"bordereau-{statement.kind}-{key}.{extension}"
