"""Back-office screens for outgoing webhooks (venue admins): the endpoints, one endpoint with
its signing secret and delivery log, and the actions (disable, new secret, delete, re-send)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenants.accounts.permissions import capability_required
from tenants.errors import ParterreError

from . import selectors
from .forms import WebhookEndpointForm
from .models import WebhookDelivery, WebhookEndpoint
from .services import webhooks as services

PAGE_SIZE = 50


@capability_required("webhooks.manage")
def webhook_list(request):
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.create_webhook_endpoint(actor=request.user, **form.cleaned_data)
        except ParterreError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Endpoint created. Copy its signing secret below."))
            return redirect(reverse("events:webhook_detail", args=[endpoint.pk]) + "?new=1")
    return render(
        request,
        "events/webhook_list.html",
        {
            "form": form,
            "endpoints": selectors.webhook_endpoints(),
            "outbox": selectors.outbox_state(),
        },
    )


@capability_required("webhooks.manage")
def webhook_detail(request, pk: int):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    page = Paginator(selectors.endpoint_deliveries(endpoint), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "events/webhook_detail.html",
        {
            "endpoint": endpoint,
            "page": page,
            "show_secret": request.GET.get("new") == "1",
        },
    )


@require_POST
@capability_required("webhooks.manage")
def webhook_set_active(request, pk: int):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    active = request.POST.get("active") == "1"
    services.update_webhook_endpoint(endpoint=endpoint, active=active, actor=request.user)
    messages.success(request, _("Endpoint enabled.") if active else _("Endpoint disabled."))
    return redirect("events:webhook_detail", pk=pk)


@require_POST
@capability_required("webhooks.manage")
def webhook_rotate_secret(request, pk: int):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    services.rotate_webhook_secret(endpoint=endpoint, actor=request.user)
    messages.success(request, _("New signing secret generated: update your receiver."))
    return redirect(reverse("events:webhook_detail", args=[pk]) + "?new=1")


@require_POST
@capability_required("webhooks.manage")
def webhook_delete(request, pk: int):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    services.delete_webhook_endpoint(endpoint=endpoint, actor=request.user)
    messages.success(request, _("Endpoint deleted."))
    return redirect("events:webhook_list")


@require_POST
@capability_required("webhooks.manage")
def delivery_resend(request, pk: int):
    delivery = get_object_or_404(WebhookDelivery, pk=pk)
    services.resend_webhook_delivery(delivery=delivery, actor=request.user)
    messages.success(request, _("Delivery queued to be sent again."))
    return redirect("events:webhook_detail", pk=delivery.endpoint_id)
