"""The sales ledger's back-office screen (admin): the chain's head, a check on demand, the
signed closings with their archives to download, the latest entries."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tenants.accounts.permissions import capability_required
from tenants.navigation import NavItem, register
from ticketing.ledger.archive import archive_name, build_archive
from ticketing.ledger.selectors import closings, verify_chain
from ticketing.ledger.services import chain_pending
from ticketing.models import LedgerClosing, LedgerEntry, LedgerHead, LedgerKey, Payment

CAPABILITY = "audit.view"
LATEST = 30


def _with_method_labels(entries) -> list[LedgerEntry]:
    labels = dict(Payment.Method.choices)
    entries = list(entries)
    for entry in entries:
        entry.method_label = labels.get(entry.method, entry.method)
    return entries


@capability_required(CAPABILITY)
def ledger_home(request):
    context = {
        "head": LedgerHead.objects.filter(singleton=True).first(),
        "key": LedgerKey.objects.filter(singleton=True).first(),
        "closings": closings(),
        "entries": _with_method_labels(LedgerEntry.objects.order_by("-number")[:LATEST]),
        "latest": LATEST,
    }
    return render(request, "ticketing/ledger/home.html", context)


@require_POST
@capability_required(CAPABILITY)
def ledger_verify(request):
    chain_pending()
    result = verify_chain()
    if result.ok:
        messages.success(
            request,
            _("The ledger is intact: %(entries)d entries and %(closings)d signed closings checked.")
            % {"entries": result.entries, "closings": result.closings},
        )
    else:
        messages.error(
            request,
            _("The ledger is broken at entry %(number)d: %(reason)s.")
            % {"number": result.broken_number, "reason": result.reason},
        )
    return redirect("ticketing:ledger")


@capability_required(CAPABILITY)
def ledger_archive(request, pk: int):
    closing = get_object_or_404(LedgerClosing, pk=pk)
    response = HttpResponse(build_archive(closing), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{archive_name(closing)}"'
    return response


urlpatterns = [
    path("", ledger_home, name="ledger"),
    path("verify/", ledger_verify, name="ledger_verify"),
    path("closings/<int:pk>/archive/", ledger_archive, name="ledger_archive"),
]

register(
    NavItem(
        "sales_ledger",
        gettext_lazy("Sales ledger"),
        "ticketing:ledger",
        CAPABILITY,
        935,
        group=gettext_lazy("Settings"),
    )
)
