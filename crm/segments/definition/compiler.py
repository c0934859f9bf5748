"""A validated tree → one Q on the contact table (Exists and `pk__in` sub-queries), so the
whole segment is one SQL query; "now" is fixed when the tree is compiled."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from ...models import Contact
from .activity import ActivityConditions
from .contact_fields import ContactFieldConditions
from .signals import SignalConditions
from .validation import validate_definition


def active_contacts() -> QuerySet[Contact]:
    """Contacts a segment may contain: never the merged or the anonymised ones."""
    return Contact.objects.filter(merged_into__isnull=True, anonymised_at__isnull=True)


def segment_queryset(definition: dict, *, now: datetime | None = None) -> QuerySet[Contact]:
    """The contacts of a definition, as one query (validated first: SegmentDefinitionInvalid
    on a bad tree)."""
    tree = validate_definition(definition)
    return active_contacts().filter(compile_definition(tree, now=now or timezone.now()))


def compile_definition(tree: dict, *, now: datetime) -> Q:
    return Compiler(now).group(tree)


class Compiler(ContactFieldConditions, ActivityConditions, SignalConditions):
    """`c_<type>` of each family compiles a condition of that type."""

    def node(self, node: dict) -> Q:
        return getattr(self, f"c_{node['type']}")(node) if "type" in node else self.group(node)

    def group(self, node: dict) -> Q:
        parts = [self.node(child) for child in node["rules"]]
        combined = parts[0]
        for part in parts[1:]:
            combined = combined | part if node["op"] == "or" else combined & part
        return ~combined if node["op"] == "not" else combined
