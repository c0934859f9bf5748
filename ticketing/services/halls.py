"""Building seat maps: generate sections row × seat, edit seats, import/export JSON.

Layout JSON (documented in docs/seat-map-format.md):
{
  "format": "parterre.layout/1",
  "name": "Configuration assise", "stage": {"x": 0, "y": 0, "label": "Scène"},
  "sections": [{"name": "Parterre", "seats": [
      {"row": "A", "number": 1, "label": "A1", "x": -7.0, "y": 3.0, "rank": 1,
       "wheelchair": false, "companion": false, "restricted_view": false,
       "hearing_loop": false, "blocked": false}, ...]}],
  "zones": [{"name": "Fosse", "capacity": 300}]
}
"""

from __future__ import annotations

import math
import string

from django.db import transaction
from django.utils.translation import gettext as _

from tenants import generations
from tenants.accounts.audit import record_event
from ticketing.errors import InvalidRequest
from ticketing.models import Hall, Layout, Seat, Section, Zone

LAYOUT_FORMAT = "parterre.layout/1"
SEAT_FLAGS = ("wheelchair", "companion", "restricted_view", "hearing_loop", "step_free")


def row_labels(count: int, first: str = "A") -> list[str]:
    """A, B, … Z, AA, AB …, skipping I and O which read like 1 and 0 on a ticket."""
    letters = [c for c in string.ascii_uppercase if c not in "IO"]
    labels: list[str] = []
    n = 0
    while len(labels) < count:
        q, r = divmod(n, len(letters))
        label = (letters[q - 1] if q else "") + letters[r]
        n += 1
        if label >= first or len(label) > len(first):
            labels.append(label)
    return labels


@transaction.atomic
def create_hall(*, name: str, description: str = "", actor=None) -> Hall:
    if not name.strip():
        raise InvalidRequest(_("Give the hall a name."), field="name")
    hall = Hall.objects.create(name=name.strip(), description=description)
    record_event(code="ticketing.hall.created", actor=actor, obj=hall, data={"hall": hall.name})
    return hall


@transaction.atomic
def create_layout(*, hall: Hall, name: str, actor=None) -> Layout:
    if Layout.objects.filter(hall=hall, name=name).exists():
        raise InvalidRequest(_("This hall already has a layout with that name."), field="name")
    layout = Layout.objects.create(hall=hall, name=name)
    record_event(
        code="ticketing.layout.created",
        actor=actor,
        obj=layout,
        data={"hall": hall.pk, "layout": layout.name},
    )
    return layout


@transaction.atomic
def generate_section(
    *,
    layout: Layout,
    name: str,
    rows: int,
    seats_per_row: int,
    first_row: str = "A",
    origin_y: float = 3.0,
    spacing: float = 1.0,
    row_spacing: float = 1.2,
    curve: float = 0.0,
    stagger: bool = False,
    rank_rows: list[int] | None = None,
    numbering: str = "left_to_right",
    actor=None,
) -> Section:
    """Generate `rows` × `seats_per_row` seats centred on x = 0, in front of the stage (y = 0).

    curve: how much the rows bend around the stage (0 = straight, 1 = a strong arc);
    stagger: shift every other row by half a seat so spectators see between heads;
    rank_rows: seat rank per row (e.g. [1, 1, 1, 2, 2, 3]); by default the first third of
    the rows is rank 1, the next third rank 2, the rest rank 3;
    numbering: "left_to_right" (1, 2, 3 …) or "odd_even" (French style: odd numbers on one
    side, even on the other, counted from the centre).
    """
    if not (1 <= rows <= 60 and 1 <= seats_per_row <= 100):
        raise InvalidRequest(_("Use 1 to 60 rows and 1 to 100 seats per row."), field="rows")
    if Section.objects.filter(layout=layout, name=name).exists():
        raise InvalidRequest(_("This layout already has a section with that name."), field="name")
    section = Section.objects.create(layout=layout, name=name, order=layout.sections.count())
    labels = row_labels(rows, first_row)
    seats = []
    for r, row in enumerate(labels):
        y = origin_y + r * row_spacing
        shift = 0.5 * spacing if stagger and r % 2 else 0.0
        rank = rank_rows[r] if rank_rows and r < len(rank_rows) else 1 + (3 * r) // max(rows, 1)
        for i in range(seats_per_row):
            x = (i - (seats_per_row - 1) / 2) * spacing + shift
            # Bend the row: seats far from the centre come closer to the stage.
            bend = curve * (x * x) / (max(seats_per_row, 2) * spacing * 2)
            number = _seat_number(i, seats_per_row, numbering)
            seats.append(
                Seat(
                    section=section,
                    row=row,
                    number=number,
                    label=f"{row}{number}",
                    x=round(x, 3),
                    y=round(y - bend, 3),
                    rank=rank,
                )
            )
    Seat.objects.bulk_create(seats)
    record_event(
        code="ticketing.layout.section_generated",
        actor=actor,
        obj=layout,
        data={"layout": layout.pk, "section": name, "seats": len(seats)},
    )
    return section


def _seat_number(index: int, count: int, numbering: str) -> int:
    if numbering == "odd_even":
        centre = (count - 1) / 2
        offset = index - centre
        k = math.floor(abs(offset))  # distance from the centre, in seats
        return 2 * k + (1 if offset >= 0 else 2)
    return index + 1


@transaction.atomic
def update_seats(*, layout: Layout, seat_ids: list[int], actor=None, **changes) -> int:
    allowed = {*SEAT_FLAGS, "is_blocked", "rank", "label"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidRequest(_("Unknown seat attribute."), field=sorted(unknown)[0])
    if "label" in changes and len(seat_ids) != 1:
        raise InvalidRequest(_("Rename one seat at a time."), field="label")
    seats = Seat.objects.filter(section__layout=layout, id__in=seat_ids)
    rows = list(seats.order_by("row", "number").values_list("label", *changes))
    updated = seats.update(**changes)
    generations.bump()  # best available keeps seats' ranks and flags (selectors/seating.py)
    # Each attribute before: its value, or its values when the seats differed.
    before = {name: sorted({row[i + 1] for row in rows}) for i, name in enumerate(changes)}
    record_event(
        code="ticketing.layout.seats_updated",
        actor=actor,
        obj=layout,
        changes={
            name: (old[0] if len(old) == 1 else old, changes[name]) for name, old in before.items()
        },
        data={
            "layout": layout.pk,
            "seats": updated,
            "changes": changes,
            "labels": [row[0] for row in rows[:20]],
        },
    )
    return updated


@transaction.atomic
def add_zone(*, layout: Layout, name: str, capacity: int, actor=None) -> Zone:
    if capacity <= 0:
        raise InvalidRequest(_("A zone needs a capacity above zero."), field="capacity")
    zone = Zone.objects.create(layout=layout, name=name, capacity=capacity)
    record_event(
        code="ticketing.zone.added",
        actor=actor,
        obj=layout,
        data={"zone": zone.pk, "name": name, "capacity": capacity},
    )
    return zone


def export_layout(layout: Layout) -> dict:
    sections = []
    for section in layout.sections.prefetch_related("seats"):
        sections.append(
            {
                "name": section.name,
                "seats": [
                    {
                        "row": s.row,
                        "number": s.number,
                        "label": s.label,
                        "x": s.x,
                        "y": s.y,
                        "rank": s.rank,
                        **{flag: getattr(s, flag) for flag in SEAT_FLAGS},
                        "blocked": s.is_blocked,
                    }
                    for s in section.seats.all()
                ],
            }
        )
    return {
        "format": LAYOUT_FORMAT,
        "name": layout.name,
        "stage": {"x": layout.stage_x, "y": layout.stage_y, "label": layout.stage_label},
        "sections": sections,
        "zones": [{"name": z.name, "capacity": z.capacity} for z in layout.zones.all()],
    }


@transaction.atomic
def import_layout(*, hall: Hall, data: dict, name: str | None = None, actor=None) -> Layout:
    """Create a layout from exported JSON. Every problem is reported with its place."""
    if not isinstance(data, dict) or data.get("format") != LAYOUT_FORMAT:
        raise InvalidRequest(
            _("This is not a Parterre layout file (format %(f)s expected).") % {"f": LAYOUT_FORMAT},
            field="file",
        )
    errors: list[str] = []
    stage = data.get("stage") or {}
    layout = create_layout(hall=hall, name=name or str(data.get("name") or "Import"), actor=actor)
    layout.stage_x, layout.stage_y = float(stage.get("x", 0)), float(stage.get("y", 0))
    layout.stage_label = str(stage.get("label") or "Scène")[:60]
    layout.save(update_fields=["stage_x", "stage_y", "stage_label"])
    seats = []
    for s_index, section_data in enumerate(data.get("sections") or []):
        section = Section.objects.create(
            layout=layout, order=s_index, name=str(section_data.get("name") or f"S{s_index + 1}")
        )
        seen = set()
        for i, raw in enumerate(section_data.get("seats") or []):
            where = f"{section.name}, seat #{i + 1}"
            try:
                row, number = str(raw["row"]), int(raw["number"])
                seat = Seat(
                    section=section,
                    row=row,
                    number=number,
                    label=str(raw.get("label") or f"{row}{number}")[:40],
                    x=float(raw["x"]),
                    y=float(raw["y"]),
                    rank=int(raw.get("rank", 1)),
                    is_blocked=bool(raw.get("blocked", False)),
                    **{flag: bool(raw.get(flag, False)) for flag in SEAT_FLAGS},
                )
            except (KeyError, TypeError, ValueError) as exc:
                errors.append(f"{where}: {exc.__class__.__name__} {exc}")
                continue
            if (row, number) in seen:
                errors.append(f"{where}: {row}{number} appears twice")
                continue
            seen.add((row, number))
            seats.append(seat)
    for z in data.get("zones") or []:
        try:
            add_zone(layout=layout, name=str(z["name"]), capacity=int(z["capacity"]), actor=actor)
        except (KeyError, TypeError, ValueError, InvalidRequest) as exc:
            errors.append(f"zone {z!r}: {exc}")
    if errors:
        raise InvalidRequest(
            _("The layout file has errors: %(errors)s") % {"errors": "; ".join(errors[:20])},
            field="file",
        )
    Seat.objects.bulk_create(seats)
    record_event(
        code="ticketing.layout.imported",
        actor=actor,
        obj=layout,
        data={"layout": layout.pk, "seats": len(seats)},
    )
    return layout
