"""Back-office screens of tracking: operations (their channels, cost and return, QR codes)
and a campaign's statistics, plus the targeted-against-send-to-all report."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns import addresses
from campaigns.models import Campaign, Operation, TrackedLink
from tenants.accounts.permissions import capability_required
from tenants.errors import ParterreError
from tenants.selectors import venue_url

from . import operations, selectors

CAPABILITY = "campaigns.manage"


class OperationForm(forms.ModelForm):
    cost = forms.DecimalField(
        label=gettext_lazy("Cost (€)"),
        min_value=Decimal("0"),
        max_value=Decimal("10000000"),
        decimal_places=2,
        initial=Decimal("0"),
    )
    codes = forms.CharField(
        label=gettext_lazy("Promo codes"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy(
            "One per line or separated by commas: "
            "the orders using them are credited to the operation."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    class Meta:
        model = Operation
        fields = ["name", "kind", "starts_on", "ends_on", "notes"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["cost"].initial = Decimal(self.instance.cost_cents) / 100
            self.fields["codes"].initial = "\n".join(self.instance.promo_codes or [])

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The end comes after the start."))
        return data

    def values(self) -> dict:
        data = self.cleaned_data
        codes = [c for part in data["codes"].splitlines() for c in part.split(",")]
        return {
            **{name: data[name] for name in self.Meta.fields},
            "cost_cents": int(data["cost"] * 100),
            "promo_codes": codes,
        }


class ShortLinkForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("Label"), max_length=200)
    url = forms.URLField(label=gettext_lazy("Destination"), max_length=2000, assume_scheme="https")
    kind = forms.ChoiceField(
        label=gettext_lazy("Where it appears"),
        choices=[c for c in TrackedLink.Kind.choices if c[0] != TrackedLink.Kind.EMAIL],
    )


def _int(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 12 else 0


@capability_required(CAPABILITY)
def operation_list(request):
    return render(
        request,
        "campaigns/tracking/operation_list.html",
        {"operations": selectors.operations_with_totals()},
    )


@capability_required(CAPABILITY)
def operation_edit(request, pk: int | None = None):
    operation = get_object_or_404(Operation, pk=pk) if pk else None
    form = OperationForm(request.POST or None, instance=operation)
    if request.method == "POST" and form.is_valid():
        try:
            operation = operations.save_operation(
                operation=operation, actor=request.user, **form.values()
            )
        except ParterreError as error:
            form.add_error("codes" if error.field == "promo_codes" else None, error.message)
        else:
            messages.success(request, _("Operation saved."))
            return redirect("campaigns:operation_detail", operation.pk)
    return render(
        request,
        "campaigns/tracking/operation_form.html",
        {"form": form, "operation": operation},
        status=400 if form.errors else 200,
    )


@capability_required(CAPABILITY)
def operation_detail(request, pk: int):
    operation = get_object_or_404(Operation, pk=pk)
    if request.method == "POST" and "campaign" in request.POST:
        campaign = get_object_or_404(
            Campaign.objects.exclude(kind=Campaign.Kind.JOURNEY),
            pk=_int(request.POST["campaign"]),
        )
        operations.link_campaign(operation=operation, campaign=campaign, actor=request.user)
        messages.success(request, _("Campaign linked to the operation."))
        return redirect("campaigns:operation_detail", operation.pk)
    form = ShortLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        operations.add_short_link(operation=operation, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Tracked link added."))
        return redirect("campaigns:operation_detail", operation.pk)
    report = selectors.operation_report(operation)
    site = venue_url(request.tenant, "")
    links = [
        {"link": c.obj, "short_url": site + addresses.short_link_path(c.obj.slug)}
        for c in report.channels
        if c.kind == "link" and c.obj.slug
    ]
    return render(
        request,
        "campaigns/tracking/operation_detail.html",
        {
            "operation": operation,
            "report": report,
            "links": links,
            "form": form,
            "linkable": Campaign.objects.exclude(kind=Campaign.Kind.JOURNEY)
            .exclude(operation=operation)
            .order_by("-created_at")[:50],
        },
        status=400 if form.errors else 200,
    )


@capability_required(CAPABILITY)
def operation_qr(request, pk: int, link_pk: int, fmt: str):
    link = get_object_or_404(TrackedLink, pk=link_pk, operation_id=pk, slug__isnull=False)
    url = venue_url(request.tenant, addresses.short_link_path(link.slug))
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=12)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    if fmt == "svg":
        code.make_image(image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
        content_type = "image/svg+xml"
    elif fmt == "png":
        code.make_image().save(buffer)
        content_type = "image/png"
    else:
        raise Http404
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="qr-{link.slug}.{fmt}"'
    return response


def curve_context(curve: selectors.Curve) -> dict:
    """What campaigns/tracking/_curve.html draws: the chart's data and its table."""
    chart = {
        "labels": curve.labels,
        "series": [
            {"key": key, "label": str(label), "data": [row[key] for row in curve.rows]}
            for key, label in (
                ("sent", _("Emails sent")),
                ("opens", _("First opens")),
                ("clicks", _("Clicks")),
                ("orders", _("Attributed orders")),
            )
        ],
    }
    unit = _("hour") if curve.unit == "hour" else _("day")
    return {"curve": curve, "unit": unit, "chart_json": json.dumps(chart)}


@capability_required(CAPABILITY)
def campaign_stats(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk)
    curve = selectors.campaign_curve(campaign)
    return render(
        request,
        "campaigns/tracking/campaign_stats.html",
        {
            "campaign": campaign,
            "stats": selectors.campaign_stats(campaign),
            "links": selectors.link_stats(campaign),
            **curve_context(curve),
        },
    )


@capability_required(CAPABILITY)
def targeting_report(request):
    rows = selectors.targeting_report()
    chart = {
        "labels": [str(_("Targeted")), str(_("Send to all"))],
        "series": [
            {
                "key": "open_rate",
                "label": str(_("Open rate (%)")),
                "data": [r["open_rate"] or 0 for r in rows],
            },
            {
                "key": "click_rate",
                "label": str(_("Click rate (%)")),
                "data": [r["click_rate"] or 0 for r in rows],
            },
        ],
    }
    return render(
        request,
        "campaigns/tracking/targeting_report.html",
        {"rows": rows, "chart_json": json.dumps(chart)},
    )
