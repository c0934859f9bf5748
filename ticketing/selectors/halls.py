"""Halls and their layouts as the back office shows them: capacities, the layout editor's
seats, and the layouts and zone names the scheduling form offers."""

from __future__ import annotations

from django.db.models import Count, IntegerField, Max, OuterRef, Prefetch, Subquery, Sum
from django.db.models.functions import Coalesce

from ticketing.models import Hall, Layout, Seat, Zone


def layouts_with_capacity():
    """Layouts by name with `seat_count` (unblocked seats) and `zone_capacity` (standing)."""
    seats = (
        Seat.objects.filter(section__layout=OuterRef("pk"), is_blocked=False)
        .values("section__layout")
        .annotate(n=Count("id"))
        .values("n")
    )
    zones = (
        Zone.objects.filter(layout=OuterRef("pk"))
        .values("layout")
        .annotate(n=Sum("capacity"))
        .values("n")
    )
    return Layout.objects.annotate(
        seat_count=Coalesce(Subquery(seats, output_field=IntegerField()), 0),
        zone_capacity=Coalesce(Subquery(zones, output_field=IntegerField()), 0),
    ).order_by("name")


def halls_with_layouts():
    """Halls with their layouts (capacities as layouts_with_capacity) and zones prefetched."""
    return Hall.objects.prefetch_related(
        Prefetch("layouts", queryset=layouts_with_capacity().prefetch_related("zones"))
    )


def layouts_with_hall():
    """Every layout with its hall (one query for a "hall — layout" choice list)."""
    return Layout.objects.select_related("hall")


def layout_seat_map(layout: Layout) -> list[dict]:
    """The layout's seats in the shape the seat map partial expects (as selectors.seat_map)."""
    return [
        {
            "id": s.pk,
            "label": s.label,
            "row": s.row,
            "number": s.number,
            "x": s.x,
            "y": s.y,
            "rank": s.rank,
            "section": s.section.name,
            "category": None,
            "status": "unavailable" if s.is_blocked else "available",
            "wheelchair": s.wheelchair,
            "companion": s.companion,
            "restricted_view": s.restricted_view,
            "hearing_loop": s.hearing_loop,
            "step_free": s.step_free,
            "allocation": None,
        }
        for s in Seat.objects.filter(section__layout=layout).select_related("section")
    ]


def rearmost_seat_y(layout: Layout) -> float | None:
    """The largest y of the layout's seats (its back row), None while it has no seats."""
    return Seat.objects.filter(section__layout=layout).aggregate(y=Max("y"))["y"]


def zone_names() -> list[str]:
    """Every general-admission zone name used in any layout, once each, sorted."""
    return sorted(set(Zone.objects.values_list("name", flat=True)))
