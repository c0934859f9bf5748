"""The weekly digest to the audience-relations staff: HTML + text, in French (the venue's
staff language), dates in the venue's time zone, a link to the alert page."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tenants.selectors import venue_url

from .reasons import reason_text, suggested_action

DIGEST_LIMIT = 30  # the strongest alerts in the email; the page has them all


def build_digest(*, alerts, recipients: list[str], week: date) -> EmailMultiAlternatives:
    from .services import current_venue

    venue = current_venue()
    language = (venue.locale or settings.LANGUAGE_CODE)[:2]
    with translation.override(language), timezone.override(venue.timezone):
        rows = [
            {
                "name": str(a.contact),
                "kind": a.get_kind_display(),
                "reason": reason_text(a),
                "action": suggested_action(a),
                "url": venue_url(venue, reverse("crm:contact_detail", args=[a.contact_id])),
            }
            for a in alerts[:DIGEST_LIMIT]
        ]
        context = {
            "venue": venue,
            "week": week,
            "rows": rows,
            "total": len(alerts),
            "more": max(0, len(alerts) - DIGEST_LIMIT),
            "page_url": venue_url(venue, reverse("dropoff:page")),
        }
        subject = _("%(venue)s: %(n)s spectators drifting away this week") % {
            "venue": venue.name,
            "n": len(alerts),
        }
        text = render_to_string("campaigns/dropoff/digest.txt", context)
        html = render_to_string("campaigns/dropoff/digest.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[settings.DEFAULT_FROM_EMAIL],
        bcc=recipients,  # staff don't need each other's addresses
    )
    message.attach_alternative(html, "text/html")
    return message
