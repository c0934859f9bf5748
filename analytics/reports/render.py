"""A report as PDF (WeasyPrint, A4, the venue's name and logo, charts drawn here as inline
SVG; fonts shipped in static/vendor/fonts, nothing fetched: the tickets' fetcher) and as an
XLSX workbook (openpyxl, one sheet per section). Every cell as `analytics_ui.cell_text`
writes it in the PDF; numbers as numbers in the workbook."""

from __future__ import annotations

import io

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ticketing.tickets.pdf import (
    LocalOnlyFetcher,
    current_venue,
    font_urls,
    logo_data_url,
    static_roots,
)

from ..templatetags.analytics_ui import cell_text
from .data import Report

# The list of performances is in the workbook only: a season of 250 performances would double
# the PDF's pages and its rendering time (WeasyPrint lays tables out slowly).
PDF_LEAVES_OUT = {"performances"}
BAR_HEIGHT = 16
LABEL_WIDTH = 190
BAR_WIDTH = 260
TEXT_WIDTH = 70


def bars_svg(bars: list[tuple[str, float, str]], *, colour: str = "#8a1538") -> str:
    """A horizontal bar chart: one bar per (label, value in 0..1, text)."""
    width = LABEL_WIDTH + BAR_WIDTH + TEXT_WIDTH
    height = BAR_HEIGHT * len(bars) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" font-size="9">'
    ]
    for index, (label, value, text) in enumerate(bars):
        y = index * BAR_HEIGHT + 2
        short = label if len(label) <= 34 else label[:33] + "…"
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 11}" text-anchor="end" fill="#1d1d1f">'
            f"{escape(short)}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y + 2}" width="{BAR_WIDTH}" height="{BAR_HEIGHT - 5}" '
            f'fill="#eee"/>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 2}" width="{value * BAR_WIDTH:.1f}" '
            f'height="{BAR_HEIGHT - 5}" fill="{escape(colour)}"/>'
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{y + 11}" fill="#1d1d1f">'
            f"{escape(text)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)


def _rows(table) -> list[dict]:
    """The table's cells as text, for the template (a `total` row marked)."""
    return [
        {
            "cells": [
                (cell_text(row.get(c.key), c.kind), c.kind not in ("text", "datetime", "date"))
                for c in table.columns
            ],
            "total": bool(row.get("total")),
        }
        for row in table.rows
    ]


def report_html(report: Report) -> str:
    venue = current_venue()
    colour = getattr(venue, "accent_color", "") or "#8a1538"
    sections = []
    for section in report.sections:
        if section.key in PDF_LEAVES_OUT:
            continue
        sections.append(
            {
                "section": section,
                "tables": [
                    {"table": t, "columns": t.columns, "rows": _rows(t)} for t in section.tables
                ],
                "charts": [
                    {"title": title, "svg": bars_svg(bars, colour=colour)}
                    for title, bars in section.charts
                    if bars
                ],
            }
        )
    totals = report.totals
    figures = [
        (cell_text(totals["performances"], "int"), _("Performances")),
        (cell_text(totals["tickets"], "int"), _("Tickets sold")),
        (cell_text(totals["invitations"], "int"), _("Invitations")),
        (cell_text(totals["revenue_cents"], "money"), _("Ticket revenue")),
        (cell_text(totals["fill"], "percent"), _("Fill rate")),
        (cell_text(totals["online_share"], "percent"), _("Online share")),
    ]
    with timezone.override(getattr(venue, "timezone", None) or settings.TIME_ZONE):
        return render_to_string(
            "analytics/reports/pdf.html",
            {
                "venue": venue,
                "logo": logo_data_url(venue),
                "report": report,
                "sections": sections,
                "figures": figures,
                "fonts": font_urls(),
                "now": timezone.now(),
                "LANGUAGE_CODE": translation.get_language(),
            },
        )


def report_pdf(report: Report) -> bytes:
    from weasyprint import HTML

    return HTML(
        string=report_html(report),
        base_url=str(settings.BASE_DIR),
        url_fetcher=LocalOnlyFetcher(static_roots()),
    ).write_pdf()


def _xlsx_value(value, kind: str):
    if value is None or value == "":
        return None
    if kind == "money":
        return round(value / 100, 2)
    if kind == "datetime":
        return timezone.localtime(value).replace(tzinfo=None)
    return value if isinstance(value, (int, float)) else str(value)


XLSX_FORMATS = {"money": "#,##0.00 €", "percent": "0.0%", "decimal": "0.00", "int": "#,##0"}


def report_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    summary = book.active
    summary.title = str(report.title)[:31]
    venue = current_venue()
    summary.append([venue.name])
    summary.append([str(report.title), report.scope])
    summary["A1"].font = Font(bold=True, size=13)
    for section in report.sections:
        sheet = book.create_sheet(str(section.title)[:31])
        if section.note:
            sheet.append([str(section.note)])
        if not section.available:
            continue
        for table in section.tables:
            if len(section.tables) > 1:
                sheet.append([str(table.title)])
                sheet.cell(sheet.max_row, 1).font = Font(bold=True)
            sheet.append([str(c.label) for c in table.columns])
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
            for row in table.rows:
                values = []
                for c in table.columns:
                    value = row.get(c.key)
                    if c.key == "text" and "value" in row:  # figure rows: the number itself
                        value, kind = row["value"], row["kind"]
                    else:
                        kind = c.kind
                    values.append((_xlsx_value(value, kind), kind))
                sheet.append([v for v, _kind in values])
                for column, (_value, kind) in enumerate(values, start=1):
                    cell = sheet.cell(sheet.max_row, column)
                    if kind in XLSX_FORMATS:
                        cell.number_format = XLSX_FORMATS[kind]
                    if row.get("total"):
                        cell.font = Font(bold=True)
            sheet.append([])
        sheet.column_dimensions["A"].width = 34
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
