"""How the dashboard writes a figure, on the page and in its CSV export alike."""

from datetime import date, datetime
from decimal import Decimal

from django import template
from django.utils import formats, timezone
from django.utils.numberformat import format as number_format

from ticketing.templatetags.ticketing_ui import money

register = template.Library()


def cell_text(value, kind: str, currency: str = "EUR") -> str:
    if value is None or value == "":
        return "—" if kind != "text" else ""
    if kind == "money":
        return money(round(value), currency)
    if kind == "percent":
        return f"{formats.number_format(Decimal(value * 100).quantize(Decimal('0.1')), 1)}\u00a0%"
    if kind == "decimal":
        return formats.number_format(Decimal(value).quantize(Decimal("0.01")), 2)
    if kind == "int":
        return number_format(int(value), 0, grouping=3, thousand_sep="\u202f", force_grouping=True)
    if kind == "datetime" and isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if kind == "month" and isinstance(value, date):
        return formats.date_format(value, "YEAR_MONTH_FORMAT")
    if kind in ("date", "month") and isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


@register.simple_tag
def cell(row: dict, column) -> str:
    return cell_text(row.get(column.key), column.kind)


@register.filter
def kpi_text(kpi: dict) -> str:
    return cell_text(kpi["value"], kpi["kind"])


def chart_value(value, kind: str):
    """A figure as the chart plots it: money in units, shares in percent."""
    if value is None:
        return None
    if kind == "money":
        return round(value / 100, 2)
    if kind == "percent":
        return round(value * 100, 1)
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATE_FORMAT")
    if isinstance(value, date):
        return cell_text(value, kind)
    return value
