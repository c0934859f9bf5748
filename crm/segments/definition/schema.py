"""The vocabulary of a segment definition: its version, limits, the conditions with the kind of
each parameter (docs/segments.md says what each one means) and the timeline codes they read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from ...models import AccessibilityNeed, Affinity, ContactType, Language, Source

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
# A condition every contact meets. Not Q(): an empty Q is dropped when combined ("a OR
# everyone" would become "a").
EVERYONE = Q(pk__isnull=False)
