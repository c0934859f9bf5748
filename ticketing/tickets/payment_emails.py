"""Emails about an order still to pay: a reservation's reminder before its deadline, and a
phone sale's payment link. Text and HTML in the buyer's language, no tickets attached (they
come with the confirmation, once paid)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tenants.selectors import venue_url
from ticketing.models import Order, OrderEmail, PaymentLink

from .emails import email_language, recipient
from .pdf import current_venue


def payment_link_url(link: PaymentLink, *, site: str = "") -> str:
    """The link's page on the venue's storefront, absolute (for an email or an SMS)."""
    site = site or venue_url(current_venue(), "")
    return site + reverse("store:pay_link", args=[link.token])


def order_summary(order: Order) -> list[dict]:
    tickets = order.tickets.select_related("performance__show", "seat", "tariff").order_by("pk")
    performances: dict[int, dict] = {}
    for ticket in tickets:
        block = performances.setdefault(
            ticket.performance_id, {"performance": ticket.performance, "count": 0}
        )
        block["count"] += 1
    return list(performances.values())


def build_payment_email(email: OrderEmail) -> EmailMultiAlternatives:
    order = Order.objects.select_related("contact").get(pk=email.order_id)
    venue = current_venue()
    to = recipient(order, email)
    link = order.payment_links.order_by("-created_at").first()
    language = email.language or email_language(order)
    with translation.override(language), timezone.override(venue.timezone):
        context = {
            "venue": venue,
            "order": order,
            "performances": order_summary(order),
            "link_url": payment_link_url(link) if link else "",
            "reminder": email.kind == OrderEmail.Kind.RESERVATION_REMINDER,
        }
        if context["reminder"]:
            subject = _("Reminder: your reservation %(reference)s — %(venue)s")
        else:
            subject = _("Pay for your tickets — %(venue)s (%(reference)s)")
        subject = subject % {"reference": order.reference, "venue": venue.name}
        text = render_to_string("ticketing/emails/payment_due.txt", context)
        html = render_to_string("ticketing/emails/payment_due.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[venue.contact_email] if venue.contact_email else None,
        headers={"Message-ID": email.message_id, "X-Parterre-Venue": venue.schema_name},
    )
    message.attach_alternative(html, "text/html")
    return message
