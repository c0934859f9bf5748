"""Template helpers of the ticketing screens: `money` and the SVG seat map.

    {% load ticketing_ui %}
    {{ 2550|money }}                       → "25,50 €"
    {% seatmap seats layout=layout categories=categories mode="public" form_id="buy" %}

See templates/ticketing/_seatmap.html for what the seat map expects and emits.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import template
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from ticketing.seatmaps import frame

register = template.Library()

CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$", "CHF": "CHF"}
# Colours by rank when no price category is known (the layout editor).
RANK_COLORS = ("#1d4f91", "#2a7f62", "#b7791f", "#8a1538", "#6b4fa0", "#4a5a6a")


@register.filter
def money(cents, currency: str = "EUR") -> str:
    """Integer cents → a localised amount with its symbol; whole amounts without decimals."""
    if cents in (None, ""):
        return ""
    cents = int(cents)
    places = 0 if cents % 100 == 0 else 2
    amount = number_format(Decimal(cents) / 100, places, use_l10n=True)
    return f"{amount}\u00a0{CURRENCY_SYMBOLS.get(currency or 'EUR', currency)}"


@register.filter
def percent_bp(basis_points) -> str:
    """550 → "5,5 %" (a VAT rate in basis points, localised)."""
    if basis_points in (None, ""):
        return ""
    value = Decimal(int(basis_points)) / 100
    places = 0 if value == value.to_integral_value() else (1 if value * 10 % 1 == 0 else 2)
    return f"{number_format(value, places, use_l10n=True)} %"


@register.filter
def percent_of(part, whole) -> int:
    try:
        return round(100 * int(part) / int(whole)) if int(whole) else 0
    except (TypeError, ValueError):
        return 0


def status_labels() -> dict[str, str]:
    return {
        "available": _("available"),
        "held": _("reserved"),
        "sold": _("sold"),
        "unavailable": _("unavailable"),
    }


def _category_price(category: dict | None) -> int | None:
    """The price named in a seat's label: the first publicly sold tariff of its category."""
    if not category:
        return None
    prices = [p for p in category.get("prices", []) if p.get("public", True)]
    return prices[0]["amount_cents"] if prices else None


def _selectable(seat: dict, mode: str) -> bool:
    if mode == "edit":
        return True
    if seat["status"] != "available":
        return False
    # The public never gets an allocated seat (seat_map already marks it unavailable).
    return mode == "staff" or not seat.get("allocation")


def _seat_label(seat: dict, category: dict | None, mode: str, with_section: bool) -> str:
    parts = [_("Row %(row)s, seat %(number)s") % {"row": seat["row"], "number": seat["number"]}]
    if with_section:
        parts[0] = f"{seat['section']}, {parts[0]}"
    if seat.get("label") and seat["label"] != f"{seat['row']}{seat['number']}":
        parts.append(seat["label"])
    if category:
        parts.append(category["name"])
        price = _category_price(category)
        if price is not None:
            parts.append(money(price))
    if mode == "edit":
        parts.append(_("rank %(rank)s") % {"rank": seat["rank"]})
    if seat.get("wheelchair"):
        parts.append(_("wheelchair space"))
    if seat.get("companion"):
        parts.append(_("companion seat"))
    if seat.get("restricted_view"):
        parts.append(_("restricted view"))
    if seat.get("hearing_loop"):
        parts.append(_("hearing loop"))
    if seat.get("allocation") and mode != "public":
        parts.append(_("set aside"))
    parts.append(status_labels()[seat["status"]])
    return ", ".join(parts)


@register.inclusion_tag("ticketing/_seatmap.html")
def seatmap(
    seats,
    *,
    layout,
    categories=None,
    mode: str = "public",
    selected=None,
    input_name: str = "seats",
    form_id: str = "",
    map_id: str = "seatmap",
    max_select: int = 0,
    caption: str = "",
    fallback_list: bool = False,
):
    """Prepare the drawing: geometry in map units (1 = one seat pitch), colours, labels."""
    categories = {c["id"]: c for c in (categories or [])}
    selected = {int(s) for s in (selected or [])}
    drawing = frame(seats, layout)
    with_section = drawing["with_section"]
    drawn, ranks_used = [], set()
    for seat in seats:
        category = categories.get(seat.get("category"))
        if category:
            color = category["color"]
        else:
            ranks_used.add(seat["rank"])
            color = RANK_COLORS[(seat["rank"] - 1) % len(RANK_COLORS)]
        selectable = _selectable(seat, mode)
        classes = ["seat", f"is-{seat['status']}"]
        if selectable and seat["id"] in selected:
            classes.append("is-selected")
        for flag, css in (
            ("wheelchair", "is-wheelchair"),
            ("companion", "is-companion"),
            ("restricted_view", "is-restricted"),
            ("hearing_loop", "is-hearing-loop"),
        ):
            if seat.get(flag):
                classes.append(css)
        if seat.get("allocation") and mode != "public":
            classes.append("is-allocated")
        drawn.append(
            {
                **seat,
                "color": color,
                "css": " ".join(classes),
                "aria_label": _seat_label(seat, category, mode, with_section),
                "selectable": selectable,
                "is_selected": selectable and seat["id"] in selected,
                "category_name": category["name"] if category else "",
            }
        )
    stage = drawing["stage"]
    min_x, min_y, width, height = drawing["view_box"]
    first_focus = next((s["id"] for s in drawn if s["selectable"]), drawn[0]["id"] if drawn else 0)
    if mode == "edit":
        legend_colors = [
            {"color": RANK_COLORS[(r - 1) % len(RANK_COLORS)], "name": _("Rank %(r)s") % {"r": r}}
            for r in sorted(ranks_used)
        ]
    else:
        legend_colors = [
            {
                "color": c["color"],
                "name": c["name"],
                "price": _category_price(c),
                "available": c.get("available"),
            }
            for c in categories.values()
        ]
    return {
        "map_id": map_id,
        "seats": drawn,
        "row_labels": drawing["row_labels"],
        "section_labels": drawing["section_labels"],
        "stage": stage,
        "view_box": f"{min_x:.2f} {min_y:.2f} {width:.2f} {height:.2f}",
        "units": f"{width:.1f}",  # CSS sizes the map from it (finger-sized seats on phones)
        "aspect": f"{width:.2f} / {height:.2f}",
        "mode": mode,
        "input_name": input_name,
        "form_id": form_id,
        "max_select": max_select,
        "caption": caption or _("Seat map"),
        "selected_seats": [s for s in drawn if s["is_selected"]],
        "first_focus": first_focus,
        "legend_colors": legend_colors,
        "fallback_list": fallback_list,
        "fallback_seats": [s for s in drawn if s["selectable"]] if fallback_list else [],
        "has_wheelchair": any(s.get("wheelchair") for s in seats),
        "has_companion": any(s.get("companion") for s in seats),
        "has_allocated": mode != "public" and any(s.get("allocation") for s in seats),
        "has_hearing_loop": any(s.get("hearing_loop") for s in seats),
        "has_restricted": any(s.get("restricted_view") for s in seats),
        "seat_count": len(seats),
    }


# --- Show pictures and videos ----------------------------------------------------------------
@register.simple_tag
def show_picture(show, sizes: str = "100vw", css: str = "", loading: str = "lazy"):
    """The show's picture with its smaller copies in `srcset` (ticketing.services.images);
    the browser downloads only the one that fits. Empty without a picture."""
    if not show.image:
        return ""
    renditions = sorted((show.image_renditions or {}).values(), key=lambda r: r["w"])
    if not renditions:
        return format_html(
            '<img class="{}" src="{}" alt="{}" loading="{}">',
            css,
            show.image.url,
            show.image_alt,
            loading,
        )
    default = next((r for r in renditions if r["w"] >= 960), renditions[-1])
    srcset = ", ".join(f"{default_storage.url(r['name'])} {r['w']}w" for r in renditions)
    return format_html(
        '<img class="{}" src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}" '
        'loading="{}" decoding="async">',
        css,
        default_storage.url(default["name"]),
        srcset,
        sizes,
        default["w"],
        default["h"],
        show.image_alt,
        loading,
    )


_YOUTUBE = re.compile(
    r"^https?://(?:www\.|m\.)?(?:youtube\.com/(?:watch\?(?:.*&)?v=|embed/|shorts/)|youtu\.be/)"
    r"([A-Za-z0-9_-]{6,20})"
)
_VIMEO = re.compile(r"^https?://(?:www\.)?(?:player\.)?vimeo\.com/(?:video/)?([0-9]{4,12})")


@register.filter
def video_embed(url: str) -> str:
    """The address to put in an iframe for a YouTube or Vimeo link (YouTube's cookie-less
    host, Vimeo without tracking), or "" for any other link (then the link itself is shown,
    and opens in the spectator's browser when they follow it)."""
    if match := _YOUTUBE.match(url or ""):
        return f"https://www.youtube-nocookie.com/embed/{match.group(1)}?autoplay=1"
    if match := _VIMEO.match(url or ""):
        return f"https://player.vimeo.com/video/{match.group(1)}?autoplay=1&dnt=1"
    return ""


@register.inclusion_tag("ticketing/storefront/_meta.html", takes_context=True)
def show_meta(context, show, *, title: str = "", when=None):
    """Open Graph and Twitter tags for a show (or one of its performances: `when`)."""
    request = context["request"]
    parts = [show.subtitle or "", show.description or ""]
    text = " — ".join(p.strip() for p in parts if p.strip())
    if when is not None:
        text = f"{date_format(timezone.localtime(when), 'l j F Y · H:i')}. {text}".strip()
    image_url, image_w, image_h = "", None, None
    if show.image:
        renditions = sorted((show.image_renditions or {}).values(), key=lambda r: r["w"])
        chosen = next(
            (r for r in renditions if r["w"] >= 960), renditions[-1] if renditions else None
        )
        if chosen:
            image_url = request.build_absolute_uri(default_storage.url(chosen["name"]))
            image_w, image_h = chosen["w"], chosen["h"]
        else:
            image_url = request.build_absolute_uri(show.image.url)
    return {
        "request": request,
        "venue": context.get("venue"),
        "LANGUAGE_CODE": context.get("LANGUAGE_CODE"),
        "show": show,
        "title": title or show.title,
        "description": Truncator(text).chars(200),
        "image_url": image_url,
        "image_w": image_w,
        "image_h": image_h,
    }


@register.filter
def video_host(url: str) -> str:
    """The host name of a video link (what the spectator is told it will contact)."""
    from urllib.parse import urlsplit

    return (urlsplit(url or "").hostname or "").removeprefix("www.")
