"""The monthly goals digest to the venue's admins: HTML + text, in the venue's language
(French by default), each figure as the page writes it, links to the page behind it."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from tenants.selectors import venue_url

from ..templatetags.analytics_ui import cell_text


def build_goal_digest(*, rows, recipients: list[str], month: date) -> EmailMultiAlternatives:
    from campaigns.dropoff.services import current_venue

    venue = current_venue()
    language = (venue.locale or settings.LANGUAGE_CODE)[:2]
    with translation.override(language), timezone.override(venue.timezone):
        lines = [
            {
                "label": p.label,
                "season": p.goal.season,
                "current": cell_text(p.current, p.kind),
                "target": cell_text(p.target, p.kind),
                "percent": p.percent if p.share is not None else None,
                "expected": p.expected_percent,
                "state": p.state_label,
                "state_key": p.state,
                "deadline": formats.date_format(p.goal.deadline, "SHORT_DATE_FORMAT"),
                "url": venue_url(venue, p.link) if p.link.startswith("/") else p.link,
            }
            for p in rows
        ]
        states = ("reached", "on_track", "behind", "missed")
        counts = {state: sum(1 for p in rows if p.state == state) for state in states}
        context = {
            "venue": venue,
            "month": formats.date_format(month, "YEAR_MONTH_FORMAT"),
            "rows": lines,
            "counts": counts,
            "page_url": venue_url(venue, reverse("analytics:goals")),
        }
        subject = _("%(venue)s: your goals in %(month)s") % {
            "venue": venue.name,
            "month": context["month"],
        }
        text = render_to_string("analytics/goals/digest.txt", context)
        html = render_to_string("analytics/goals/digest.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[settings.DEFAULT_FROM_EMAIL],
        bcc=recipients,  # admins don't need each other's addresses
    )
    message.attach_alternative(html, "text/html")
    return message
