"""Merge review in the back office (data steward and admin): one pair at a time side by side,
keyboard-first (j/k previous/next, m merge, d dismiss), the merge history with "undo", and the
venue's thresholds."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tenants.accounts.permissions import capability_required
from tenants.errors import ParterreError
from tenants.navigation import NavItem, register

from ..models import DuplicateCandidate
from . import merging, selectors, services

register(
    NavItem(
        key="duplicates",
        label=gettext_lazy("Duplicates"),
        url_name="dedup:queue",
        capability="contacts.dedup",
        order=45,
    )
)
CAPABILITY = "contacts.dedup"
PAGE_SIZE = 50


class MergeForm(forms.Form):
    keep = forms.IntegerField(min_value=1)


class ThresholdsForm(forms.Form):
    review_threshold = forms.FloatField(
        label=gettext_lazy("Review from"), min_value=0.01, max_value=1
    )
    auto_merge_threshold = forms.FloatField(
        label=gettext_lazy("Merge automatically from"), min_value=0.01, max_value=1
    )


def _queue_url(candidate_id: int | None = None) -> str:
    url = reverse("dedup:queue")
    return f"{url}?pair={candidate_id}" if candidate_id else url


@capability_required(CAPABILITY)
def queue(request):
    try:
        wanted = int(request.GET.get("pair", ""))
    except ValueError:
        wanted = None
    at = selectors.queue_position(wanted)
    pair = at.candidate
    context = {"at": at, "pair": pair}
    if pair is not None:
        left, right = pair.contact_low, pair.contact_high
        keep_id, _absorb = merging.choose_kept(left.pk, right.pk)
        context |= {
            "left": left,
            "right": right,
            "rows": selectors.compare(left, right),
            "suggested_keep": keep_id,
        }
    settings = services.get_settings()
    context["thresholds"] = ThresholdsForm(
        initial={
            "review_threshold": settings.review_threshold,
            "auto_merge_threshold": settings.auto_merge_threshold,
        }
    )
    return render(request, "crm/dedup/queue.html", context)


@require_POST
@capability_required(CAPABILITY)
def merge(request, pk: int):
    candidate = get_object_or_404(DuplicateCandidate, pk=pk)
    next_id = selectors.queue_position(pk).next_id
    form = MergeForm(request.POST)
    pair = {candidate.contact_low_id, candidate.contact_high_id}
    if not form.is_valid() or form.cleaned_data["keep"] not in pair:
        messages.error(request, _("Choose which contact to keep."))
        return redirect(_queue_url(pk))
    keep = form.cleaned_data["keep"]
    (absorb,) = pair - {keep}
    try:
        done = merging.merge_contacts(keep_id=keep, absorb_id=absorb, actor=request.user)
    except ParterreError as error:
        messages.error(request, error.message)
        return redirect(_queue_url(next_id))
    messages.success(
        request,
        _(
            "Merged: contact #%(absorbed)s is now part of #%(kept)s "
            "(merge #%(merge)s, undo it from the history)."
        )
        % {"absorbed": absorb, "kept": keep, "merge": done.pk},
    )
    return redirect(_queue_url(next_id))


@require_POST
@capability_required(CAPABILITY)
def dismiss(request, pk: int):
    get_object_or_404(DuplicateCandidate, pk=pk)
    next_id = selectors.queue_position(pk).next_id
    try:
        services.dismiss_candidate(candidate_id=pk, actor=request.user)
    except ParterreError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Marked as two different people."))
    return redirect(_queue_url(next_id))


@capability_required(CAPABILITY)
def history(request):
    page = Paginator(selectors.merge_history(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "crm/dedup/history.html", {"page": page})


@require_POST
@capability_required(CAPABILITY)
def unmerge(request, pk: int):
    try:
        merging.unmerge_contacts(merge_id=pk, actor=request.user)
    except ParterreError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Merge undone: the two contacts are separate again."))
    return redirect("dedup:history")


@require_POST
@capability_required(CAPABILITY)
def thresholds(request):
    form = ThresholdsForm(request.POST)
    if form.is_valid():
        try:
            services.update_dedup_settings(**form.cleaned_data, actor=request.user)
        except ParterreError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Thresholds saved."))
    else:
        messages.error(request, _("Thresholds are numbers between 0.01 and 1."))
    return redirect("dedup:queue")


urlpatterns = (
    [
        path("", queue, name="queue"),
        path("<int:pk>/merge/", merge, name="merge"),
        path("<int:pk>/dismiss/", dismiss, name="dismiss"),
        path("merges/", history, name="history"),
        path("merges/<int:pk>/undo/", unmerge, name="unmerge"),
        path("thresholds/", thresholds, name="thresholds"),
    ],
    "dedup",
)
