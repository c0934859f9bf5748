"""The frame of a seat map drawing, in map units (1 = one seat pitch): where the stage, the row
letters and the section names go, and the view box around them. Pure functions over seat
dicts (x, y, row, section), shared by the server-drawn SVG (templatetags.ticketing_ui.seatmap)
and the geometry file the storefront's script draws from (selectors.seatmaps), so both
look the same."""

from __future__ import annotations

from django.utils.translation import gettext as _

PAD = 1.2  # map units around the drawing


def frame(seats: list[dict], layout) -> dict:
    """stage {x, y, w, h, cx, cy, label}, row_labels [{x, y, text}], section_labels
    [{x, y, text}] (only when the map has several sections), view_box (min_x, min_y, width,
    height)."""
    with_section = len({s["section"] for s in seats}) > 1
    rows: dict[tuple, dict] = {}
    sections: dict[str, list[float]] = {}
    for seat in seats:
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
    return {
        "with_section": with_section,
        "stage": stage,
        "row_labels": [{"x": r["x"] - 1.1, "y": r["y"], "text": r["row"]} for r in rows.values()],
        "section_labels": [
            {"x": (x0 + x1) / 2, "y": y0 - 0.95, "text": name}
            for name, (x0, x1, y0) in sections.items()
            # No room for a name between the stage and the front rows: leave it out.
            if not (stage["y"] - 0.4 < y0 - 0.95 < stage["y"] + stage["h"] + 0.4)
        ]
        if with_section
        else [],
        "view_box": (min_x, min_y, max_x - min_x, max_y - min_y),
    }
