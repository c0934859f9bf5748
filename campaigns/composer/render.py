"""Blocks → MJML → responsive HTML, and the plain-text part (see campaigns/rendering.py).

A first set of blocks (heading, text, button); the composer adds the others."""

from __future__ import annotations

from html import escape

import mjml

from ..models import Campaign, TrackedLink
from ..rendering import SLOT, CompiledMessage, campaign_language


def _link_id(campaign: Campaign, url: str, label: str) -> int:
    link, _created = TrackedLink.objects.get_or_create(
        campaign=campaign, url=url, defaults={"label": label[:200]}
    )
    return link.pk


def render_campaign(campaign: Campaign, *, language: str) -> CompiledMessage:
    language = campaign_language(campaign, language)
    content = (campaign.content or {}).get(language, {})
    parts: list[str] = []
    text: list[str] = []
    links: dict[int, str] = {}
    for block in content.get("blocks", []):
        kind = block.get("type")
        if kind == "heading":
            heading = escape(block["text"])
            parts.append(f'<mj-text font-size="24px" font-weight="bold">{heading}</mj-text>')
            text.append(block["text"].upper())
        elif kind == "text":
            parts.append(f"<mj-text>{escape(block['text'])}</mj-text>")
            text.append(block["text"])
        elif kind == "button" and SLOT.fullmatch(block["url"]):
            # A per-delivery address (a journey's {{survey_url}}, {{buy_url}}): filled at
            # send time, not a registered link (a tracked link has one destination).
            label = escape(block["label"])
            parts.append(f'<mj-button href="{block["url"]}">{label}</mj-button>')
            text.append(f"{block['label']} : {block['url']}")
        elif kind == "button":
            link_id = _link_id(campaign, block["url"], block.get("label", ""))
            links[link_id] = block["url"]
            label = escape(block["label"])
            parts.append(f'<mj-button href="{{{{link:{link_id}}}}}">{label}</mj-button>')
            text.append(f"{block['label']} : {{{{link:{link_id}}}}}")
    body = "".join(parts)
    source = (
        "<mjml><mj-body>"
        f"<mj-section><mj-column>{body}</mj-column></mj-section>"
        '<mj-section><mj-column><mj-text font-size="12px">'
        '<a href="{{unsubscribe_url}}">Se désinscrire</a></mj-text>'
        '<mj-image src="{{pixel_url}}" width="1px" height="1px" alt="" />'
        "</mj-column></mj-section></mj-body></mjml>"
    )
    text.append("Se désinscrire : {{unsubscribe_url}}")
    return CompiledMessage(
        language=language,
        subject=content.get("subject", campaign.name),
        html=mjml.mjml2html(source),
        text="\n\n".join(text),
        links=links,
    )
