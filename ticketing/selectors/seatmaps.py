"""The storefront's seat map in two parts, so an on-sale rush does not rebuild 200 KB of SVG
per visitor:

- the *geometry* of a layout (seats, rows, stage, sections): the same for every performance
  in that layout and every visitor, served as a JSON file whose address carries a hash of its
  content (`/seatmaps/<layout>-<version>.json`: cached by browsers for good, ETag for the
  rest) and kept in each process while the venue's generation is current (seat writes bump
  it, see tenants/generations.py);
- the *availability* of a performance: which seats are free, per price category, as ranges
  of seat ids, and the standing places left per zone. A few hundred bytes, read by every
  visitor, so kept in Redis for AVAILABILITY_TTL_S (the key carries the venue's schema,
  django_tenants.cache.make_key) and dropped by the inventory whenever a seat or place
  changes hands (services.inventory.availability_changed).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from tenants import generations
from ticketing.models import Layout, PerformanceSeat
from ticketing.seatmaps import frame

AVAILABILITY_TTL_S = 2
# Bits of a seat's flags in the geometry file (static/js/seatmap-remote.js reads them).
FLAGS = {"wheelchair": 1, "companion": 2, "restricted_view": 4, "hearing_loop": 8, "step_free": 16}
BLOCKED = 32


@dataclass(frozen=True)
class Geometry:
    layout_id: int
    version: str  # hash of the body: in the file's address and its ETag
    body: bytes  # the JSON file
    gzipped: bytes  # the same, compressed once (a phone downloads a quarter of it)

    def etag(self, encoding: str = "") -> str:
        return f'"{self.version}-{encoding}"' if encoding else f'"{self.version}"'


_GEOMETRY = generations.LocalCache("layout_geometry", size=64)


def _r(value: float) -> float:
    return round(value, 3)


def build_geometry(layout: Layout) -> Geometry:
    """The layout's drawing as compact JSON (two queries). Seats are arrays:
    [id, x, y, section index, row, number, label, flags]."""
    sections = list(layout.sections.order_by("order", "name").values_list("id", "name"))
    index = {pk: i for i, (pk, _name) in enumerate(sections)}
    names = dict(sections)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.id, s.x, s.y, s.section_id, s.row, s.number, s.label, s.wheelchair, "
            "s.companion, s.restricted_view, s.hearing_loop, s.step_free, s.is_blocked "
            "FROM ticketing_seat s JOIN ticketing_section c ON c.id = s.section_id "
            'WHERE c.layout_id = %s ORDER BY c."order", s.row, s.number',
            [layout.pk],
        )
        rows = cursor.fetchall()
    seats = []
    plain = []
    for sid, x, y, section, row, number, label, *flags in rows:
        wheelchair, companion, restricted, hearing, step_free, blocked = flags
        bits = sum(
            bit
            for on, bit in (
                (wheelchair, 1),
                (companion, 2),
                (restricted, 4),
                (hearing, 8),
                (step_free, 16),
                (blocked, BLOCKED),
            )
            if on
        )
        seats.append([sid, _r(x), _r(y), index[section], row, number, label, bits])
        plain.append({"x": x, "y": y, "row": row, "section": names[section]})
    drawing = frame(plain, layout)
    stage = {k: (_r(v) if isinstance(v, float) else v) for k, v in drawing["stage"].items()}
    data = {
        "format": "parterre.seatmap/1",
        "layout": layout.pk,
        "viewBox": [_r(v) for v in drawing["view_box"]],
        "stage": stage,
        "sections": [name for _pk, name in sections],
        "sectionLabels": [
            [_r(lab["x"]), _r(lab["y"]), lab["text"]] for lab in drawing["section_labels"]
        ],
        "rowLabels": [[_r(lab["x"]), _r(lab["y"]), lab["text"]] for lab in drawing["row_labels"]],
        "seats": seats,
    }
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    version = hashlib.sha256(body).hexdigest()[:16]
    gzipped = gzip.compress(body, compresslevel=9, mtime=0)
    return Geometry(layout_id=layout.pk, version=version, body=body, gzipped=gzipped)


def layout_geometry(layout_id: int) -> Geometry | None:
    """The layout's geometry (None for no such layout), built once per process while the
    venue's generation holds: no query then."""
    found = _GEOMETRY.get(layout_id)
    if found is generations.MISSING:
        layout = Layout.objects.filter(pk=layout_id).first()
        if layout is None:
            return None
        found = build_geometry(layout)
        _GEOMETRY.set(layout_id, found)
    return found


# --- Availability ----------------------------------------------------------------------------
def availability_key(performance_id: int) -> str:
    """The cache key of a performance's availability (the cache adds the venue's schema)."""
    return f"ticketing:availability:{performance_id}"


def availability_file_key(performance_id: int) -> str:
    """The cache key of the storefront's availability file (the JSON as sent)."""
    return f"ticketing:availability-file:{performance_id}"


def availability_keys(performance_id: int) -> list[str]:
    """Every cache entry that says what is free in this performance (dropped together)."""
    return [availability_key(performance_id), availability_file_key(performance_id)]


def _ranges(ids: list[int]) -> list[list[int]]:
    """Sorted ids as [first, last] ranges: a hall's seat ids run on, so a free block of 400
    seats is one pair."""
    ranges: list[list[int]] = []
    for seat_id in ids:
        if ranges and seat_id == ranges[-1][1] + 1:
            ranges[-1][1] = seat_id
        else:
            ranges.append([seat_id, seat_id])
    return ranges


def compute_availability(performance_id: int) -> dict:
    """What the public may take now (two queries): free seats per price category as id ranges
    (a seat in an expired cart is free; a seat set aside in an allocation is not) and the
    standing places left per performance zone."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT category_id, array_agg(seat_id ORDER BY seat_id) "  # noqa: S608
            "FROM ticketing_performanceseat ps WHERE ps.performance_id = %s AND "
            f"{PerformanceSeat.takeable_sql('ps')} AND ps.allocation_id IS NULL "
            "GROUP BY category_id",
            [performance_id, timezone.now()],
        )
        seats = cursor.fetchall()
        cursor.execute(
            "SELECT id, category_id, greatest(capacity - held - sold, 0) "
            "FROM ticketing_performancezone WHERE performance_id = %s ORDER BY id",
            [performance_id],
        )
        zones = cursor.fetchall()
    return {
        "performance": performance_id,
        "free": {str(category): _ranges(ids) for category, ids in seats},
        "counts": {str(category): len(ids) for category, ids in seats},
        "zones": {str(zone): {"category": cat, "free": free} for zone, cat, free in zones},
    }


def public_availability(performance_id: int) -> dict:
    """compute_availability, shared by every visitor for AVAILABILITY_TTL_S at most."""
    key = availability_key(performance_id)
    try:
        found = cache.get(key)
    except Exception:  # the cache is an optimisation: without Redis, read the database
        found = None
    if found is None:
        found = compute_availability(performance_id)
        with contextlib.suppress(Exception):  # same: the answer stands without the cache
            cache.set(key, found, AVAILABILITY_TTL_S)
    return found


def free_seat_ids(availability: dict) -> set[int]:
    """Every free seat id of an availability payload."""
    return {
        seat_id
        for ranges in availability["free"].values()
        for first, last in ranges
        for seat_id in range(first, last + 1)
    }
