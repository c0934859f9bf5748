"""Receipts statements ("bordereau de recette"), per day and per performance: on screen, as
CSV and as PDF, all three rendering the one Statement of selectors.statements."""

from datetime import date
from zoneinfo import ZoneInfo

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.accounts.permissions import capability_required
from tenants.navigation import NavItem, register
from ticketing.models import Performance
from ticketing.selectors.statements import day_statement, performance_statement
from ticketing.statements import statement_csv, statement_filename, statement_pdf

register(
    NavItem(
        key="statements",
        label=_("Statements"),
        url_name="ticketing:statements",
        capability="sales.view",
        order=12,
    )
)


def _venue(request):
    tenant = request.tenant
    return getattr(tenant, "timezone", None) or "Europe/Paris", getattr(
        tenant, "currency", None
    ) or "EUR"


def _respond(request, statement, key: str, context: dict):
    wanted = request.GET.get("format", "")
    if wanted == "csv":
        response = HttpResponse(statement_csv(statement), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{statement_filename(statement, key, "csv")}"'
        )
        return response
    if wanted == "pdf":
        response = HttpResponse(statement_pdf(statement), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="{statement_filename(statement, key, "pdf")}"'
        )
        return response
    return render(
        request, "ticketing/statements/statement.html", {"statement": statement, **context}
    )


@capability_required("sales.view")
def index(request):
    tz, _currency = _venue(request)
    asked = request.GET.get("day", "")
    if asked:
        try:
            return redirect("ticketing:statement_day", day=date.fromisoformat(asked).isoformat())
        except ValueError:
            pass
    today = timezone.localtime(timezone.now(), timezone=ZoneInfo(tz)).date()
    performances = (
        Performance.objects.filter(starts_at__lte=timezone.now())
        .select_related("show", "layout__hall")
        .order_by("-starts_at")[:40]
    )
    return render(
        request,
        "ticketing/statements/index.html",
        {"today": today, "performances": performances},
    )


@capability_required("sales.view")
def day(request, day: str):
    try:
        parsed = date.fromisoformat(day)
    except ValueError as error:
        raise Http404 from error
    tz, currency = _venue(request)
    statement = day_statement(parsed, tz=tz, currency=currency)
    return _respond(request, statement, parsed.isoformat(), {"day": parsed})


@capability_required("sales.view")
def performance(request, pk: int):
    found = get_object_or_404(Performance.objects.select_related("show"), pk=pk)
    tz, currency = _venue(request)
    statement = performance_statement(found, tz=tz, currency=currency)
    key = f"{found.pk}-{timezone.localtime(found.starts_at):%Y%m%d}"
    return _respond(request, statement, key, {"performance": found})


urlpatterns = [
    path("", index, name="statements"),
    path("day/<str:day>/", day, name="statement_day"),
    path("performance/<int:pk>/", performance, name="statement_performance"),
]
