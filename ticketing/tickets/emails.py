"""The confirmation email of an order: HTML + text in the buyer's language (French by default),
the tickets as one PDF (a page each), an .ics for the calendar, the access information, a link
to each ticket's page and a place for a personal share link.

`share_url` (context variable, template block `share`) is empty here: the spectator space's
referral links fill it when they exist (`SHARE_URL_PROVIDERS`)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tenants.selectors import venue_url
from ticketing.models import Order, OrderEmail, Ticket
from ticketing.selectors.tickets import active_promotions, order_documents, order_extras

from .calendar import order_calendar
from .pdf import current_venue, pdf_filename, render_tickets_pdf
from .qr import place_label

# Callables (order) -> str giving the buyer's personal share link; the first non-empty wins.
# The referral feature registers one; none registered: no share block in the email.
SHARE_URL_PROVIDERS: list[Callable[[Order], str]] = []
# Emails about an order still to pay (ticketing.tickets.payment_emails).
LINK_KINDS = (OrderEmail.Kind.RESERVATION_REMINDER, OrderEmail.Kind.PAYMENT_LINK)


def email_language(order: Order) -> str:
    languages = {code for code, _name in settings.LANGUAGES}
    for candidate in (
        getattr(order.contact, "language", "") if order.contact_id else "",
        current_venue().locale,
        settings.LANGUAGE_CODE,
    ):
        if candidate and candidate[:2] in languages:
            return candidate[:2]
    return settings.LANGUAGE_CODE


def recipient(order: Order, email: OrderEmail) -> str:
    if email.to:
        return email.to
    return (order.contact.email if order.contact_id else "") or ""


def ticket_page_url(ticket: Ticket, *, site: str = "") -> str:
    """The ticket's page, absolute; `site` (the venue's address without a path, from
    `venue_url(venue, "")`) saves a query per ticket."""
    site = site or venue_url(current_venue(), "")
    return site + reverse("store:ticket_page", args=[ticket.code])


def share_url(order: Order) -> str:
    for provider in SHARE_URL_PROVIDERS:
        url = provider(order)
        if url:
            return url
    return ""


def build_order_email(email: OrderEmail) -> EmailMultiAlternatives:
    """The message for this row (not sent). Its Message-ID is the row's, so that a message
    sent again after a crash is the same message for the mail stores that collapse them."""
    if email.kind in LINK_KINDS:  # a reminder or a payment link: no tickets yet
        from .payment_emails import build_payment_email

        return build_payment_email(email)
    order = Order.objects.select_related("contact").get(pk=email.order_id)
    venue = current_venue()
    to = recipient(order, email)
    tickets = order_documents(order)
    language = email.language or email_language(order)
    with translation.override(language), timezone.override(venue.timezone):
        promotions = active_promotions()
        site = venue_url(venue, "")
        links = [(t, ticket_page_url(t, site=site)) for t in tickets]
        performances = []
        for ticket, url in links:
            if not performances or performances[-1]["performance"].pk != ticket.performance_id:
                performances.append({"performance": ticket.performance, "tickets": []})
            performances[-1]["tickets"].append(
                {"ticket": ticket, "place": place_label(ticket), "url": url}
            )
        context = {
            "venue": venue,
            "order": order,
            "performances": performances,
            "extras": order_extras(order),
            "share_url": share_url(order),
            "resend": email.kind == OrderEmail.Kind.RESEND,
            "venue_url": venue_url(venue),
        }
        first_title = tickets[0].performance.show.title if tickets else ""
        subject = _("Your tickets for %(show)s — %(venue)s") % {
            "show": first_title,
            "venue": venue.name,
        }
        text = render_to_string("ticketing/emails/order_confirmation.txt", context)
        html = render_to_string("ticketing/emails/order_confirmation.html", context)
        pdf = render_tickets_pdf(order, tickets, promotions) if tickets else None
        ics = order_calendar(
            order, tickets, venue=venue, ticket_url=lambda t: ticket_page_url(t, site=site)
        )
    from_email = settings.DEFAULT_FROM_EMAIL
    if venue.contact_email:
        from_email = f"{venue.name} <{settings.DEFAULT_FROM_EMAIL.split('<')[-1].rstrip('>')}>"
    headers = {"Message-ID": email.message_id, "X-Parterre-Venue": venue.schema_name}
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=from_email,
        to=[to],
        reply_to=[venue.contact_email] if venue.contact_email else None,
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    if pdf:
        message.attach(pdf_filename(order), pdf, "application/pdf")
    if tickets:
        message.attach(f"{order.reference}.ics", ics, "text/calendar")
    return message
