"""Reads for the integrity dashboard: today's figures by criterion, the rate over time, and
the contacts to fix for one criterion."""

from dataclasses import dataclass

from django.db.models import QuerySet

from crm.models import Contact

from .criteria import Criterion, counted_contacts, criteria
from .models import IntegritySnapshot


@dataclass
class CriterionFigure:
    criterion: Criterion
    met: int
    total: int

    @property
    def missing(self) -> int:
        return self.total - self.met

    @property
    def rate(self) -> float:
        return 100 * self.met / self.total if self.total else 0.0


def figures_by_criterion(snapshot: IntegritySnapshot) -> list[CriterionFigure]:
    return [
        CriterionFigure(item, snapshot.by_criterion.get(item.code, 0), snapshot.contacts)
        for item in criteria()
        if item.code in snapshot.by_criterion
    ]


def rate_over_time(limit: int = 400) -> list[IntegritySnapshot]:
    return list(IntegritySnapshot.objects.order_by("-day")[:limit])[::-1]


def criterion_by_code(code: str) -> Criterion | None:
    return next((item for item in criteria() if item.code == code), None)


def contacts_failing(criterion: Criterion) -> QuerySet[Contact]:
    """The contacts to fix for one criterion, those seen most recently first."""
    return (
        counted_contacts()
        .exclude(criterion.met)
        .only("pk", "first_name", "last_name", "email", "phone", "postcode", "city", "updated_at")
        .order_by("-updated_at", "-pk")
    )


def chart_points(snapshots: list[IntegritySnapshot], *, width: int = 640, height: int = 200):
    """SVG polyline points and axis labels for the rate over time (0–100 % on the y axis)."""
    if not snapshots:
        return {"points": "", "dots": [], "width": width, "height": height}
    pad = 32
    span = max(len(snapshots) - 1, 1)
    dots = []
    for i, snapshot in enumerate(snapshots):
        x = pad + (width - 2 * pad) * (i / span if len(snapshots) > 1 else 0.5)
        y = pad / 2 + (height - pad) * (1 - snapshot.rate / 100)
        dots.append({"x": round(x, 1), "y": round(y, 1), "snapshot": snapshot})
    return {
        "points": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "dots": dots,
        "width": width,
        "height": height,
        "grid": [
            {"y": round(pad / 2 + (height - pad) * (1 - v / 100), 1), "label": v}
            for v in (0, 25, 50, 75, 100)
        ],
    }
