"""Tickets as documents: the ticket page behind its unguessable link (no login, the QR full
screen for the door), the PDFs, sending the tickets again (back office) and the promotions
printed on tickets."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from tenants.accounts.permissions import capability_required
from tenants.errors import ParterreError
from tenants.navigation import NavItem, register
from ticketing.forms.tickets import PromotionForm, ResendForm
from ticketing.models import Order, Ticket, TicketPromotion
from ticketing.selectors import tickets as ticket_selectors
from ticketing.services import tickets as ticket_services
from ticketing.tickets.emails import email_language
from ticketing.tickets.pdf import LAYOUTS, pdf_filename, render_tickets_pdf
from ticketing.tickets.qr import place_label, qr_svg, ticket_payload

register(
    NavItem(
        key="ticket_promotions",
        label=gettext_lazy("Ticket promotions"),
        url_name="ticketing:ticket_promotions",
        capability="programme.manage",
        order=35,
    )
)


def _private(response: HttpResponse) -> HttpResponse:
    # The page is a bearer link: no caching by proxies, no referrer leaking the token.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _pdf_response(pdf: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def _layout(request) -> str:
    layout = request.GET.get("layout", "a4")
    return layout if layout in LAYOUTS else "a4"


# --- Public: the ticket's own page ------------------------------------------------------------
@never_cache
def ticket_page(request, token: str):
    ticket = ticket_selectors.ticket_by_link_token(token)
    if ticket is None:
        raise Http404
    valid = ticket.status == Ticket.Status.VALID
    context = {
        "ticket": ticket,
        "performance": ticket.performance,
        "place": place_label(ticket),
        "valid": valid,
        "qr": qr_svg(ticket_payload(ticket), label=_("Ticket QR code")) if valid else "",
        "token": token,
    }
    with timezone.override(request.tenant.timezone):
        response = render(
            request, "ticketing/tickets/page.html", context, status=200 if valid else 410
        )
    return _private(response)


@never_cache
def ticket_page_pdf(request, token: str):
    ticket = ticket_selectors.ticket_by_link_token(token)
    if ticket is None or ticket.status != Ticket.Status.VALID:
        raise Http404
    layout = request.GET.get("layout", "phone")
    layout = layout if layout in LAYOUTS else "phone"
    pdf = render_tickets_pdf(
        ticket.order, [ticket], ticket_selectors.active_promotions(), layout=layout
    )
    return _private(_pdf_response(pdf, f"ticket-{ticket.order.reference}-{ticket.pk}.pdf"))


# --- Back office: an order's tickets ---------------------------------------------------------
def _order(pk: int) -> Order:
    return get_object_or_404(Order.objects.select_related("contact"), pk=pk)


@capability_required("sales.view")
def order_tickets_pdf(request, pk: int):
    order = _order(pk)
    tickets = ticket_selectors.order_documents(order)
    if not tickets:
        raise Http404
    layout = _layout(request)
    with translation.override(email_language(order)):
        pdf = render_tickets_pdf(
            order, tickets, ticket_selectors.active_promotions(), layout=layout
        )
    return _pdf_response(pdf, pdf_filename(order, layout))


@require_POST
@capability_required("sales.sell")
def order_resend(request, pk: int):
    order = _order(pk)
    form = ResendForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("to", []):
            messages.error(request, error)
        return redirect("ticketing:order_detail", pk=order.pk)
    try:
        ticket_services.resend_tickets(order=order, to=form.cleaned_data["to"], actor=request.user)
    except ParterreError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The tickets will be emailed in a moment."))
    return redirect("ticketing:order_detail", pk=order.pk)


# --- Back office: promotions printed on tickets ----------------------------------------------
@capability_required("programme.manage")
def ticket_promotions(request):
    form = PromotionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                ticket_services.create_ticket_promotion(**form.cleaned_data, actor=request.user)
            except ParterreError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Promotion saved: new tickets print it."))
                return redirect("ticketing:ticket_promotions")
        status = 400
    context = {
        "form": form,
        "promotions": ticket_selectors.all_promotions(),
        "now": timezone.now(),
    }
    return render(request, "ticketing/tickets/promotions.html", context, status=status)


@require_POST
@capability_required("programme.manage")
def ticket_promotion_end(request, pk: int):
    promotion = get_object_or_404(TicketPromotion.objects.select_related("show"), pk=pk)
    ticket_services.end_ticket_promotion(promotion=promotion, actor=request.user)
    messages.success(request, _("Promotion ended: tickets no longer print it."))
    return redirect("ticketing:ticket_promotions")


store_urlpatterns = [
    path("t/<str:token>/", ticket_page, name="ticket_page"),
    path("t/<str:token>/pdf/", ticket_page_pdf, name="ticket_page_pdf"),
]

backoffice_urlpatterns = [
    path("orders/<int:pk>/tickets.pdf", order_tickets_pdf, name="order_tickets_pdf"),
    path("orders/<int:pk>/resend/", order_resend, name="order_resend"),
    path("promotions/", ticket_promotions, name="ticket_promotions"),
    path("promotions/<int:pk>/end/", ticket_promotion_end, name="ticket_promotion_end"),
]
