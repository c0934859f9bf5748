"""The checkout funnel page (back office) and its exports: analytics.funnel assembles the
tables, the sales page's helpers draw and export them."""

from django.shortcuts import render
from django.urls import path

from tenants.accounts.permissions import capability_required

from . import funnel


@capability_required("sales.view")
def funnel_page(request):
    from . import views  # the sales page's chart and export helpers (views imports this module)

    weeks = views._int(request.GET.get("weeks"), low=1, high=104)
    show_id = views._int(request.GET.get("show"), low=1, high=2**62)
    board = funnel.build(
        weeks=weeks if weeks in funnel.WEEK_CHOICES else funnel.DEFAULT_WEEKS, show_id=show_id
    )
    wanted = request.GET.get("export", "")
    if wanted:
        return views._export(board, wanted, request.GET.get("format", "csv"))
    context = {"board": board, "charts": views._charts(board), "week_choices": funnel.WEEK_CHOICES}
    return render(request, "analytics/funnel.html", context)


urlpatterns = [path("funnel/", funnel_page, name="funnel")]
