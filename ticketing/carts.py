"""The one cart parser: what the input of a sale means, whatever the channel.

The API's serializers, the counter's sale form and the storefront's checkout each turn their
own input (JSON, posted fields) into one plain mapping and call `parse_cart`, which answers
the cart spec the services take (a HoldRequest, a TariffChoice, the prices already read) or
raises `CartError` with a stable code and the offending field. Same bad input, same code, on
every channel; the services then decide what only the database can (is this seat free? is
this seat in this hall?).

The mapping (every key optional; ids and quantities as ints or strings of digits):

    performance    performance id (or `performance=` when the caller has it)
    hold           a cart's token: its places are known, only tariffs may be given
    seats          [seat id, …]
    best_available number of seats to choose, in `category` (a price category id) if given
    wheelchair     how many of those are wheelchair spaces
    needs          [need code, …] (ticketing.bestseat.NEEDS): best available looks among the
                   seats that fit them first
    zones          {performance zone id: number of standing places}
    tariff         tariff code of every place without its own
    seat_tariffs   {seat id: tariff code}
    zone_tariffs   {performance zone id: {tariff code: number of places}}; with places (not a
                   hold), a zone's numbers add up to its places in `zones`
    extras         {extra id: quantity}: drinks, parking, programme book… sold with the
                   tickets (with a hold too: they are chosen with the tariffs)

Error codes (`ticketing.cart.*`): bad_performance, unknown_performance, bad_seat,
duplicate_seat, bad_category, bad_needs, bad_zone, bad_quantity, bad_tariff, unknown_tariff,
tariff_not_offered, empty, too_many_places, zone_split_mismatch, hold_and_places, bad_extra
(and unknown_extra, from ticketing.selectors.extras).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import gettext as _

from ticketing import bestseat
from ticketing.errors import InvalidRequest
from ticketing.models import Performance, PerformanceZone, Price, Tariff
from ticketing.selectors.prices import sale_prices
from ticketing.specs import MAX_PER_HOLD, HoldRequest, TariffChoice

MAX_ID = 2**31 - 1  # ids are PostgreSQL integers
CODE_MAX_LENGTH = Tariff._meta.get_field("code").max_length
ECHO = 40  # characters of the input an error message may repeat
PLACE_KEYS = ("seats", "best_available", "category", "wheelchair", "zones", "needs")
TARIFF_KEYS = ("tariff", "seat_tariffs", "zone_tariffs")
_DIGITS = re.compile(r"[0-9]{1,12}")
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")

PriceTable = Mapping[tuple[int, int], Price]  # (category id, tariff id) → Price


class CartError(InvalidRequest):
    """Cart input that means nothing, or too much: `code` (ticketing.cart.*), the offending
    `field` of the mapping and, within it, the seat or zone id (`key`) when there is one."""

    def __init__(self, code: str, message, *, field: str, key: int | None = None):
        super().__init__(message, code=f"ticketing.cart.{code}", field=field)
        self.key = key


@dataclass(frozen=True)
class CartSpec:
    """What the services take. `request` is None with a hold (the cart knows its places),
    `tariffs` None when no tariff was asked (a hold being made). `prices`: the prices of
    these tariffs at the performance, when read here (orders.sell need not read them)."""

    performance: Performance | None
    request: HoldRequest | None
    tariffs: TariffChoice | None = None
    hold: uuid.UUID | None = None
    prices: dict[tuple[int, int], Price] | None = None
    extras: dict[int, int] = field(default_factory=dict)  # extra id → quantity


def shown(value: Any) -> str:
    """The input as an error message may repeat it: never more than ECHO characters."""
    text = str(value)
    return text if len(text) <= ECHO else f"{text[: ECHO - 1]}…"


def parse_cart(
    data: Mapping[str, Any],
    *,
    performance: Performance | None = None,
    prices: PriceTable | None = None,
) -> CartSpec:
    """The cart spec of `data` (see the module's docstring), or CartError.

    `performance`: the performance when the caller has it (the counter, the storefront);
    else `data["performance"]`. `prices`: the performance's price table when the caller has
    it (then tariffs are looked up there, without a query). Otherwise at most one query:
    the prices of the tariffs asked for, with their performance (the hot path of an on-sale
    rush), or the performance alone when no tariff is asked, or the tariffs of a hold."""
    extras = _extras(data)
    spec = _parse(data, performance, prices)
    return replace(spec, extras=extras) if extras else spec


def _parse(data: Mapping[str, Any], performance: Performance | None, prices) -> CartSpec:
    hold = data.get("hold")
    if hold:
        return _hold_cart(data, hold, performance)
    performance_id = _performance_id(data) if performance is None else performance.pk
    request = _places(data)
    if "tariff" not in data:
        return CartSpec(performance or _performance(performance_id), request)
    wanted = _Tariffs.parse(data)
    _check_zone_splits(wanted, request)
    if prices is not None:
        ids = {p.tariff.code: p.tariff_id for p in prices.values()}
        _check_offered(wanted, ids, performance_id)
        return CartSpec(performance, request, wanted.choice(ids))
    found = sale_prices(performance_id=performance_id, codes=wanted.codes)
    ids = {p.tariff.code: p.tariff_id for p in found}
    if not found or set(ids) != wanted.codes:
        performance = performance or _performance(performance_id)
        _check_offered(wanted, ids, performance_id)
    by_key = {(p.category_id, p.tariff_id): p for p in found}
    return CartSpec(
        performance or found[0].category.performance, request, wanted.choice(ids), prices=by_key
    )


# --- Values ---------------------------------------------------------------------------------
def whole_number(value: Any) -> int | None:
    """An int, or a string of ASCII digits: how the parser reads an id or a quantity (forms
    that add typed numbers up use it too); None for anything else (bools included)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        return int(value.strip())
    return None


def _id(value: Any, *, code: str, field: str, message) -> int:
    number = whole_number(value)
    if number is None or not 1 <= number <= MAX_ID:
        raise CartError(code, message % {"value": shown(value)}, field=field)
    return number


def _seat_id(value: Any, field: str = "seats") -> int:
    return _id(value, code="bad_seat", field=field, message=_("“%(value)s” is not a seat id."))


def _zone_id(value: Any, field: str = "zones") -> int:
    return _id(value, code="bad_zone", field=field, message=_("“%(value)s” is not a zone id."))


def _count(value: Any, *, field: str, key: int | None = None) -> int:
    """A number of places: a whole number, 0 or more (blank: 0)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    number = whole_number(value)
    if number is None or number < 0:
        raise CartError(
            "bad_quantity", _("Quantities are whole numbers, 0 or more."), field=field, key=key
        )
    if number > MAX_PER_HOLD:
        raise _too_many(field)
    return number


def _code(value: Any, *, field: str) -> str:
    if (
        not isinstance(value, str)
        or len(value) > CODE_MAX_LENGTH
        or not _SLUG.fullmatch(value)  # (a NUL byte or a space is no slug)
    ):
        raise CartError(
            "bad_tariff",
            _("“%(value)s” is not a tariff code.") % {"value": shown(value)},
            field=field,
        )
    return value


def _mapping(value: Any, *, code: str, field: str) -> Mapping:
    if value is None or value == "":
        return {}
    if not isinstance(value, Mapping):
        raise CartError(
            code, _("%(field)s: an object is expected.") % {"field": field}, field=field
        )
    if len(value) > MAX_PER_HOLD:
        raise _too_many(field)
    return value


def _too_many(field: str) -> CartError:
    return CartError(
        "too_many_places",
        _("At most %(n)s places per order.") % {"n": MAX_PER_HOLD},
        field=field,
    )


# --- Places ---------------------------------------------------------------------------------
def _performance_id(data: Mapping) -> int:
    value = data.get("performance")
    if value is None or value == "":
        message = _("Give a hold or a performance.") if "hold" in data else _("Give a performance.")
        raise CartError("bad_performance", message, field="performance")
    return _id(
        value,
        code="bad_performance",
        field="performance",
        message=_("“%(value)s” is not a performance id."),
    )


def _performance(pk: int) -> Performance:
    found = Performance.objects.select_related("layout", "show").filter(pk=pk).first()
    if found is None:
        raise CartError(
            "unknown_performance",
            _("No performance %(id)s here.") % {"id": pk},
            field="performance",
        )
    return found


def _places(data: Mapping) -> HoldRequest:
    raw_seats = data.get("seats") or []
    if not isinstance(raw_seats, list | tuple):
        raise CartError("bad_seat", _("Seats are a list of seat ids."), field="seats")
    if len(raw_seats) > MAX_PER_HOLD:
        raise _too_many("seats")
    seats = [_seat_id(value) for value in raw_seats]
    if len(set(seats)) != len(seats):
        raise CartError("duplicate_seat", _("The same seat is asked twice."), field="seats")
    category = data.get("category")
    zones = {}
    for key, value in _mapping(data.get("zones"), code="bad_zone", field="zones").items():
        zone_id = _zone_id(key)
        quantity = _count(value, field="zones", key=zone_id)
        if quantity:
            zones[zone_id] = quantity
    request = HoldRequest(
        seat_ids=seats,
        zones=zones,
        best_available=_count(data.get("best_available"), field="best_available"),
        category_id=(
            None
            if category is None or category == ""
            else _id(
                category,
                code="bad_category",
                field="category",
                message=_("“%(value)s” is not a category id."),
            )
        ),
        wheelchair=_count(data.get("wheelchair"), field="wheelchair"),
        needs=_needs(data.get("needs")),
    )
    if not request.places:
        raise CartError("empty", _("Choose at least one seat or place."), field="seats")
    if request.places > MAX_PER_HOLD:
        raise _too_many("seats")
    return request


def _extras(data: Mapping) -> dict[int, int]:
    extras = {}
    for key, value in _mapping(data.get("extras"), code="bad_extra", field="extras").items():
        extra_id = _id(
            key, code="bad_extra", field="extras", message=_("“%(value)s” is not an extra id.")
        )
        quantity = _count(value, field="extras", key=extra_id)
        if quantity:
            extras[extra_id] = quantity
    return extras


def _needs(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if not isinstance(value, list | tuple) or len(value) > len(bestseat.NEEDS):
        raise CartError("bad_needs", _("Needs are a list of codes."), field="needs")
    known = bestseat.clean_needs(value)
    if len(known) != len(set(map(str, value))):
        raise CartError(
            "bad_needs",
            _("Unknown need: choose among %(codes)s.") % {"codes": ", ".join(bestseat.NEEDS)},
            field="needs",
        )
    return known


def _hold_cart(data: Mapping, hold: Any, performance: Performance | None) -> CartSpec:
    """A cart's tariffs: its places are the cart's, so none may be given again."""
    given = [key for key in PLACE_KEYS if data.get(key) not in (None, "", [], {}, 0)]
    if performance is not None or data.get("performance") not in (None, ""):
        given.insert(0, "performance")
    if given:
        raise CartError(
            "hold_and_places",
            _("A hold already has its performance and places: send only its tariffs."),
            field=given[0],
        )
    try:
        token = hold if isinstance(hold, uuid.UUID) else uuid.UUID(str(hold))
    except ValueError:
        raise CartError("bad_hold", _("This is not a hold token."), field="hold") from None
    if "tariff" not in data:
        return CartSpec(None, None, hold=token)
    wanted = _Tariffs.parse(data)
    found = dict(
        Tariff.objects.filter(code__in=wanted.codes, is_active=True).values_list("code", "pk")
    )
    wanted.check_known(found)
    return CartSpec(None, None, wanted.choice(found), hold=token)


# --- Tariffs --------------------------------------------------------------------------------
@dataclass
class _Tariffs:
    """The tariff codes asked for, checked for their form but not yet looked up."""

    default: str
    seats: dict[int, str]
    zones: dict[int, dict[str, int]]

    @classmethod
    def parse(cls, data: Mapping) -> _Tariffs:
        seats = {
            _seat_id(key, "seat_tariffs"): _code(value, field="seat_tariffs")
            for key, value in _mapping(
                data.get("seat_tariffs"), code="bad_seat", field="seat_tariffs"
            ).items()
        }
        zones: dict[int, dict[str, int]] = {}
        for key, split in _mapping(
            data.get("zone_tariffs"), code="bad_zone", field="zone_tariffs"
        ).items():
            zone_id = _zone_id(key, "zone_tariffs")
            counts = {}
            for code, value in _mapping(split, code="bad_zone", field="zone_tariffs").items():
                code = _code(code, field="zone_tariffs")
                n = _count(value, field="zone_tariffs", key=zone_id)
                if n:
                    counts[code] = n
            zones[zone_id] = counts  # (an empty split still has to add up)
        return cls(_code(data.get("tariff"), field="tariff"), seats, zones)

    @property
    def codes(self) -> set[str]:
        return {
            self.default,
            *self.seats.values(),
            *(code for split in self.zones.values() for code in split),
        }

    def field_of(self, code: str) -> str:
        if code == self.default:
            return "tariff"
        return "seat_tariffs" if code in self.seats.values() else "zone_tariffs"

    def check_known(self, ids: Mapping[str, int]) -> None:
        missing = sorted(self.codes - set(ids))
        if missing:
            raise CartError(
                "unknown_tariff",
                _("Unknown tariff “%(code)s”.") % {"code": shown(missing[0])},
                field=self.field_of(missing[0]),
            )

    def choice(self, ids: Mapping[str, int]) -> TariffChoice:
        return TariffChoice(
            default=ids[self.default],
            seats={seat: ids[code] for seat, code in self.seats.items()},
            zones={
                zone: {ids[code]: n for code, n in split.items()}
                for zone, split in self.zones.items()
            },
        )


def _check_offered(wanted: _Tariffs, offered: Mapping[str, int], performance_id: int) -> None:
    """Every code asked for has a price at this performance: else say whether the tariff
    does not exist (or is no longer sold) or is not offered here."""
    missing = sorted(wanted.codes - set(offered))
    if not missing:
        return
    known = set(
        Tariff.objects.filter(code__in=missing, is_active=True).values_list("code", flat=True)
    )
    wanted.check_known({code: 0 for code in [*offered, *known]})
    raise CartError(
        "tariff_not_offered",
        _("The tariff “%(code)s” is not offered for this performance.")
        % {"code": shown(missing[0])},
        field=wanted.field_of(missing[0]),
    )


def _check_zone_splits(wanted: _Tariffs, request: HoldRequest) -> None:
    """Each split names a zone of the cart, and its numbers add up to that zone's places."""
    for zone_id, split in wanted.zones.items():
        asked = request.zones.get(zone_id)
        if asked is None:
            raise CartError(
                "bad_zone",
                _("No standing places are asked in zone %(zone)s.") % {"zone": zone_id},
                field="zone_tariffs",
                key=zone_id,
            )
        if sum(split.values()) != asked:
            raise CartError(
                "zone_split_mismatch",
                _("%(zone)s: %(n)s places split between tariffs, for %(q)s places.")
                % {"zone": _zone_name(zone_id), "n": sum(split.values()), "q": asked},
                field="zone_tariffs",
                key=zone_id,
            )


def _zone_name(zone_id: int) -> str:
    """For an error message (read only then)."""
    zone = PerformanceZone.objects.select_related("zone").filter(pk=zone_id).first()
    return zone.zone.name if zone else _("Zone %(id)s") % {"id": zone_id}
