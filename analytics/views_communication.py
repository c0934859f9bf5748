"""The communication statistics page (back office) and its exports: analytics.communication
assembles the tables, the sales page's helpers draw and export them."""

from django.shortcuts import render
from django.urls import path

from tenants.accounts.permissions import capability_required

from . import communication


@capability_required("campaigns.manage")
def communication_page(request):
    from . import views  # the sales page's chart and export helpers (views imports this module)

    board = communication.build()
    wanted = request.GET.get("export", "")
    if wanted:
        return views._export(board, wanted, request.GET.get("format", "csv"))
    return render(
        request, "analytics/communication.html", {"board": board, "charts": views._charts(board)}
    )


urlpatterns = [path("communication/", communication_page, name="communication")]
