"""The cooperative console, on the base host: venues, their health, onboarding, and the
cooperative's figures (aggregates the venues share: tenants.figures)."""

import csv
import io

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenants.accounts.permissions import cooperative_admin_required
from tenants.accounts.selectors import recent_events
from tenants.errors import ParterreError
from tenants.figures import SHAREABLE_FIGURES, figure_text
from tenants.forms import CreateVenueForm, VenueKindForm
from tenants.models import Venue
from tenants.selectors import (
    cooperative_totals,
    list_venues,
    published_seasons,
    venue_health,
    venue_url,
)
from tenants.services import create_venue, reactivate_venue, set_venue_kind, suspend_venue


@cooperative_admin_required
def venue_list(request):
    venues = list(list_venues())
    health = venue_health(venues)
    rows = [
        {
            "venue": v,
            "health": health.get(v.pk),
            "url": venue_url(v),
            "kind_form": VenueKindForm(initial={"kind": v.kind}, prefix=f"v{v.pk}"),
        }
        for v in venues
    ]
    return render(
        request,
        "console/venue_list.html",
        {
            "rows": rows,
            "active_count": sum(1 for v in venues if v.is_active),
            # Reads and publications of the shared figures: on the figures page.
            "events": recent_events(limit=10, exclude_prefix=FIGURE_EVENTS),
        },
    )


@cooperative_admin_required
def venue_create(request):
    form = CreateVenueForm(request.POST or None, base_domain=settings.PARTERRE_BASE_DOMAIN)
    if request.method == "POST" and form.is_valid():
        try:
            created = create_venue(actor=request.user, **form.cleaned_data)
        except ParterreError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("%(venue)s is ready (%(seconds).1f s). An invitation was sent to %(email)s.")
                % {
                    "venue": created.venue.name,
                    "seconds": created.seconds,
                    "email": created.admin.email,
                },
            )
            return redirect("console:venue_list")
    return render(request, "console/venue_create.html", {"form": form})


@require_POST
@cooperative_admin_required
def venue_set_status(request, pk: int):
    venue = get_object_or_404(Venue.objects.exclude(schema_name="public"), pk=pk)
    if request.POST.get("action") == "suspend":
        suspend_venue(venue=venue, actor=request.user)
        messages.warning(request, _("%(venue)s is suspended.") % {"venue": venue.name})
    else:
        reactivate_venue(venue=venue, actor=request.user)
        messages.success(request, _("%(venue)s is active again.") % {"venue": venue.name})
    return redirect("console:venue_list")


@require_POST
@cooperative_admin_required
def venue_set_kind(request, pk: int):
    venue = get_object_or_404(Venue.objects.exclude(schema_name="public"), pk=pk)
    form = VenueKindForm(request.POST, prefix=f"v{venue.pk}")
    if form.is_valid():
        set_venue_kind(venue=venue, kind=form.cleaned_data["kind"], actor=request.user)
        messages.success(
            request,
            _("%(venue)s is now compared with: %(kind)s.")
            % {"venue": venue.name, "kind": venue.get_kind_display()},
        )
    else:
        messages.error(request, _("Unknown kind of venue."))
    return redirect("console:venue_list")


FIGURE_EVENTS = "tenants.figures."

# The cooperative's figures: (key, column heading) of the table, in order. Fill rate and
# basket are per venue only: a cooperative total would need each venue's capacity.
FIGURE_COLUMNS = ("tickets", "revenue", "online_share", "fill_rate", "tickets_30d")


@cooperative_admin_required
def cooperative_figures(request):
    seasons = published_seasons()
    season = request.GET.get("season", "")[:9]
    if season not in seasons:
        season = seasons[0] if seasons else ""
    data = cooperative_totals(season, actor=request.user)
    columns = [(key, SHAREABLE_FIGURES[key]) for key in FIGURE_COLUMNS]
    rows = [
        {
            "venue": row.venue,
            "cells": [figure_text(row.figures.get(k), f.kind) for k, f in columns],
            "last_sale_on": row.last_sale_on,
            "health": row.health,
            "computed_at": row.computed_at,
        }
        for row in data.rows
    ]
    totals = [
        figure_text(data.totals.get(k), f.kind) if k in data.totals else "—" for k, f in columns
    ]
    medians = [figure_text(data.medians.get(k), f.kind) for k, f in columns]
    if request.GET.get("export") == "csv":
        return _figures_csv(season, columns, data)
    labels = [Truncator(r.venue.name).chars(22) for r in data.rows]
    chart = [
        {
            "key": key,
            "type": "hbar",
            "labels": labels,
            "series": [
                {
                    "label": str(SHAREABLE_FIGURES[key].label),
                    "axis": axis,
                    "data": [
                        None if r.figures.get(key) is None else round(r.figures[key] * scale, 1)
                        for r in data.rows
                    ],
                }
            ],
        }
        for key, axis, scale in (("tickets", "y", 1), ("online_share", "p", 100))
    ]
    return render(
        request,
        "console/figures.html",
        {
            "season": season,
            "seasons": seasons,
            "columns": [f for _k, f in columns],
            "rows": rows,
            "totals": totals,
            "medians": medians,
            "kpis": [
                (f.label, figure_text(data.totals[k], f.kind))
                for k, f in columns
                if data.totals.get(k) is not None
            ],
            "charts": chart if any(r.figures.get("tickets") for r in data.rows) else [],
            "events": recent_events(limit=10, code_prefix=FIGURE_EVENTS),
            "chart_titles": [
                ("tickets", SHAREABLE_FIGURES["tickets"].label),
                ("online_share", SHAREABLE_FIGURES["online_share"].label),
            ],
        },
    )


def _figures_csv(season: str, columns, data) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        [_("Venue"), _("Kind of venue")]
        + [str(f.label) for _k, f in columns]
        + [_("Seats per order"), _("Days since the last sale"), _("Active staff")]
    )
    for row in data.rows:
        writer.writerow(
            [row.venue.name, row.venue.get_kind_display()]
            + [figure_text(row.figures.get(k), f.kind) for k, f in columns]
            + [
                figure_text(row.figures.get("basket_seats"), "decimal"),
                figure_text(row.figures.get("last_sale_days"), "int"),
                row.health.active_staff_count if row.health else "",
            ]
        )
    writer.writerow(
        [_("Cooperative"), ""]
        + [figure_text(data.totals.get(k), f.kind) if k in data.totals else "" for k, f in columns]
    )
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cooperative-{season or "now"}.csv"'
    return response
