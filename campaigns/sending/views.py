"""The sending progress fragment (polled while a campaign sends) and its buttons."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tenants.accounts.permissions import capability_required
from tenants.errors import ParterreError

from ..models import Campaign
from . import services
from .selectors import campaign_progress

CAPABILITY = "campaigns.manage"
ACTIONS = {
    "pause": services.pause_campaign,
    "resume": services.resume_campaign,
    "cancel": services.cancel_campaign,
}


def _render(request, campaign: Campaign, *, error: str = "", status: int = 200):
    context = {
        "campaign": campaign,
        "progress": campaign_progress(campaign=campaign),
        "error": error,
    }
    template = (
        "campaigns/sending/_progress.html" if request.htmx else "campaigns/sending/progress.html"
    )
    return render(request, template, context, status=status)


@capability_required(CAPABILITY)
def campaign_progress_view(request, pk: int):
    return _render(request, get_object_or_404(Campaign, pk=pk))


@require_POST
@capability_required(CAPABILITY)
def campaign_action(request, pk: int, action: str):
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        campaign = ACTIONS[action](campaign_id=campaign.pk, actor=request.user)
    except ParterreError as error:
        if request.htmx:  # swapped in place with the reason (HTMX ignores 4xx bodies)
            return _render(request, campaign, error=error.message)
        messages.error(request, error.message)
        return redirect("campaigns:campaign_progress", pk=campaign.pk)
    if request.htmx:
        return _render(request, campaign)
    return redirect("campaigns:campaign_progress", pk=campaign.pk)
