"""The newsletter's blocks: their schema and validation (the one owner of "what may a block
hold"), the tiny safe markup of text blocks, and the registry of "what the audience said".

A campaign's content is {"<lang>": {"subject", "preheader", "blocks": [block, …]}}; a block
is a small dict with a "type" and bounded fields. Nothing a user types is ever HTML: text is
escaped, then **bold**, *italic* and [label](https://…) are turned into tags by this module.
Every URL is https (a link, a button, an image): a message never points at an insecure page
and `javascript:` cannot get in. Errors carry a stable code and the field they point at, so
the editor shows them next to the field and the API answers 400, never 500."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from html import escape

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from tenants.errors import ParterreError

LANGUAGES = ("fr", "en")
REQUIRED_LANGUAGE = "fr"
MAX_BLOCKS = 40
MAX_SUBJECT = 150
MAX_PREHEADER = 200
MAX_HEADING = 150
MAX_TEXT = 3000
MAX_LABEL = 60
MAX_URL = 500
MAX_ALT = 200
MAX_PERFORMANCES = 12
MAX_QUOTES = 5

KINDS = {
    "heading": _("Heading"),
    "text": _("Text"),
    "image": _("Image"),
    "button": _("Button"),
    "show": _("Show card"),
    "performances": _("Performance list"),
    "divider": _("Divider"),
    "quotes": _("What the audience said"),
}

# "What the audience said": name → provider(show_id=None|int, limit=int, language=str) →
# [{"text": str, "author": str}]. Filled by campaigns/surveys (published spectators' words).
QuoteProvider = Callable[..., list[dict]]
QUOTE_PROVIDERS: dict[str, QuoteProvider] = {}


def register_quote_provider(name: str, provider: QuoteProvider) -> None:
    QUOTE_PROVIDERS[name] = provider


# Slots a kind of message may carry besides {{first_name}}, filled per delivery: a journey's
# email names the performance, its date, the survey's address… (campaigns/journeys registers
# its names at start-up). In any other message, "{{" typed by a user stays inert text.
MESSAGE_SLOTS: dict[str, frozenset[str]] = {}
_ALLOWED_SLOTS: ContextVar[frozenset[str]] = ContextVar("allowed_slots", default=frozenset())
_NAMED_SLOT = re.compile(r"\{\{\s*([a-z_]{1,40})\s*\}\}")
# A button may point at a per-delivery address ("{{survey_url}}"), kept if its kind allows it.
_URL_SLOT = re.compile(r"\{\{([a-z_]{1,36}_url)\}\}")


@contextmanager
def slots_of(kind: str) -> Iterator[None]:
    """While compiling a message of this kind, its slots are kept."""
    token = _ALLOWED_SLOTS.set(MESSAGE_SLOTS.get(kind, frozenset()))
    try:
        yield
    finally:
        _ALLOWED_SLOTS.reset(token)


def url_slot(url: str) -> str:
    """The per-delivery address this URL stands for, if the message's kind allows it, else ""."""
    match = _URL_SLOT.fullmatch(url or "")
    return url if match and match.group(1) in _ALLOWED_SLOTS.get() else ""


class BlockError(ParterreError):
    """A block (or the content around it) that cannot be kept; `field` is the editor's
    field name (`subject`, `b-3-url`…)."""

    code = "campaigns.block.invalid"


def _https(value: str, field: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if _URL_SLOT.fullmatch(value):
        return value  # a per-delivery address (kept at compile time only where allowed)
    if not value:
        if required:
            raise BlockError(
                _("Give an address."), code="campaigns.block.url_required", field=field
            )
        return ""
    if len(value) > MAX_URL:
        raise BlockError(
            _("This address is too long (%(max)s characters at most).") % {"max": MAX_URL},
            code="campaigns.block.url_too_long",
            field=field,
        )
    try:
        URLValidator(schemes=["https"])(value)
    except ValidationError:
        raise BlockError(
            _("Give a full address starting with https://."),
            code="campaigns.block.url_not_https",
            field=field,
        ) from None
    return value


IMAGE_FOLDER = "campaigns"
_OWN_IMAGE = re.compile(r"^/media/([a-z][a-z0-9_]{2,62})/campaigns/[a-z0-9-]{8,80}\.(jpg|png)$")


def _image_src(value, field: str) -> str:
    """An image uploaded to the venue (its own media path, made absolute when compiled) or
    an https address."""
    from django.db import connection

    value = (value or "").strip() if isinstance(value, str) else ""
    own = _OWN_IMAGE.match(value)
    if own:
        if own.group(1) != connection.schema_name:
            raise BlockError(
                _("Give a full address starting with https://."),
                code="campaigns.block.url_not_https",
                field=field,
            )
        return value
    return _https(value, field)


def _text(value, field: str, *, limit: int, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise BlockError(_("Expected text."), code="campaigns.block.not_text", field=field)
    value = value.replace("\r\n", "\n").strip()
    if "\x00" in value:
        raise BlockError(_("Expected text."), code="campaigns.block.not_text", field=field)
    if required and not value:
        raise BlockError(_("This field is required."), code="campaigns.block.required", field=field)
    if len(value) > limit:
        raise BlockError(
            _("Too long: %(max)s characters at most.") % {"max": limit},
            code="campaigns.block.too_long",
            field=field,
        )
    return value


def _id(value, field: str, *, required: bool = True) -> int | None:
    if value in (None, ""):
        if required:
            raise BlockError(_("Choose one."), code="campaigns.block.required", field=field)
        return None
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and len(text) < 10):
        raise BlockError(_("Choose one."), code="campaigns.block.bad_choice", field=field)
    return int(text)


def _count(value, field: str, *, default: int, high: int) -> int:
    if value in (None, ""):
        return default
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and 1 <= int(text[:4] or 0) <= high):
        raise BlockError(
            _("Give a number from 1 to %(max)s.") % {"max": high},
            code="campaigns.block.bad_number",
            field=field,
        )
    return int(text)


def clean_block(block, *, prefix: str = "b-0") -> dict:
    """A block as kept, or BlockError. `prefix` names the block's fields in errors."""
    if not isinstance(block, dict):
        raise BlockError(_("Unknown block."), code="campaigns.block.unknown", field=prefix)
    kind = block.get("type")
    f = f"{prefix}-"
    if kind == "heading":
        return {"type": kind, "text": _text(block.get("text"), f + "text", limit=MAX_HEADING)}
    if kind == "text":
        return {"type": kind, "text": _text(block.get("text"), f + "text", limit=MAX_TEXT)}
    if kind == "image":
        return {
            "type": kind,
            "src": _image_src(block.get("src"), f + "src"),
            "alt": _text(block.get("alt"), f + "alt", limit=MAX_ALT, required=False),
            "url": _https(block.get("url"), f + "url", required=False),
        }
    if kind == "button":
        return {
            "type": kind,
            "label": _text(block.get("label"), f + "label", limit=MAX_LABEL),
            "url": _https(block.get("url"), f + "url"),
        }
    if kind == "show":
        return {"type": kind, "show_id": _check_show(_id(block.get("show_id"), f + "show_id"), f)}
    if kind == "performances":
        show_id = _id(block.get("show_id"), f + "show_id", required=False)
        return {
            "type": kind,
            "show_id": _check_show(show_id, f) if show_id else None,
            "limit": _count(block.get("limit"), f + "limit", default=6, high=MAX_PERFORMANCES),
        }
    if kind == "divider":
        return {"type": kind}
    if kind == "quotes":
        show_id = _id(block.get("show_id"), f + "show_id", required=False)
        return {
            "type": kind,
            "title": _text(block.get("title"), f + "title", limit=MAX_HEADING, required=False),
            "show_id": _check_show(show_id, f) if show_id else None,
            "limit": _count(block.get("limit"), f + "limit", default=3, high=MAX_QUOTES),
        }
    raise BlockError(_("Unknown block."), code="campaigns.block.unknown", field=f + "type")


def _check_show(show_id: int | None, f: str) -> int | None:
    from ticketing.models import Show

    if show_id is not None and not Show.objects.filter(pk=show_id).exists():
        raise BlockError(
            _("This show does not exist."), code="campaigns.block.unknown_show", field=f + "show_id"
        )
    return show_id


def clean_language(language: str, data, *, required: bool) -> dict:
    """One language's content: subject, preheader and blocks."""
    if not isinstance(data, dict):
        raise BlockError(_("Invalid content."), code="campaigns.content.invalid", field="subject")
    blocks = data.get("blocks") or []
    if not isinstance(blocks, list):
        raise BlockError(_("Invalid content."), code="campaigns.content.invalid", field="blocks")
    if len(blocks) > MAX_BLOCKS:
        raise BlockError(
            _("At most %(max)s blocks in a message.") % {"max": MAX_BLOCKS},
            code="campaigns.content.too_many_blocks",
            field="blocks",
        )
    subject = _text(data.get("subject"), "subject", limit=MAX_SUBJECT, required=required)
    if required and not blocks:
        raise BlockError(
            _("Add at least one block."), code="campaigns.content.empty", field="blocks"
        )
    return {
        "subject": subject,
        "preheader": _text(data.get("preheader"), "preheader", limit=MAX_PREHEADER, required=False),
        "blocks": [clean_block(b, prefix=f"b-{i}") for i, b in enumerate(blocks)],
    }


def clean_content(content) -> dict:
    """The whole content: French required, English optional (dropped when left empty)."""
    if not isinstance(content, dict) or set(content) - set(LANGUAGES):
        raise BlockError(
            _("Invalid content."), code="campaigns.content.bad_language", field="language"
        )
    clean = {REQUIRED_LANGUAGE: clean_language("fr", content.get("fr") or {}, required=True)}
    english = content.get("en")
    if english and (english.get("subject") or english.get("blocks")):
        clean["en"] = clean_language("en", english, required=True)
    return clean


# --- the text blocks' markup -------------------------------------------------------------

_LINK = re.compile(r"\[([^\[\]\n]{1,200})\]\((https://[^\s()<>\"']{1,500})\)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])")
_FIRST_NAME = re.compile(r" ?\{\{\s*first_name\s*\}\}", re.IGNORECASE)
_ANY_SLOT = re.compile(r"\{\{")


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def links_in(text: str) -> list[tuple[str, str]]:
    """(label, url) of the [label](https://…) links of a text."""
    return _LINK.findall(text)


def personalise(text: str) -> str:
    """`{{first_name}}` (the only slot a user may type) becomes the `first_name_spaced`
    slot, which carries its own leading space: "Bonjour {{first_name}}," reads "Bonjour Léa,"
    or "Bonjour," when the name is unknown. Any other `{{` is made inert."""
    marker = "\x01"
    kept: list[str] = []
    allowed = _ALLOWED_SLOTS.get()

    def keep(match: re.Match) -> str:
        if match.group(1) not in allowed:
            return match.group(0)
        kept.append(match.group(1))
        return f"\x02{len(kept) - 1}\x03"

    # " {{first_name}}" carries its space (gone with an unknown name); at the start, none.
    text = _FIRST_NAME.sub(lambda m: marker if m.group(0).startswith(" ") else "\x04", text)
    if allowed:
        text = _NAMED_SLOT.sub(keep, text)
    text = _ANY_SLOT.sub("{\u200b{", text)
    text = re.sub("\x02(\\d+)\x03", lambda m: "{{" + kept[int(m.group(1))] + "}}", text)
    return text.replace(marker, "{{first_name_spaced}}").replace("\x04", "{{first_name}}")


def inline_html(text: str, link_slot: Callable[[str, str], str]) -> str:
    """A paragraph's HTML: escaped, then bold, italic and links (`link_slot(url, label)` gives
    the href, a tracked link's slot), line breaks kept."""
    out: list[str] = []
    position = 0
    for match in _LINK.finditer(text):
        out.append(_html_piece(text[position : match.start()]))
        label, url = match.group(1), match.group(2)
        out.append(f'<a href="{link_slot(url, label)}">{_html_piece(label)}</a>')
        position = match.end()
    out.append(_html_piece(text[position:]))
    return "".join(out)


def _html_piece(text: str) -> str:
    escaped = _BOLD.sub(r"<strong>\1</strong>", escape(text))
    return personalise(_ITALIC.sub(r"<em>\1</em>", escaped)).replace("\n", "<br>")


def _text_piece(text: str) -> str:
    return personalise(_ITALIC.sub(r"\1", _BOLD.sub(r"\1", text)))


def inline_text(text: str, link_slot: Callable[[str, str], str]) -> str:
    """The plain-text reading of a paragraph: markup removed, links as "label (address)"."""
    out: list[str] = []
    position = 0
    for match in _LINK.finditer(text):
        out.append(_text_piece(text[position : match.start()]))
        label, url = match.group(1), match.group(2)
        out.append(f"{_text_piece(label)} ({link_slot(url, label)})")
        position = match.end()
    out.append(_text_piece(text[position:]))
    return "".join(out)
