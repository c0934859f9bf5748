"""Segment definitions: a versioned JSON tree, its validation and its compilation to ONE query.

    {"version": 1, "op": "and", "rules": [
        {"type": "consent", "channel": "email", "state": "granted"},
        {"op": "or", "rules": [
            {"type": "department", "values": ["75", "92"]},
            {"type": "postcode", "prefixes": ["93"]}]},
        {"op": "not", "rules": [{"type": "purchases", "show_id": 12}]}]}

A node is a group (`op` "and", "or" or "not" — "not" negates the AND of its rules — with a
non-empty `rules` list) or a condition (`type` from CONDITIONS, with that type's parameters,
nothing else). docs/segments.md lists every condition with its meaning.

Compiled with the ORM (Q, Exists, `pk__in` sub-queries), so the whole tree is one SQL query on
the contact table; "now" is fixed when the tree is compiled. Merged and anonymised contacts are
always excluded. Counts without a period read the behaviour columns kept current by the
`crm.services.record_*` calls (contact totals, per-genre stats); counts over a period read the
typed timeline (`TimelineEvent` code, occurred_at, show/performance/campaign ids, genre).

The package, by sub-domain: `schema` (version, limits, conditions and their parameters),
`validation`, and the compiler (`compiler`) built from one mixin per family of conditions:
`contact_fields`, `activity` (purchases, attendance, seasons, lapsed), `signals` (email
engagement, clicked/viewed but did not buy, first-timers booked).
"""

from .activity import quarter_start
from .compiler import active_contacts, compile_definition, segment_queryset
from .schema import CONDITIONS, GROUP_OPS, VERSION
from .validation import SegmentDefinitionInvalid, validate_definition, walk

__all__ = [
    "CONDITIONS",
    "GROUP_OPS",
    "VERSION",
    "SegmentDefinitionInvalid",
    "active_contacts",
    "compile_definition",
    "quarter_start",
    "segment_queryset",
    "validate_definition",
    "walk",
]
