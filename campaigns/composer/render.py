"""Blocks → MJML → responsive HTML, and the plain-text part (see campaigns/rendering.py).

Compiled once per language (never per recipient): the venue's logo and accent colour (the
storefront's, from the venue profile), the preheader, the blocks, and a footer with the
venue's address, why the person receives the message, the unsubscribe and preference-centre
slots and the open pixel. Block labels ("Réserver", "Complet") are translated in the
content's language. Every link of every block becomes a TrackedLink and is written as its
slot `{{link:<id>}}`: the message carries no raw destination, only signed redirects.

Availability on show cards and performance lists is ticketing's (`with_sale_hints`), read
when the message is compiled: a newsletter sent at 10:00 says what was left at 10:00."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from zoneinfo import ZoneInfo

import mjml
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..models import Campaign, TrackedLink
from ..rendering import CompiledMessage, campaign_language
from . import blocks as B

TEXT_COLOR = "#1f2328"
MUTED = "#5b616b"
FONT = "Helvetica, Arial, sans-serif"

# Hint (ticketing.selectors.storefront.with_sale_hints) → label, in the content's language.
HINT_LABELS = {
    "available": lambda: _("Seats available"),
    "few_left": lambda: _("Few seats left"),
    "sold_out": lambda: _("Sold out"),
    "cancelled": lambda: _("Cancelled"),
}
HINT_COLORS = {"available": "#1a7f37", "few_left": "#9a6700", "sold_out": "#5b616b"}


def book() -> str:
    return _("Book")


def _attr(value: str) -> str:
    return escape(value, quote=True)


@dataclass
class _Compiler:
    campaign: Campaign
    site: str
    accent: str
    venue_timezone: ZoneInfo
    links: dict[int, str] = field(default_factory=dict)
    known: dict[str, int] = field(default_factory=dict)

    def link(self, url: str, label: str = "") -> str:
        """The slot of a tracked link to `url` (registered now: only these redirect)."""
        if url not in self.known:
            link, _created = TrackedLink.objects.get_or_create(
                campaign=self.campaign, url=url, defaults={"label": label[:200]}
            )
            self.known[url] = link.pk
            self.links[link.pk] = url
        return f"{{{{link:{self.known[url]}}}}}"

    def local(self, moment):
        return timezone.localtime(moment, self.venue_timezone)


def _venue():
    venue = getattr(connection, "tenant", None)
    return venue if getattr(venue, "schema_name", "public") != "public" else None


def render_campaign(campaign: Campaign, *, language: str) -> CompiledMessage:
    from tenants.selectors import venue_url

    language = campaign_language(campaign, language)
    content = (campaign.content or {}).get(language, {})
    venue = _venue()
    compiler = _Compiler(
        campaign=campaign,
        site=venue_url(venue, "") if venue else "",
        accent=getattr(venue, "accent_color", "") or "#8a1538",
        venue_timezone=ZoneInfo(getattr(venue, "timezone", "") or "Europe/Paris"),
    )
    with translation.override(language), B.slots_of(campaign.kind):
        parts: list[str] = []
        texts: list[str] = []
        for block in content.get("blocks", []):
            renderer = RENDERERS.get(block.get("type"))
            if renderer is None:
                continue
            mj, text = renderer(compiler, block)
            if mj:
                parts.append(mj)
            if text:
                texts.append(text)
        subject = B.personalise(content.get("subject") or campaign.name)
        preheader = content.get("preheader", "")
        source = _layout(compiler, venue, campaign, subject, preheader, "".join(parts))
        footer_text = _footer_text(venue, campaign)
    html = mjml.mjml2html(source)
    header = f"{venue.name.upper()}\n{'=' * min(len(venue.name), 60)}\n\n" if venue else ""
    return CompiledMessage(
        language=language,
        subject=subject,
        html=html,
        text=header + "\n\n".join(texts) + "\n\n-- \n" + footer_text,
        links=dict(compiler.links),
        list_unsubscribe=campaign.kind != Campaign.Kind.NOTICE,
    )


# --- layout ------------------------------------------------------------------------------


def _layout(c: _Compiler, venue, campaign: Campaign, subject: str, preheader: str, body: str):
    logo = ""
    if venue is not None and venue.logo:
        logo = (
            f'<mj-image src="{_attr(c.site + venue.logo.url)}" alt="{_attr(venue.name)}" '
            f'width="160px" align="left" padding="0" href="{c.link(c.site + "/", venue.name)}" />'
        )
    elif venue is not None:
        logo = (
            f'<mj-text font-size="20px" font-weight="bold" color="#ffffff" padding="0">'
            f"{escape(venue.name)}</mj-text>"
        )
    return (
        "<mjml><mj-head>"
        f"<mj-title>{escape(subject)}</mj-title>"
        f"<mj-preview>{escape(preheader)}</mj-preview>"
        "<mj-attributes>"
        f'<mj-all font-family="{FONT}" />'
        f'<mj-text font-size="16px" line-height="1.5" color="{TEXT_COLOR}" />'
        f'<mj-button background-color="{c.accent}" color="#ffffff" font-size="16px" '
        'border-radius="4px" inner-padding="12px 24px" />'
        "</mj-attributes>"
        f"<mj-style>a {{ color: {c.accent}; }} .hint {{ font-size: 14px; font-weight: bold; }}"
        "</mj-style>"
        "</mj-head>"
        '<mj-body background-color="#f3f4f6" width="600px">'
        f'<mj-section background-color="{c.accent}" padding="16px 24px">'
        f"<mj-column>{logo}</mj-column></mj-section>"
        f'<mj-wrapper background-color="#ffffff" padding="8px 0">{body}</mj-wrapper>'
        f"{_footer(venue, campaign)}"
        "</mj-body></mjml>"
    )


def _why(venue, campaign: Campaign) -> str:
    name = venue.name if venue else ""
    if campaign.kind == Campaign.Kind.PRESS:
        return _("You receive this email because you are on the press list of %(venue)s.") % {
            "venue": name
        }
    if campaign.kind == Campaign.Kind.RELAY:
        return _("You receive this email because you are on the relay list of %(venue)s.") % {
            "venue": name
        }
    if campaign.marketing:
        return _("You receive this email because you agreed to receive news from %(venue)s.") % {
            "venue": name
        }
    return _("You receive this email about your booking with %(venue)s.") % {"venue": name}


def _address(venue) -> str:
    if venue is None:
        return ""
    town = " ".join(x for x in (venue.postcode, venue.city) if x)
    return " · ".join(x for x in (venue.name, venue.street, town) if x)


def _footer(venue, campaign: Campaign) -> str:
    unsubscribe, preferences = _("Unsubscribe"), _("Your email preferences")
    # A service notice (a cancelled performance) is not a list one leaves: no unsubscribe.
    leave = (
        ""
        if campaign.kind == Campaign.Kind.NOTICE
        else f'<a href="{{{{unsubscribe_url}}}}">{escape(unsubscribe)}</a> · '
    )
    return (
        '<mj-section padding="16px 24px"><mj-column>'
        f'<mj-text font-size="12px" color="{MUTED}" align="center">'
        f"{escape(_address(venue))}<br>{escape(_why(venue, campaign))}<br>"
        f"{leave}"
        f'<a href="{{{{preferences_url}}}}">{escape(preferences)}</a>'
        "</mj-text>"
        '<mj-raw><img src="{{pixel_url}}" width="1" height="1" alt="" '
        'style="display:block;border:0;width:1px;height:1px" /></mj-raw>'
        "</mj-column></mj-section>"
    )


def _footer_text(venue, campaign: Campaign) -> str:
    return "\n".join(
        [
            _address(venue),
            _why(venue, campaign),
            ""
            if campaign.kind == Campaign.Kind.NOTICE
            else _("Unsubscribe: %(url)s") % {"url": "{{unsubscribe_url}}"},
            _("Your email preferences: %(url)s") % {"url": "{{preferences_url}}"},
        ]
    ).replace("\n\n", "\n")


def _section(inner: str, padding: str = "8px 24px") -> str:
    return f'<mj-section padding="{padding}"><mj-column>{inner}</mj-column></mj-section>'


# --- blocks ------------------------------------------------------------------------------


def _heading(c: _Compiler, block: dict) -> tuple[str, str]:
    text = block.get("text", "")
    html = B.personalise(escape(text))
    mj = f'<mj-text font-size="24px" line-height="1.25" font-weight="bold">{html}</mj-text>'
    # The plain-text heading is underlined, not upper-cased (a slot's name must stay as is).
    return _section(mj), B.personalise(text) + "\n" + "=" * min(len(text), 60)


def _text(c: _Compiler, block: dict) -> tuple[str, str]:
    paragraphs = B.paragraphs(block.get("text", ""))
    html = "".join(f'<p style="margin:0 0 12px">{B.inline_html(p, c.link)}</p>' for p in paragraphs)
    return _section(f"<mj-text>{html}</mj-text>"), "\n\n".join(
        B.inline_text(p, c.link) for p in paragraphs
    )


def _image(c: _Compiler, block: dict) -> tuple[str, str]:
    href = f' href="{c.link(block["url"], block.get("alt", ""))}"' if block.get("url") else ""
    alt = block.get("alt", "")
    src = block["src"]
    if src.startswith("/media/"):  # uploaded to the venue: its public, venue-scoped address
        src = c.site + src
    mj = f'<mj-image src="{_attr(src)}" alt="{_attr(alt)}"{href} />'
    text = f"[{alt}]" if alt else ""
    if block.get("url"):
        text = f"{text} {c.link(block['url'])}".strip()
    return _section(mj), text


def _button(c: _Compiler, block: dict) -> tuple[str, str]:
    if B.url_slot(block["url"]):
        slot = block["url"]  # a per-delivery address: one destination per delivery, not tracked
    elif "{{" in block["url"]:
        return "", ""  # a slot this kind of message does not have
    else:
        slot = c.link(block["url"], block["label"])
    mj = f'<mj-button href="{slot}">{escape(block["label"])}</mj-button>'
    return _section(mj), f"{block['label']} : {slot}"


def _divider(c: _Compiler, block: dict) -> tuple[str, str]:
    return _section('<mj-divider border-width="1px" border-color="#d0d7de" />'), "----------"


def _show_image_url(c: _Compiler, show) -> str:
    renditions = sorted((show.image_renditions or {}).values(), key=lambda r: r["w"])
    wide = next((r for r in renditions if r["w"] >= 600), renditions[-1] if renditions else None)
    if wide:
        return c.site + default_storage.url(wide["name"])
    return c.site + show.image.url if show.image else ""


def _hint_html(hint: str) -> str:
    color = HINT_COLORS.get(hint, MUTED)
    label = HINT_LABELS.get(hint, HINT_LABELS["sold_out"])()
    return f'<span class="hint hint-{hint}" style="color:{color}">{escape(label)}</span>'


def show_availability(performances: list) -> str:
    """The state of a show from its performances' hints: places somewhere → available;
    only few left → few_left; nothing on sale → sold_out."""
    hints = {p.hint for p in performances if p.hint != "cancelled"}
    if "available" in hints:
        return "available"
    if "few_left" in hints:
        return "few_left"
    return "sold_out"


def _upcoming(show_id: int | None, limit: int) -> list:
    from ticketing.selectors.availability import upcoming_performances
    from ticketing.selectors.storefront import with_sale_hints

    qs = upcoming_performances()
    if show_id:
        qs = qs.filter(show_id=show_id)
    return with_sale_hints(list(qs[:limit]))


def _dates(c: _Compiler, performances: list) -> str:
    if not performances:
        return ""
    first, last = c.local(performances[0].starts_at), c.local(performances[-1].starts_at)
    if first.date() == last.date():
        return date_format(first, "l j F Y, H:i")
    return _("from %(first)s to %(last)s") % {
        "first": date_format(first, "j F" if first.year == last.year else "j F Y"),
        "last": date_format(last, "j F Y"),
    }


def _show(c: _Compiler, block: dict) -> tuple[str, str]:
    from ticketing.models import Show

    show = Show.objects.filter(pk=block.get("show_id")).first()
    if show is None:
        return "", ""
    performances = _upcoming(show.pk, 50)
    hint = show_availability(performances)
    url = c.site + reverse("store:show", kwargs={"slug": show.slug})
    slot = c.link(url, show.title)
    image = _show_image_url(c, show)
    parts = []
    if image:
        alt = show.image_alt or show.title
        parts.append(
            f'<mj-image src="{_attr(image)}" alt="{_attr(alt)}" href="{slot}" padding="0" />'
        )
    subtitle = f"<br><span>{escape(show.subtitle)}</span>" if show.subtitle else ""
    dates = _dates(c, performances)
    parts.append(
        f'<mj-text padding="12px 0 0"><a href="{slot}" style="color:{TEXT_COLOR};'
        f'text-decoration:none;font-size:20px;font-weight:bold">{escape(show.title)}</a>'
        f'{subtitle}<br><span style="color:{MUTED}">{escape(dates)}</span><br>'
        f"{_hint_html(hint)}</mj-text>"
    )
    if hint != "sold_out":
        parts.append(
            f'<mj-button href="{slot}" align="left" padding="12px 0 0">{escape(book())}</mj-button>'
        )
    inner = "".join(parts)
    mj = (
        '<mj-section padding="12px 24px">'
        '<mj-column border="1px solid #d0d7de" padding="16px" border-radius="6px">'
        f"{inner}</mj-column></mj-section>"
    )
    label = HINT_LABELS[hint]()
    text = [show.title.upper()]
    if show.subtitle:
        text.append(show.subtitle)
    if dates:
        text.append(dates)
    text.append(label)
    if hint != "sold_out":
        text.append(f"{book()} : {slot}")
    return mj, "\n".join(text)


def _performances(c: _Compiler, block: dict) -> tuple[str, str]:
    performances = _upcoming(block.get("show_id"), block.get("limit") or 6)
    if not performances:
        return "", ""
    rows, text = [], []
    for p in performances:
        when = date_format(c.local(p.starts_at), "D j F, H:i")
        title = "" if block.get("show_id") else f"<strong>{escape(p.show.title)}</strong><br>"
        url = c.site + reverse("store:performance", kwargs={"pk": p.pk})
        bookable = p.hint in ("available", "few_left")
        action = (
            f'<a href="{c.link(url, p.show.title)}" style="color:{c.accent};font-weight:bold">'
            f"{escape(book())}</a>"
            if bookable
            else ""
        )
        rows.append(
            '<tr style="border-bottom:1px solid #d0d7de">'
            f'<td style="padding:8px 0">{title}{escape(when)}<br>{_hint_html(p.hint)}</td>'
            f'<td style="padding:8px 0;text-align:right">{action}</td></tr>'
        )
        line = f"- {'' if block.get('show_id') else p.show.title + ', '}{when} — "
        line += HINT_LABELS.get(p.hint, HINT_LABELS["sold_out"])()
        if bookable:
            line += f" — {book()} : {c.link(url)}"
        text.append(line)
    table = (
        f'<mj-table font-size="15px" color="{TEXT_COLOR}" width="100%">{"".join(rows)}</mj-table>'
    )
    return _section(table), "\n".join(text)


def _quotes(c: _Compiler, block: dict) -> tuple[str, str]:
    quotes: list[dict] = []
    limit = block.get("limit") or 3
    for provider in B.QUOTE_PROVIDERS.values():
        quotes += provider(
            show_id=block.get("show_id"), limit=limit, language=translation.get_language()
        )
        if len(quotes) >= limit:
            break
    quotes = quotes[:limit]
    if not quotes:
        return "", ""
    title = block.get("title") or _("What the audience said")
    html = [f'<p style="font-weight:bold;font-size:18px">{escape(title)}</p>']
    text = [title.upper()]
    for quote in quotes:
        words, author = str(quote.get("text", ""))[:600], str(quote.get("author", ""))[:80]
        html.append(
            f'<p style="border-left:3px solid {c.accent};padding-left:12px;font-style:italic">'
            f"« {escape(words)} »"
            + (
                f'<br><span style="font-style:normal;color:{MUTED}">— {escape(author)}</span>'
                if author
                else ""
            )
            + "</p>"
        )
        text.append(f"« {words} »" + (f" — {author}" if author else ""))
    return _section(f"<mj-text>{''.join(html)}</mj-text>"), "\n".join(text)


RENDERERS: dict[str, Callable[[_Compiler, dict], tuple[str, str]]] = {
    "heading": _heading,
    "text": _text,
    "image": _image,
    "button": _button,
    "divider": _divider,
    "show": _show,
    "performances": _performances,
    "quotes": _quotes,
}
