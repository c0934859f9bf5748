"""Back-office screens of journeys (capability campaigns.manage): the list with the on/off
switch and stats, the form, a journey's runs, the staff tasks."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenants.accounts.permissions import capability_required

from ..tracking.backoffice import curve_context
from ..tracking.selectors import messages_curve
from . import selectors, services
from .forms import JourneyForm
from .models import ANCHORS, Journey, JourneyRun, StaffTask


@capability_required("campaigns.manage")
def journey_list(request):
    journeys = list(selectors.journeys())
    stats = selectors.journey_stats([j.pk for j in journeys])
    rows = [(journey, stats[journey.pk]) for journey in journeys]
    return render(request, "campaigns/journeys/list.html", {"rows": rows})


@capability_required("campaigns.manage")
def journey_form(request, pk: int | None = None):
    journey = get_object_or_404(Journey, pk=pk) if pk else None
    form = JourneyForm(request.POST or None, instance=journey)
    if request.method == "POST" and form.is_valid():
        journey = services.save_journey(journey=form.save(), actor=request.user)
        messages.success(request, _("Journey saved."))
        return redirect("campaigns:journey_detail", journey.pk)
    return render(
        request,
        "campaigns/journeys/form.html",
        {"form": form, "journey": journey},
        status=400 if request.method == "POST" else 200,
    )


@capability_required("campaigns.manage")
@require_POST
def journey_switch(request, pk: int):
    journey = get_object_or_404(Journey, pk=pk)
    services.switch_journey(
        journey=journey, enabled=request.POST.get("enabled") == "1", actor=request.user
    )
    if journey.enabled:
        messages.success(request, _("“%(name)s” is on.") % {"name": journey.name})
    else:
        messages.info(request, _("“%(name)s” is off.") % {"name": journey.name})
    return redirect(request.POST.get("next") or "campaigns:journey_list")


@capability_required("campaigns.manage")
def journey_detail(request, pk: int):
    journey = get_object_or_404(selectors.journeys(), pk=pk)
    status = request.GET.get("status", "")
    if status not in JourneyRun.Status.values:
        status = ""
    counts = selectors.run_counts(journey)
    emails = [pk for pk in (journey.campaign_id, journey.first_timer_campaign_id) if pk]
    curve = messages_curve(emails, start=journey.created_at)
    return render(
        request,
        "campaigns/journeys/detail.html",
        {
            "journey": journey,
            "anchor": ANCHORS.get(journey.trigger, ""),
            "stats": selectors.journey_stats([journey.pk])[journey.pk],
            "runs": selectors.journey_runs(journey, status=status),
            "status": status,
            "statuses": [(v, label, counts.get(v, 0)) for v, label in JourneyRun.Status.choices],
            **curve_context(curve),
        },
    )


@capability_required("campaigns.manage")
def task_list(request):
    done = request.GET.get("done") == "1"
    return render(
        request,
        "campaigns/journeys/tasks.html",
        {"tasks": selectors.staff_tasks(done=done), "done": done},
    )


@capability_required("campaigns.manage")
@require_POST
def task_done(request, pk: int):
    task = get_object_or_404(StaffTask, pk=pk)
    services.complete_task(task=task, actor=request.user)
    messages.success(request, _("Task done."))
    return redirect("campaigns:task_list")
