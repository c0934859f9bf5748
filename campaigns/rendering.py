"""From a campaign to the email one contact receives, in two steps so that a send of 100,000
renders the layout once, not 100,000 times:

1. `compile_campaign(campaign, language=…)` turns the campaign's blocks into responsive HTML
   (MJML compiled by MRML) and a plain-text part, once per language, with slots left in:
   `{{first_name}}`, `{{pixel_url}}`, `{{unsubscribe_url}}`, `{{preferences_url}}` and
   `{{link:<id>}}` for each registered TrackedLink.
2. `build_message(delivery, compiled, …)` fills the slots for one delivery (one regular
   expression pass) and adds the headers: Message-ID from the delivery's token (a retry after
   a crash is the same message), List-Unsubscribe and List-Unsubscribe-Post (RFC 8058).

The blocks themselves are rendered by campaigns/composer (`render_blocks`)."""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection

from . import addresses
from .models import Campaign, Delivery

# Standard slots (first_name, pixel_url, unsubscribe_url, preferences_url, link:<id>) and the
# extra ones a sender passes (a journey's survey_url, performance details…).
SLOT = re.compile(r"\{\{([a-z_]{1,40}|link:\d+)\}\}")
VENUE_HEADER = "X-Parterre-Venue"


@dataclass(frozen=True)
class CompiledMessage:
    language: str
    subject: str
    html: str
    text: str
    # link id → destination, the links the slots `{{link:<id>}}` stand for
    links: dict[int, str] = field(default_factory=dict)
    # List-Unsubscribe headers: every message but a service notice (no list to leave).
    list_unsubscribe: bool = True


def campaign_language(campaign: Campaign, wanted: str) -> str:
    """The contact's language if the campaign has content in it, else French (required)."""
    content = campaign.content or {}
    wanted = (wanted or "")[:2]
    if wanted in content:
        return wanted
    return (
        settings.LANGUAGE_CODE[:2]
        if settings.LANGUAGE_CODE[:2] in content
        else next(iter(content), settings.LANGUAGE_CODE[:2])
    )


def compile_campaign(campaign: Campaign, *, language: str) -> CompiledMessage:
    from .composer.render import render_campaign

    return render_campaign(campaign, language=language)


def fill(template: str, values: dict[str, str], *, escape: bool) -> str:
    def one(match: re.Match) -> str:
        value = values.get(match.group(1), "")
        return html_lib.escape(value) if escape else value

    return SLOT.sub(one, template)


def slot_values(
    delivery: Delivery, compiled: CompiledMessage, *, site: str, first_name: str
) -> dict[str, str]:
    token = delivery.token
    values = {
        "first_name": first_name,
        # With its own leading space: "Bonjour{{first_name_spaced}}," reads "Bonjour Léa," or
        # "Bonjour," (the composer writes it for the {{first_name}} a user types).
        "first_name_spaced": f" {first_name}" if first_name else "",
        "pixel_url": site + addresses.pixel_path(token),
        "unsubscribe_url": site + addresses.unsubscribe_path(token),
        "preferences_url": site + addresses.preferences_path(token),
    }
    for link_id in compiled.links:
        values[f"link:{link_id}"] = site + addresses.click_path(token, link_id)
    return values


def build_message(
    delivery: Delivery,
    compiled: CompiledMessage,
    *,
    site: str,
    first_name: str = "",
    from_email: str | None = None,
    reply_to: str = "",
    extra: dict[str, str] | None = None,
    connection_=None,
) -> EmailMultiAlternatives:
    """The message for one delivery (not sent). `site` is the venue's address without a path
    (`tenants.selectors.venue_url(venue, "")`)."""
    values = {**(extra or {}), **slot_values(delivery, compiled, site=site, first_name=first_name)}
    domain = (from_email or settings.DEFAULT_FROM_EMAIL).rsplit("@", 1)[-1].strip(">")
    headers = {"Message-ID": f"<{delivery.token}@{domain}>", VENUE_HEADER: connection.schema_name}
    if compiled.list_unsubscribe:
        headers["List-Unsubscribe"] = f"<{values['unsubscribe_url']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=fill(compiled.subject, values, escape=False),
        body=fill(compiled.text, values, escape=False),
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        to=[delivery.email],
        reply_to=[reply_to] if reply_to else None,
        headers=headers,
        connection=connection_,
    )
    message.attach_alternative(fill(compiled.html, values, escape=True), "text/html")
    # Read by anymail's providers and echoed in their tracking webhooks (campaigns/tracking).
    message.metadata = {"delivery": delivery.token}
    return message
