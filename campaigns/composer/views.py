"""The campaign screens: list, create, the editor (settings, audience, blocks), preview,
test send, schedule / send now, and the communication settings.

The editor posts the whole form on every change. Block buttons (add, move, remove) re-render
the blocks (HTMX swaps `#blocks`; without JavaScript the same buttons submit the page, which
applies them and renders again); nothing is saved until "Save". The audience panel counts
the audience as chosen in the form (HTMX on change) with campaigns.sending's one rule."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from tenants.accounts.permissions import capability_required
from tenants.errors import ParterreError
from tenants.navigation import NavItem, register
from tenants.selectors import venue_url

from ..models import Campaign
from ..sending import audience as audience_rules
from . import blocks as B
from . import selectors, services
from .forms import (
    NEW_BLOCK,
    CampaignForm,
    CommunicationSettingsForm,
    apply_action,
    blocks_from_post,
)

CAP = "campaigns.manage"
UPLOAD_FIELD = re.compile(r"^b-(\d{1,2})-file$")

register(
    NavItem(
        key="campaigns",
        label=gettext_lazy("Campaigns"),
        url_name="campaigns:campaign_list",
        capability=CAP,
        order=400,
        group=gettext_lazy("Communication"),
    )
)


register(
    NavItem(
        key="communication_settings",
        label=gettext_lazy("Communication settings"),
        url_name="campaigns:communication_settings",
        capability=CAP,
        order=950,
        group=gettext_lazy("Settings"),
    )
)


def _language(request) -> str:
    language = request.GET.get("lang") or request.POST.get("lang") or B.REQUIRED_LANGUAGE
    return language if language in B.LANGUAGES else B.REQUIRED_LANGUAGE


@capability_required(CAP)
def campaign_list(request):
    campaigns = list(selectors.campaigns()[:200])
    for campaign in campaigns:
        campaign.stats_url = selectors.stats_url(campaign.pk)
    return render(request, "campaigns/composer/list.html", {"campaigns": campaigns})


@capability_required(CAP)
def campaign_create(request):
    error = None
    if request.method == "POST":
        try:
            campaign = services.create_campaign(
                name=request.POST.get("name", ""),
                kind=request.POST.get("kind", Campaign.Kind.NEWSLETTER),
                actor=request.user,
            )
        except ParterreError as exc:
            error = exc
        else:
            return redirect("campaigns:campaign_edit", campaign.pk)
    return render(
        request,
        "campaigns/composer/new.html",
        {"error": error, "kinds": CampaignForm.base_fields["kind"].choices},
        status=400 if error else 200,
    )


def _block_rows(blocks: list[dict], focus: int | None, error_field: str | None) -> list[dict]:
    rows = []
    for i, block in enumerate(blocks):
        prefix = f"b-{i}"
        rows.append(
            {
                "i": i,
                "prefix": prefix,
                "block": block,
                "label": B.KINDS.get(block.get("type"), ""),
                "focus": i == focus,
                "error_field": error_field if (error_field or "").startswith(prefix + "-") else "",
                "first": i == 0,
                "last": i == len(blocks) - 1,
            }
        )
    return rows


def _editor_context(request, campaign, form, language, blocks, *, focus=None, error=None):
    error_field = getattr(error, "field", None)
    return {
        "campaign": campaign,
        "form": form,
        "language": language,
        "languages": B.LANGUAGES,
        "has_english": "en" in (campaign.content or {}),
        "rows": _block_rows(blocks, focus, error_field),
        "kinds": [(k, B.KINDS[k]) for k in NEW_BLOCK],
        "shows": selectors.show_choices(),
        "error": error,
        "error_field": error_field,
        "editable": campaign.status in services.EDITABLE,
        "counts": selectors.delivery_counts(campaign),
        "stats_url": selectors.stats_url(campaign.pk),
        "audience": _audience_context(campaign),
        "max_blocks": B.MAX_BLOCKS,
    }


def _audience_context(campaign: Campaign) -> dict:
    settings = audience_rules.communication_settings()
    return {
        "preview": audience_rules.audience_preview(campaign=campaign),
        "settings": settings,
        "marketing": campaign.marketing,
    }


def _posted_audience(campaign: Campaign, form: CampaignForm) -> Campaign:
    """An unsaved copy of the campaign with the audience as chosen in the form."""
    form.is_valid()  # the fields that are valid are in cleaned_data even if others are not
    data = form.cleaned_data
    kind = data.get("kind", campaign.kind)
    audience = data.get("audience", "all")
    copy = Campaign(
        pk=campaign.pk,
        kind=kind,
        marketing=kind == Campaign.Kind.NEWSLETTER,
        segment=data.get("segment") if audience == "segment" else None,
        list_contact_ids=[c.pk for c in data.get("list_contacts", [])]
        if audience == "list"
        else [],
    )
    return copy


@capability_required(CAP)
def campaign_edit(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk, kind__in=services.COMPOSED_KINDS)
    language = _language(request)
    content = (campaign.content or {}).get(language) or {}
    if request.method != "POST":
        if language != "fr" and not content and request.GET.get("copy") == "fr":
            content = dict((campaign.content or {}).get("fr", {}))
        form = CampaignForm(initial=CampaignForm.initial_for(campaign, language))
        if content:
            form.initial.update(
                subject=content.get("subject", ""), preheader=content.get("preheader", "")
            )
        return render(
            request,
            "campaigns/composer/edit.html",
            _editor_context(request, campaign, form, language, content.get("blocks", [])),
        )
    data, upload_error = _with_uploads(request)
    form = CampaignForm(data)
    blocks = blocks_from_post(data)
    action = data.get("action", "save")
    if upload_error is not None:
        context = _editor_context(request, campaign, form, language, blocks, error=upload_error)
        template = (
            "campaigns/composer/_blocks.html" if request.htmx else "campaigns/composer/edit.html"
        )
        return render(request, template, context, status=400)
    if action != "save" and action != "save_preview":
        blocks, focus = apply_action(blocks, action)
        context = _editor_context(request, campaign, form, language, blocks, focus=focus)
        template = (
            "campaigns/composer/_blocks.html" if request.htmx else "campaigns/composer/edit.html"
        )
        return render(request, template, context)
    error = None
    if not form.is_valid():
        field = next(iter(form.errors))
        error = B.BlockError(
            _("Check the highlighted field."), code="campaigns.form.invalid", field=field
        )
    else:
        data = form.cleaned_data
        try:
            services.update_campaign(
                campaign=campaign,
                name=data["name"],
                kind=data["kind"],
                language=language,
                language_content={
                    "subject": data["subject"],
                    "preheader": data["preheader"],
                    "blocks": blocks,
                },
                audience=data["audience"],
                segment=data["segment"],
                list_contact_ids=[c.pk for c in data["list_contacts"]],
                operation=data["operation"],
                actor=request.user,
            )
        except ParterreError as exc:
            error = exc
    if error is None:
        messages.success(request, _("Campaign saved."))
        target = (
            "campaigns:campaign_preview" if action == "save_preview" else "campaigns:campaign_edit"
        )
        return redirect(reverse(target, args=[campaign.pk]) + f"?lang={language}")
    campaign.refresh_from_db()
    context = _editor_context(request, campaign, form, language, blocks, error=error)
    return render(
        request,
        "campaigns/composer/edit.html",
        context,
        status=getattr(error, "http_status", 400),
    )


def _with_uploads(request):
    """The posted form with each uploaded picture stored and its path put in its image
    block's `src` (the picture is kept even if the campaign is not saved yet)."""
    data = request.POST.copy()
    for key, upload in request.FILES.items():
        match = UPLOAD_FIELD.match(key)
        if not match:
            continue
        field = f"b-{match.group(1)}-src"
        try:
            data[field] = services.store_campaign_image(upload=upload, field=field)
        except ParterreError as error:
            return data, error
    return data, None


@require_POST
@capability_required(CAP)
def campaign_audience(request, pk: int):
    """The audience panel for the audience chosen in the form (not saved)."""
    campaign = get_object_or_404(Campaign, pk=pk, kind__in=services.COMPOSED_KINDS)
    draft = _posted_audience(campaign, CampaignForm(request.POST))
    return render(
        request, "campaigns/composer/_audience.html", {"audience": _audience_context(draft)}
    )


@capability_required(CAP)
def campaign_preview(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk, kind__in=services.COMPOSED_KINDS)
    language = _language(request)
    device = "mobile" if request.GET.get("device") == "mobile" else "desktop"
    compiled, _html, text = services.preview_html(
        campaign, language=language, site=venue_url(request.tenant, "")
    )
    return render(
        request,
        "campaigns/composer/preview.html",
        {
            "campaign": campaign,
            "language": compiled.language,
            "languages": [lang for lang in B.LANGUAGES if lang in (campaign.content or {})],
            "device": device,
            "width": 375 if device == "mobile" else 600,
            "subject": compiled.subject.replace(
                "{{first_name_spaced}}", " " + services.PREVIEW_NAME
            ),
            "text": text,
            "counts": selectors.delivery_counts(campaign),
            "stats_url": selectors.stats_url(campaign.pk),
            "editable": campaign.status in services.EDITABLE,
        },
    )


@xframe_options_sameorigin
@capability_required(CAP)
def campaign_preview_html(request, pk: int, language: str):
    campaign = get_object_or_404(Campaign, pk=pk, kind__in=services.COMPOSED_KINDS)
    if language not in B.LANGUAGES:
        language = B.REQUIRED_LANGUAGE
    _compiled, html, _text = services.preview_html(
        campaign, language=language, site=venue_url(request.tenant, "")
    )
    # Links of the preview open outside the frame.
    html = html.replace("<head>", '<head><base target="_blank">', 1)
    response = HttpResponse(html)
    response["Content-Security-Policy"] = "script-src 'none'"
    return response


@require_POST
@capability_required(CAP)
def campaign_test(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk, kind__in=services.COMPOSED_KINDS)
    language = _language(request)
    to = request.POST.get("to") or request.user.email
    try:
        services.send_test(
            campaign=campaign,
            language=language,
            to=to,
            site=venue_url(request.tenant, ""),
            actor=request.user,
        )
    except ParterreError as error:
        messages.error(request, error.message)
        response = redirect(reverse("campaigns:campaign_preview", args=[pk]) + f"?lang={language}")
        response.status_code = 303
        return response
    messages.success(request, _("Test sent to %(to)s.") % {"to": to})
    return redirect(reverse("campaigns:campaign_preview", args=[pk]) + f"?lang={language}")


def _sending():
    """campaigns.sending.services, read when called (its helpers are written there)."""
    from ..sending import services as sending_services

    return sending_services


@require_POST
@capability_required(CAP)
def campaign_send(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk, kind__in=services.COMPOSED_KINDS)
    try:
        B.clean_content(campaign.content or {})
        when = request.POST.get("when", "").strip()
        if request.POST.get("action") == "schedule":
            moment = _parse_when(when, request.tenant)
            _sending().schedule_campaign(campaign_id=campaign.pk, when=moment, actor=request.user)
            messages.success(request, _("Campaign scheduled."))
        else:
            _sending().start_campaign(campaign_id=campaign.pk, actor=request.user)
            messages.success(request, _("Sending started."))
    except ParterreError as error:
        messages.error(request, error.message)
    return redirect("campaigns:campaign_preview", pk)


def _parse_when(value: str, venue) -> datetime:
    """A moment typed in the venue's time zone (datetime-local)."""
    try:
        moment = parse_datetime(value) if value else None
    except ValueError:
        moment = None
    if moment is None:
        raise ParterreError(
            _("Give a date and time."), code="campaigns.schedule.bad_date", field="when"
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, ZoneInfo(venue.timezone or "Europe/Paris"))
    if moment <= timezone.now():
        raise ParterreError(
            _("Choose a moment to come."), code="campaigns.schedule.past", field="when"
        )
    return moment


@capability_required(CAP)
def communication_settings(request):
    settings = audience_rules.communication_settings()
    form = CommunicationSettingsForm(request.POST or None, instance=settings)
    if request.method == "POST" and form.is_valid():
        services.update_communication_settings(values=form.cleaned_data, actor=request.user)
        messages.success(request, _("Communication settings saved."))
        return redirect("campaigns:communication_settings")
    return render(
        request,
        "campaigns/composer/settings.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
