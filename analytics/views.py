"""The statistics pages (back office): the sales dashboard and its exports. Reads only the
aggregates (analytics.dashboard)."""

import csv
import io

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from tenants.accounts.permissions import capability_required
from tenants.navigation import NavItem, register

from . import dashboard
from .templatetags.analytics_ui import cell_text, chart_value

app_name = "analytics"

register(
    NavItem(
        key="statistics",
        label=_("Statistics"),
        url_name="analytics:sales",
        capability="sales.view",
        order=14,
    )
)

SEASON_MAX = 9  # "2026-2027"


def _int(value: str | None, *, low: int, high: int) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if low <= number <= high else None


def _charts(board) -> list[dict]:
    """What static/js/analytics.js draws: per chart, its table's labels and series."""
    charts = []
    for table in board.tables.values():
        if not table.chart or not table.rows:
            continue
        kinds = {c.key: c.kind for c in table.columns}
        x_kind = kinds[table.chart["x"]]
        charts.append(
            {
                "key": table.key,
                "type": table.chart["type"],
                "labels": [cell_text(r.get(table.chart["x"]), x_kind) for r in table.rows],
                "series": [
                    {
                        "label": str(label),
                        "axis": axis,
                        "data": [chart_value(r.get(key), kinds[key]) for r in table.rows],
                    }
                    for key, label, axis in table.chart["series"]
                ],
            }
        )
    return charts


@capability_required("sales.view")
def sales(request):
    season = (request.GET.get("season") or "")[:SEASON_MAX] or None
    board = dashboard.build(
        season=season,
        performance_id=_int(request.GET.get("performance"), low=1, high=2**62),
        j14_below=_int(request.GET.get("j14_below"), low=1, high=100),
    )
    wanted = request.GET.get("export", "")
    if wanted:
        return _export(board, wanted, request.GET.get("format", "csv"))
    from .goals.selectors import goals_summary

    context = {"board": board, "charts": _charts(board), "goals": goals_summary()}
    return render(request, "analytics/sales.html", context)


def _export(board, key: str, fmt: str) -> HttpResponse:
    table = board.table(key)
    if table is None or fmt not in ("csv", "xlsx"):
        raise Http404
    name = slugify(f"{table.key}-{board.season}") or "export"
    header = [str(c.label) for c in table.columns]
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = str(table.title)[:31]
        sheet.append(header)
        for row in table.rows:
            sheet.append([_xlsx_value(row.get(c.key), c.kind) for c in table.columns])
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        writer.writerow(header)
        for row in table.rows:
            writer.writerow([cell_text(row.get(c.key), c.kind) for c in table.columns])
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _xlsx_value(value, kind: str):
    if value is None:
        return None
    if kind == "money":
        return round(value / 100, 2)
    if kind == "datetime":
        return timezone.localtime(value).replace(tzinfo=None)
    return value if isinstance(value, (int, float)) else str(value)


# The other statistics pages reuse the charts and exports above.
from . import (  # noqa: E402
    views_audience,
    views_communication,
    views_compare,
    views_contacts,
    views_funnel,
    views_reports,
)
from .goals import views as views_goals  # noqa: E402

urlpatterns = [
    path("", sales, name="sales"),
    *views_contacts.urlpatterns,
    *views_communication.urlpatterns,
    *views_audience.urlpatterns,
    *views_funnel.urlpatterns,
    *views_goals.urlpatterns,
    *views_reports.urlpatterns,
    *views_compare.urlpatterns,
]
