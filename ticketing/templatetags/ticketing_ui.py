"""Template helpers of the ticketing screens: `money` and the SVG seat map.

    {% load ticketing_ui %}
    {{ 2550|money }}                       → "25,50 €"
    {% seatmap seats layout=layout categories=categories mode="public" form_id="buy" %}

See templates/ticketing/_seatmap.html for what the seat map expects and emits.
"""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()

CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$", "CHF": "CHF"}
# Colours by rank when no price category is known (the layout editor).
RANK_COLORS = ("#1d4f91", "#2a7f62", "#b7791f", "#8a1538", "#6b4fa0", "#4a5a6a")
PAD = 1.2  # map units around the drawing


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
    with_section = len({s["section"] for s in seats}) > 1
    drawn, rows, sections, ranks_used = [], {}, {}, set()
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
        box = sections.setdefault(seat["section"], [seat["x"], seat["x"], seat["y"]])
        box[0], box[1], box[2] = (
            min(box[0], seat["x"]),
            max(box[1], seat["x"]),
            min(box[2], seat["y"]),
        )
        key = (seat["section"], seat["row"])
        if key not in rows or seat["x"] < rows[key]["x"]:
            rows[key] = {"x": seat["x"], "y": seat["y"], "row": seat["row"]}

    stage_x, stage_y = (layout.stage_x, layout.stage_y) if layout else (0.0, 0.0)
    xs = [s["x"] for s in seats] or [stage_x - 3, stage_x + 3]
    ys = [s["y"] for s in seats] or [stage_y + 3]
    span = max(xs) - min(xs)
    stage_w = max(4.0, 0.6 * span)
    stage = {
        "x": stage_x - stage_w / 2,
        "y": stage_y - 0.6,
        "w": stage_w,
        "h": 1.2,
        "cx": stage_x,
        "cy": stage_y,
        "label": layout.stage_label if layout else _("Stage"),
    }
    min_x = min(min(xs) - 1.2, stage["x"]) - PAD  # room for the row letters on the left
    max_x = max(max(xs), stage["x"] + stage_w) + PAD
    min_y = min(min(ys), stage["y"]) - PAD
    max_y = max(max(ys), stage["y"] + stage["h"]) + PAD
    width, height = max_x - min_x, max_y - min_y
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
        "row_labels": [{"x": r["x"] - 1.1, "y": r["y"], "text": r["row"]} for r in rows.values()],
        "section_labels": [
            {"x": (x0 + x1) / 2, "y": y0 - 0.95, "text": name}
            for name, (x0, x1, y0) in sections.items()
            # No room for a name between the stage and the front rows: leave it out.
            if not (stage["y"] - 0.4 < y0 - 0.95 < stage["y"] + stage["h"] + 0.4)
        ]
        if with_section
        else [],
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
