"""The audience statistics page ("Public", back office): reads analytics.audience's tables."""

from django.shortcuts import render
from django.urls import path, reverse

from tenants.accounts.permissions import capability_required
from tenants.accounts.roles import user_can

from . import audience, geography
from .views import SEASON_MAX, _charts, _export


@capability_required("contacts.view")
def audience_page(request):
    board = audience.build(season=(request.GET.get("season") or "")[:SEASON_MAX] or None)
    wanted = request.GET.get("export", "")
    if wanted:
        return _export(board, wanted, request.GET.get("format", "csv"))
    for kpi in board.kpis:
        if kpi["capability"] and not user_can(request.user, kpi["capability"]):
            kpi["url"] = ""
    link = reverse("crm:contact_list") + "?department={code}"
    context = {
        "board": board,
        "charts": _charts(board),
        "map": geography.choropleth(
            board.map_counts, link=link, label=board.tables["departments"].title
        ),
    }
    return render(request, "analytics/audience.html", context)


urlpatterns = [path("audience/", audience_page, name="audience")]
