"""Reads on segments: the contacts of a definition (one query), their count and a sample."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from ..models import Contact, Segment
from .definition import segment_queryset

SAMPLE_SIZE = 10
MEMBER_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "postcode",
    "department",
    "contact_types",
    "last_attended_at",
    "last_purchase_at",
)


def segments() -> QuerySet[Segment]:
    return Segment.objects.select_related("created_by").order_by("name", "id")


def segment_members(definition: dict, *, now: datetime | None = None) -> QuerySet[Contact]:
    """The contacts of a definition now, in a stable order (for pages and exports)."""
    return segment_queryset(definition, now=now).order_by("id")


def segment_count(definition: dict, *, now: datetime | None = None) -> int:
    return segment_queryset(definition, now=now).count()


def segment_sample(definition: dict, *, size: int = SAMPLE_SIZE) -> list[Contact]:
    """A few members to show while editing (the most recently seen ones first)."""
    return list(segment_queryset(definition).only(*MEMBER_FIELDS).order_by("-id")[:size])
