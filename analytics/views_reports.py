"""The reports page (season or period report as PDF/XLSX) and the SIBIL returns (validation
list, settings, export). Capability `sales.view`, as the receipts statements; the SIBIL
settings are edited with `venue.manage`."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.accounts.permissions import capability_required
from tenants.accounts.roles import user_can

from .reports import sibil
from .reports.data import build_report
from .reports.forms import (
    GenreDomainsForm,
    PeriodForm,
    ReportForm,
    SibilSettingsForm,
    last_quarter,
)
from .reports.render import report_pdf, report_xlsx
from .selectors import default_season, seasons_overview

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@capability_required("sales.view")
def reports(request):
    overview = seasons_overview()
    seasons = [s["season"] for s in overview]
    wanted = "format" in request.GET
    form = ReportForm(
        request.GET if wanted else None,
        seasons=seasons,
        initial={"season": default_season(overview) if seasons else ""},
    )
    if wanted and form.is_valid():
        data = form.cleaned_data
        if data["scope"] == "season":
            report = build_report(season=data["season"])
        else:
            report = build_report(start=data["start"], end=data["end"])
        if data["format"] == "xlsx":
            return _download(report_xlsx(report), XLSX, f"rapport-{report.slug}.xlsx")
        return _download(report_pdf(report), "application/pdf", f"rapport-{report.slug}.pdf")
    start, end = last_quarter(timezone.localdate())
    return render(
        request,
        "analytics/reports.html",
        {"form": form, "seasons": seasons, "sibil_start": start, "sibil_end": end},
        status=400 if wanted else 200,
    )


def _period(request) -> tuple[PeriodForm, object]:
    start, end = last_quarter(timezone.localdate())
    form = PeriodForm(request.GET or None, initial={"start": start, "end": end})
    if not request.GET:
        return form, sibil.validate_period(start=start, end=end)
    if form.is_valid():
        return form, sibil.validate_period(
            start=form.cleaned_data["start"], end=form.cleaned_data["end"]
        )
    return form, None


@capability_required("sales.view")
def sibil_page(request):
    can_edit = user_can(request.user, "venue.manage")
    current = sibil.genre_domains()
    genres = _programme_genres()
    settings_form = SibilSettingsForm(instance=sibil.sibil_settings())
    domains_form = GenreDomainsForm(genres=genres, current=current)
    if request.method == "POST":
        if not can_edit:
            return HttpResponse(status=403)
        if request.POST.get("action") == "settings":
            settings_form = SibilSettingsForm(request.POST, instance=sibil.sibil_settings())
            if settings_form.is_valid():
                fields = {f: settings_form.cleaned_data[f] for f in sibil.SETTINGS_FIELDS}
                sibil.update_sibil_settings(actor=request.user, **fields)
                messages.success(request, _("SIBIL settings saved."))
                return redirect(reverse("analytics:sibil") + "#settings")
        else:
            domains_form = GenreDomainsForm(request.POST, genres=genres, current=current)
            if domains_form.is_valid():
                sibil.set_genre_domains(actor=request.user, mapping=domains_form.mapping())
                messages.success(request, _("SIBIL domains saved."))
                return redirect(reverse("analytics:sibil") + "#domains")
    form, validation = _period(request)
    context = {
        "form": form,
        "validation": validation,
        "settings_form": settings_form,
        "domains_form": domains_form,
        "can_edit": can_edit,
        "format": sibil.FORMAT,
        "format_version": sibil.FORMAT_VERSION,
    }
    status = 400 if request.method == "POST" or (request.GET and validation is None) else 200
    return render(request, "analytics/sibil.html", context, status=status)


def _programme_genres() -> list[str]:
    from ticketing.models import Show

    genres: set[str] = set()
    for row in Show.objects.values_list("genres", flat=True):
        genres.update(g for g in row or [] if g)
    genres.update(sibil.genre_domains())
    return sorted(genres, key=str.lower)


@capability_required("sales.view")
def sibil_export(request):
    form, validation = _period(request)
    fmt = request.GET.get("format", "json")
    if validation is None or fmt not in ("json", "csv"):
        return render(
            request,
            "analytics/sibil_refused.html",
            {"form": form, "message": _("Choose a valid period and format.")},
            status=400,
        )
    try:
        content = sibil.export_json(validation) if fmt == "json" else sibil.export_csv(validation)
    except sibil.SibilExportRefused as refused:
        return render(
            request,
            "analytics/sibil_refused.html",
            {"form": form, "message": str(refused), "validation": validation},
            status=409,
        )
    name = f"sibil-{validation.start:%Y%m%d}-{validation.end:%Y%m%d}.{fmt}"
    content_type = "application/json" if fmt == "json" else "text/csv; charset=utf-8"
    return _download(content, content_type, name)


urlpatterns = [
    path("reports/", reports, name="reports"),
    path("reports/sibil/", sibil_page, name="sibil"),
    path("reports/sibil/export/", sibil_export, name="sibil_export"),
]
