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
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.errors import ValidationFailed

from ..models import (
    AccessibilityNeed,
    Affinity,
    Contact,
    ContactType,
    GenreStats,
    Language,
    QuarterStats,
    SeasonStats,
    Source,
    TimelineEvent,
)

VERSION = 1
MAX_DEPTH = 6
MAX_NODES = 60
MAX_LIST = 200
MAX_DAYS = 36_500
MAX_INT = 2**53  # what JSON clients keep exactly; ids and cents stay far below

# Timeline codes the conditions read.
PURCHASE = "ticketing.purchase"
ATTENDANCE = "ticketing.attendance"
EMAIL_EVENTS = {"opened": "campaigns.email.opened", "clicked": "campaigns.email.clicked"}
SHOW_VIEWED = "storefront.show.viewed"

NUMBER_FIELDS = (
    "purchase_count",
    "tickets_bought",
    "amount_spent_cents",
    "attendance_count",
    "refund_count",
    "referred_buyers",
    "unused_credit_cents",
    "rfm_recency",
    "rfm_frequency",
    "rfm_monetary",
)
DATE_FIELDS = (
    "first_purchase_at",
    "last_purchase_at",
    "first_attended_at",
    "last_attended_at",
    "first_seen_at",
)
DATE_OPS = ("within_days", "not_within_days", "never", "ever")
HAS_FIELDS = ("email", "phone", "postcode", "address")
CONSENT_CHANNELS = {"email": "email_consent", "sms": "sms_consent"}
CONSENT_STATES = ("granted", "refused", "unknown")
MATCH = ("any", "all")
_DEPARTMENT = re.compile(r"^(\d{2}|2A|2B|9[78]\d)$")
_POSTCODE_PREFIX = re.compile(r"^[0-9A-Za-z]{1,10}$")
_SEASON = re.compile(r"^\d{4}-\d{4}$")
_CODE = re.compile(r"^[a-z0-9_.-]{1,40}$")


# --- Parameter kinds ----------------------------------------------------------------------
@dataclass(frozen=True)
class Param:
    kind: str  # int | float | str | strs | enum | bool
    required: bool = False
    default: Any = None
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    pattern: re.Pattern | None = None
    max_length: int = 60


def _int(required=False, default=None, low=0, high=MAX_INT) -> Param:
    return Param("int", required, default, low, high)


def _days(required=False, default=None) -> Param:
    return Param("int", required, default, 1, MAX_DAYS)


def _id(required=False) -> Param:
    return Param("int", required, None, 1, MAX_INT)


def _strs(choices=None, pattern=None, max_length=60) -> Param:
    return Param("strs", True, None, choices=choices, pattern=pattern, max_length=max_length)


def _enum(choices, required=True, default=None) -> Param:
    return Param("enum", required, default, choices=tuple(choices))


_GENRE = Param("str", pattern=_CODE, max_length=40)

CONDITIONS: dict[str, dict[str, Param]] = {
    "contact_type": {"values": _strs(ContactType.values), "match": _enum(MATCH, False, "any")},
    "department": {"values": _strs(pattern=_DEPARTMENT, max_length=3)},
    "postcode": {"prefixes": _strs(pattern=_POSTCODE_PREFIX, max_length=10)},
    "language": {"values": _strs(Language.values)},
    "source": {"values": _strs(Source.values)},
    "accessibility": {
        "values": _strs(AccessibilityNeed.values),
        "match": _enum(MATCH, False, "any"),
    },
    "tag": {"values": _strs(max_length=50), "match": _enum(MATCH, False, "any")},
    "criterion": {
        "values": _strs(pattern=_CODE, max_length=40),
        "match": _enum(MATCH, False, "any"),
    },
    "has": {"field": _enum(HAS_FIELDS), "value": Param("bool", default=True)},
    "consent": {"channel": _enum(CONSENT_CHANNELS), "state": _enum(CONSENT_STATES)},
    "number": {"field": _enum(NUMBER_FIELDS), "min": _int(), "max": _int()},
    "date": {"field": _enum(DATE_FIELDS), "when": _enum(DATE_OPS), "days": _days()},
    "affinity": {
        "kind": _enum(Affinity.Kind.values),
        "keys": _strs(max_length=60),
        "min_weight": Param("float", default=0.0, low=0, high=1_000_000),
    },
    "purchases": {
        "show_id": _id(),
        "performance_id": _id(),
        "genre": _GENRE,
        "channel": Param("str", pattern=_CODE, max_length=40),
        "within_days": _days(),
        "min_count": _int(default=1),
        "max_count": _int(),
        "min_amount_cents": _int(),
    },
    "attendance": {
        "show_id": _id(),
        "performance_id": _id(),
        "genre": _GENRE,
        "within_days": _days(),
        "min_count": _int(default=1),
        "max_count": _int(),
    },
    "season": {
        "season": Param("str", required=True, pattern=_SEASON, max_length=9),
        "min_purchases": _int(),
        "min_attendances": _int(),
        "min_spend_cents": _int(),
    },
    "email_engagement": {
        "event": _enum(EMAIL_EVENTS),
        "campaign_id": _id(),
        "within_days": _days(required=True),
        "min_count": _int(default=1, low=1),
    },
    "clicked_not_bought": {
        "campaign_id": _id(),
        "within_days": _days(default=30),
        "buy_within_days": _days(default=7),
    },
    "viewed_not_bought": {"show_id": _id(required=True), "within_days": _days()},
    "first_timer_booked": {"performance_id": _id(required=True)},
    "lapsed": {
        "min_per_quarter": _int(default=2, low=1, high=1000),
        "years": _int(default=3, low=1, high=10),
        "max_recent": _int(default=1, high=1000),
    },
}
GROUP_OPS = ("and", "or", "not")


# --- Validation ---------------------------------------------------------------------------
class SegmentDefinitionInvalid(ValidationFailed):
    """`code` says what is wrong (segments.*), `field` the path of the bad node
    ("rules.1.rules.0.days")."""


def _fail(code: str, path: str, message: str) -> None:
    raise SegmentDefinitionInvalid(message, code=f"segments.{code}", field=path or "definition")


def _join(path: str, key: str | int) -> str:
    return f"{path}.{key}" if path else str(key)


def validate_definition(definition: Any) -> dict:
    """The definition, normalised (defaults filled in, lists de-duplicated), or
    SegmentDefinitionInvalid for the first problem found."""
    if not isinstance(definition, dict):
        _fail("not_an_object", "", _("A segment definition must be a JSON object."))
    version = definition.get("version")
    if version != VERSION:
        _fail(
            "unknown_version",
            "version",
            _("Unknown definition version (expected %(v)s).") % {"v": VERSION},
        )
    counter = {"nodes": 0}
    root = {k: v for k, v in definition.items() if k != "version"}
    if "type" in root:
        _fail("root_not_group", "", _("The top of a definition must be a group (and/or/not)."))
    group = _validate_node(root, "", 1, counter)
    return {"version": VERSION, **group}


def _validate_node(node: Any, path: str, depth: int, counter: dict) -> dict:
    if not isinstance(node, dict):
        _fail("not_an_object", path, _("Each rule must be a JSON object."))
    counter["nodes"] += 1
    if counter["nodes"] > MAX_NODES:
        _fail("too_many_rules", path, _("At most %(n)s rules in a segment.") % {"n": MAX_NODES})
    if "type" in node:
        return _validate_condition(node, path)
    if "op" in node:
        return _validate_group(node, path, depth, counter)
    _fail("missing_op_or_type", path, _("A rule needs an “op” (group) or a “type” (condition)."))


def _validate_group(node: dict, path: str, depth: int, counter: dict) -> dict:
    if depth > MAX_DEPTH:
        _fail("too_deep", path, _("Groups nest %(n)s levels deep at most.") % {"n": MAX_DEPTH})
    extra = set(node) - {"op", "rules"}
    if extra:
        _fail("unknown_key", _join(path, sorted(extra)[0]), _("Unknown key in a group."))
    op = node["op"]
    if op not in GROUP_OPS:
        _fail("unknown_op", _join(path, "op"), _("A group's op is “and”, “or” or “not”."))
    rules = node.get("rules")
    if not isinstance(rules, list) or not rules:
        _fail("empty_group", _join(path, "rules"), _("A group needs at least one rule."))
    children = [
        _validate_node(child, _join(_join(path, "rules"), i), depth + 1, counter)
        for i, child in enumerate(rules)
    ]
    return {"op": op, "rules": children}


def _validate_condition(node: dict, path: str) -> dict:
    kind = node["type"]
    if not isinstance(kind, str) or kind not in CONDITIONS:
        _fail("unknown_type", _join(path, "type"), _("Unknown condition type."))
    spec = CONDITIONS[kind]
    extra = set(node) - set(spec) - {"type"}
    if extra:
        name = sorted(extra)[0]
        _fail("unknown_key", _join(path, name), _("Unknown parameter for this condition."))
    clean: dict[str, Any] = {"type": kind}
    for name, param in spec.items():
        value = node.get(name)
        where = _join(path, name)
        if value is None:
            if param.required:
                _fail("missing", where, _("This parameter is required."))
            if param.default is not None:
                clean[name] = param.default
            continue
        clean[name] = _clean_value(param, value, where)
    _check_condition(clean, path)
    return clean


def _clean_value(param: Param, value: Any, where: str) -> Any:
    if param.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            _fail("not_an_integer", where, _("A whole number is expected."))
        if not param.low <= value <= param.high:
            _fail(
                "out_of_range",
                where,
                _("Between %(low)s and %(high)s.") % {"low": param.low, "high": int(param.high)},
            )
        return value
    if param.kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            _fail("not_a_number", where, _("A number is expected."))
        if not param.low <= value <= param.high:
            _fail("out_of_range", where, _("This number is out of range."))
        return float(value)
    if param.kind == "bool":
        if not isinstance(value, bool):
            _fail("not_a_boolean", where, _("true or false is expected."))
        return value
    if param.kind == "enum":
        if value not in param.choices:
            _fail(
                "unknown_choice",
                where,
                _("Expected one of: %(choices)s.") % {"choices": ", ".join(param.choices)},
            )
        return value
    if param.kind == "str":
        return _clean_str(param, value, where)
    # strs
    if not isinstance(value, list) or not value:
        _fail("empty_list", where, _("A non-empty list is expected."))
    if len(value) > MAX_LIST:
        _fail("list_too_long", where, _("At most %(n)s values.") % {"n": MAX_LIST})
    cleaned = [_clean_str(param, item, _join(where, i)) for i, item in enumerate(value)]
    return list(dict.fromkeys(cleaned))


def _clean_str(param: Param, value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        _fail("not_a_string", where, _("A non-empty text is expected."))
    value = value.strip()
    if len(value) > param.max_length:
        _fail("too_long", where, _("At most %(n)s characters.") % {"n": param.max_length})
    if param.choices is not None and value not in param.choices:
        _fail(
            "unknown_choice",
            where,
            _("Expected one of: %(choices)s.") % {"choices": ", ".join(param.choices)},
        )
    if param.pattern is not None and not param.pattern.match(value):
        _fail("bad_format", where, _("This value is not in the expected format."))
    return value


def _check_condition(c: dict, path: str) -> None:
    """Rules between parameters of one condition."""
    kind = c["type"]
    if kind == "number" and c.get("min") is None and c.get("max") is None:
        _fail("missing", _join(path, "min"), _("Give a minimum, a maximum or both."))
    if kind == "date" and c["when"] in ("within_days", "not_within_days") and "days" not in c:
        _fail("missing", _join(path, "days"), _("This parameter is required."))
    for low, high in (("min", "max"), ("min_count", "max_count")):
        if c.get(low) is not None and c.get(high) is not None and c[low] > c[high]:
            _fail("min_above_max", _join(path, high), _("The maximum is below the minimum."))
    thresholds = ("min_purchases", "min_attendances", "min_spend_cents")
    if kind == "season" and not any(k in c for k in thresholds):
        _fail("missing", _join(path, "min_attendances"), _("Give at least one threshold."))


def walk(definition: dict):
    """Every condition of a (validated) tree."""
    for rule in definition.get("rules", []):
        if "type" in rule:
            yield rule
        else:
            yield from walk(rule)


# --- Compilation --------------------------------------------------------------------------
def active_contacts() -> QuerySet[Contact]:
    """Contacts a segment may contain: never the merged or the anonymised ones."""
    return Contact.objects.filter(merged_into__isnull=True, anonymised_at__isnull=True)


def segment_queryset(definition: dict, *, now: datetime | None = None) -> QuerySet[Contact]:
    """The contacts of a definition, as one query (validated first: SegmentDefinitionInvalid
    on a bad tree)."""
    tree = validate_definition(definition)
    return active_contacts().filter(compile_definition(tree, now=now or timezone.now()))


def compile_definition(tree: dict, *, now: datetime) -> Q:
    return _Compiler(now).group(tree)


class _Compiler:
    def __init__(self, now: datetime):
        self.now = now

    def ago(self, days: int) -> datetime:
        return self.now - timedelta(days=days)

    def node(self, node: dict) -> Q:
        return getattr(self, f"c_{node['type']}")(node) if "type" in node else self.group(node)

    def group(self, node: dict) -> Q:
        parts = [self.node(child) for child in node["rules"]]
        combined = parts[0]
        for part in parts[1:]:
            combined = combined | part if node["op"] == "or" else combined & part
        return ~combined if node["op"] == "not" else combined

    # Contact fields -------------------------------------------------------------------
    @staticmethod
    def _array(field: str, values: list[str], match: str) -> Q:
        lookup = "contains" if match == "all" else "overlap"
        return Q(**{f"{field}__{lookup}": values})

    def c_contact_type(self, c):
        return self._array("contact_types", c["values"], c["match"])

    def c_accessibility(self, c):
        return self._array("accessibility_needs", c["values"], c["match"])

    def c_tag(self, c):
        return self._array("tags", c["values"], c["match"])

    def c_criterion(self, c):
        return self._array("criteria", c["values"], c["match"])

    def c_department(self, c):
        return Q(department__in=c["values"])

    def c_postcode(self, c):
        q = Q(postcode__startswith=c["prefixes"][0])
        for prefix in c["prefixes"][1:]:
            q |= Q(postcode__startswith=prefix)
        return q

    def c_language(self, c):
        return Q(language__in=c["values"])

    def c_source(self, c):
        return Q(first_source__in=c["values"])

    def c_has(self, c):
        present = {
            "email": ~Q(email=""),
            "phone": ~Q(phone=""),
            "postcode": ~Q(postcode=""),
            "address": ~Q(address_line1="") & ~Q(postcode="") & ~Q(city=""),
        }[c["field"]]
        return present if c["value"] else ~present

    def c_consent(self, c):
        column = CONSENT_CHANNELS[c["channel"]]
        if c["state"] == "unknown":
            return Q(**{f"{column}__isnull": True})
        return Q(**{column: c["state"] == "granted"})

    def c_number(self, c):
        q = Q()
        if c.get("min") is not None:
            q &= Q(**{f"{c['field']}__gte": c["min"]})
        if c.get("max") is not None:
            q &= Q(**{f"{c['field']}__lte": c["max"]})
        return q

    def c_date(self, c):
        field, op = c["field"], c["when"]
        if op == "never":
            return Q(**{f"{field}__isnull": True})
        if op == "ever":
            return Q(**{f"{field}__isnull": False})
        recent = Q(**{f"{field}__gte": self.ago(c["days"])})
        # "not within": before the window or never (NULL) — "no attendance for 40 days".
        return recent if op == "within_days" else ~recent | Q(**{f"{field}__isnull": True})

    def c_affinity(self, c):
        rows = Affinity.objects.filter(
            contact=OuterRef("pk"), kind=c["kind"], key__in=c["keys"], weight__gte=c["min_weight"]
        )
        return Q(Exists(rows))

    # Behaviour ------------------------------------------------------------------------
    def _counted(self, events: QuerySet, c: dict, amount: bool = False) -> Q:
        """Contacts with between min_count and max_count of `events` (and, for purchases,
        at least min_amount_cents over them)."""
        low, high = c.get("min_count", 1), c.get("max_count")
        min_amount = c.get("min_amount_cents") if amount else None
        if min_amount is None and high is None and low == 0:
            return Q()  # "at least zero": everyone
        if min_amount is None and high is None and low == 1:
            return Q(Exists(events.filter(contact=OuterRef("pk"))))
        grouped = events.values("contact_id").annotate(n=Count("*"))
        if min_amount is not None:
            total = Sum(Cast(KT("data__amount_cents"), BigIntegerField()))
            grouped = grouped.annotate(total=Coalesce(total, 0)).filter(total__gte=min_amount)
        if low > 0 or min_amount is not None:
            having = grouped.filter(n__gte=low)
            if high is not None:
                having = having.filter(n__lte=high)
            return Q(pk__in=having.values("contact_id"))
        # From zero: everyone but those above the maximum.
        return ~Q(pk__in=grouped.filter(n__gt=high).values("contact_id"))

    def _events(self, code: str, c: dict) -> QuerySet:
        events = TimelineEvent.objects.filter(code=code)
        for name in ("show_id", "performance_id", "campaign_id"):
            if c.get(name) is not None:
                events = events.filter(**{name: c[name]})
        if c.get("genre"):
            events = events.filter(genre=c["genre"])
        if c.get("channel"):
            events = events.filter(data__channel=c["channel"])
        if c.get("within_days"):
            events = events.filter(occurred_at__gte=self.ago(c["within_days"]))
        return events

    @staticmethod
    def _counter_range(field: str, c: dict) -> Q:
        q = Q(**{f"{field}__gte": c["min_count"]}) if c.get("min_count") else Q()
        if c.get("max_count") is not None:
            q &= Q(**{f"{field}__lte": c["max_count"]})
        return q

    def _from_counters(self, c: dict, total_field: str, genre_field: str) -> Q | None:
        """Counts over all time read the behaviour counters, not the timeline."""
        if any(c.get(k) is not None for k in ("show_id", "performance_id", "within_days")):
            return None
        if c.get("channel") or c.get("min_amount_cents") is not None:
            return None
        if not c.get("genre"):
            return self._counter_range(total_field, c)
        if not c.get("min_count") and c.get("max_count") is None:
            return Q()
        if not c.get("min_count"):
            stats = GenreStats.objects.filter(genre=c["genre"]).exclude(
                **{f"{genre_field}__lte": c["max_count"]}
            )
            return ~Q(pk__in=stats.values("contact_id"))
        at_least = {f"{genre_field}__gte": c["min_count"]}
        stats = GenreStats.objects.filter(genre=c["genre"], **at_least)
        if c.get("max_count") is not None:
            stats = stats.filter(**{f"{genre_field}__lte": c["max_count"]})
        return Q(pk__in=stats.values("contact_id"))

    def c_purchases(self, c):
        counters = self._from_counters(c, "purchase_count", "purchases")
        if counters is not None:
            return counters
        return self._counted(self._events(PURCHASE, c), c, amount=True)

    def c_attendance(self, c):
        counters = self._from_counters(c, "attendance_count", "attendances")
        if counters is not None:
            return counters
        return self._counted(self._events(ATTENDANCE, c), c)

    def c_season(self, c):
        stats = SeasonStats.objects.filter(season=c["season"])
        for param, column in (
            ("min_purchases", "purchases"),
            ("min_attendances", "attendances"),
            ("min_spend_cents", "spend_cents"),
        ):
            if c.get(param) is not None:
                stats = stats.filter(**{f"{column}__gte": c[param]})
        return Q(pk__in=stats.values("contact_id"))

    def c_email_engagement(self, c):
        return self._counted(self._events(EMAIL_EVENTS[c["event"]], c), c)

    def c_clicked_not_bought(self, c):
        """Clicked (a campaign, or any) in the last `within_days` days, and bought nothing in
        the `buy_within_days` days after that click."""
        bought = TimelineEvent.objects.filter(
            contact=OuterRef("contact_id"),
            code=PURCHASE,
            occurred_at__gte=OuterRef("occurred_at"),
            occurred_at__lt=OuterRef("occurred_at") + timedelta(days=c["buy_within_days"]),
        )
        clicks = self._events(EMAIL_EVENTS["clicked"], c).filter(~Exists(bought))
        return Q(pk__in=clicks.values("contact_id"))

    def c_viewed_not_bought(self, c):
        views = self._events(SHOW_VIEWED, c)
        bought = TimelineEvent.objects.filter(code=PURCHASE, show_id=c["show_id"])
        return Q(pk__in=views.values("contact_id")) & ~Q(pk__in=bought.values("contact_id"))

    def c_first_timer_booked(self, c):
        """Booked this performance and never attended any other one."""
        booked = TimelineEvent.objects.filter(code=PURCHASE, performance_id=c["performance_id"])
        came = TimelineEvent.objects.filter(contact=OuterRef("pk"), code=ATTENDANCE).exclude(
            performance_id=c["performance_id"], performance_id__isnull=False
        )
        return Q(pk__in=booked.values("contact_id")) & ~Q(Exists(came))

    def c_lapsed(self, c):
        """At least `min_per_quarter` attendances in each of the `years`×4 calendar quarters
        before the last four (the current one included), and at most `max_recent` in those
        four."""
        recent_start = quarter_start(self.now, back=3)
        history_start = quarter_start(self.now, back=3 + 4 * c["years"])
        quarters = 4 * c["years"]
        regular = (
            QuarterStats.objects.filter(
                quarter__gte=history_start,
                quarter__lt=recent_start,
                attendances__gte=c["min_per_quarter"],
            )
            .values("contact_id")
            .annotate(n=Count("*"))
            .filter(n=quarters)
        )
        # Correlated: read only for the few regulars, through the (contact, quarter) index.
        busy = (
            QuarterStats.objects.filter(contact=OuterRef("pk"), quarter__gte=recent_start)
            .values("contact_id")
            .annotate(n=Sum("attendances"))
            .filter(n__gt=c["max_recent"])
        )
        return Q(pk__in=regular.values("contact_id")) & ~Q(Exists(busy))


def quarter_start(moment: datetime, *, back: int = 0) -> date:
    """First day of the calendar quarter `back` quarters before the one holding `moment`
    (in the current time zone)."""
    day = timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    index = day.year * 4 + (day.month - 1) // 3 - back
    return date(index // 4, (index % 4) * 3 + 1, 1)


__all__ = [
    "CONDITIONS",
    "SegmentDefinitionInvalid",
    "active_contacts",
    "compile_definition",
    "quarter_start",
    "segment_queryset",
    "validate_definition",
    "walk",
]
