"""How the dashboard writes a figure, on the page and in its CSV export alike."""

from datetime import date, datetime
from functools import lru_cache

from django import template
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, gettext_noop

from ticketing.templatetags.ticketing_ui import money

register = template.Library()


@lru_cache(maxsize=16)
def _separators(language: str | None) -> tuple[str, str]:
    """(decimal, thousands) of the active language (French: "," and a narrow space)."""
    decimal = str(formats.get_format("DECIMAL_SEPARATOR"))
    return decimal, "\u202f" if decimal == "," else ","


def _number(value: float, places: int) -> str:
    decimal, thousands = _separators(get_language())
    text = f"{value:,.{places}f}"
    return text.replace(",", "\x00").replace(".", decimal).replace("\x00", thousands)


def cell_text(value, kind: str, currency: str = "EUR") -> str:
    if value is None or value == "":
        return "—" if kind != "text" else ""
    if kind == "money":
        return money(round(value), currency)
    if kind == "percent":
        return f"{_number(value * 100, 1)}\u00a0%"
    if kind == "decimal":
        return _number(value, 2)
    if kind == "int":
        return _number(int(value), 0)
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


NUMERIC = {"int", "money", "percent", "decimal"}


@register.simple_tag
def table_rows(table) -> str:
    """The table's body, written here rather than with template tags: a season's tables
    hold a few thousand cells, which Django's template engine takes tenths of a second to
    walk (the page must answer in well under 300 ms)."""
    columns = [(c.key, c.kind, c.kind in NUMERIC) for c in table.columns]
    extra = table.key == "performances"
    orders, curve = gettext("orders"), gettext("curve")
    out = []
    for row in table.rows:
        cells = []
        for index, (key, kind, numeric) in enumerate(columns):
            text = escape(cell_text(row.get(key), kind))
            if index == 0:
                link = row.get("link")
                if link:
                    text = f'<a href="{escape(link)}">{text}</a>'
                cells.append(f'<th scope="row">{text}</th>')
            else:
                cells.append(f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>")
        if extra:
            cells.append(
                f'<td class="small"><a href="{escape(row["orders_link"])}">{orders}</a> · '
                f'<a href="{escape(row["curve_link"])}">{curve}</a></td>'
            )
        out.append("<tr>" + "".join(cells) + "</tr>")
    return mark_safe("".join(out))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def numeric_kinds() -> set[str]:
    return NUMERIC


# The statistics pages, each shown to whom may open it: (url name, label, capability).
STATISTICS_PAGES = (
    ("analytics:sales", gettext_noop("Sales"), "sales.view"),
    ("analytics:contacts", gettext_noop("Contact base"), "contacts.view"),
    ("analytics:audience", gettext_noop("Audience"), "contacts.view"),
    ("analytics:communication", gettext_noop("Communication"), "campaigns.manage"),
    ("analytics:funnel", gettext_noop("Checkout funnel"), "sales.view"),
    ("analytics:goals", gettext_noop("Goals"), "sales.view"),
    ("analytics:reports", gettext_noop("Reports"), "sales.view"),
    ("analytics:compare", gettext_noop("Compare"), "sales.view"),
)


@register.inclusion_tag("analytics/_tabs.html", takes_context=True)
def statistics_tabs(context, current: str) -> dict:
    from django.urls import reverse

    from tenants.accounts.roles import user_can

    user = context["request"].user
    return {
        "tabs": [
            {"url": reverse(name), "label": gettext(label), "current": name == current}
            for name, label, capability in STATISTICS_PAGES
            if user_can(user, capability)
        ]
    }
