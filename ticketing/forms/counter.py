"""The counter's places: what the seller picked (seats from the map or by label, best
available in a category, standing places and their split between tariffs), kept as typed to
be shown again, the selection buttons (find, add, remove), and the whole as the cart
parser's mapping (ticketing.carts)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ticketing import bestseat, selectors
from ticketing.carts import whole_number
from ticketing.selectors import CategoryInfo, SaleContext
from ticketing.specs import MAX_PER_HOLD


def whole(value, default: int = 0) -> int | None:
    """A posted whole number as the cart parser reads it; `default` when blank."""
    if value is None or not str(value).strip():
        return default
    return whole_number(str(value))


def need_labels() -> dict[str, str]:
    return {
        bestseat.WHEELCHAIR_NEED: _("wheelchair space"),
        bestseat.COMPANION_NEED: _("companion seat"),
        bestseat.HEARING_LOOP_NEED: _("hearing loop"),
        bestseat.REDUCED_MOBILITY_NEED: _("reduced mobility"),
    }


@dataclass
class Problems:
    """Errors to show, by where they show (`seats`, `best`, `labels`, `tariff`, `payments`,
    `__all__`), and their codes (as the API would answer them)."""

    by_key: dict[str, list[str]] = field(default_factory=dict)
    codes: list[str] = field(default_factory=list)

    def add(self, key: str | None, message, code: str = "invalid") -> None:
        self.by_key.setdefault(key or "__all__", []).append(str(message))
        self.codes.append(code)


@dataclass
class SeatLine:
    seat: dict
    category: CategoryInfo | None
    tariff_id: int | None
    is_new: bool = False


class CounterPlaces:
    """The places of a counter sale. Posted fields: `seats` (Seat ids, from the seat map),
    `tariff_<seat id>`, `best_<category id>` (best available, one category per sale),
    `zone_<performance zone id>` (standing places) and `zone_<performance zone id>_<tariff
    id>` (how many of them at that tariff; blank zone quantity: the sum of these); `tariff`
    is the tariff of best-available places and of standing places not split."""

    def __init__(self, data, *, ctx: SaleContext, problems: Problems):
        self.ctx = ctx
        self.data = data
        self.problems = problems
        self.default_tariff_id = ctx.default_tariff_id
        self.lines: list[SeatLine] = []
        self.unknown_seats: list[str] = []  # posted seat values the hall does not have
        # As typed: category id → best-available quantity, zone id → quantity, and
        # zone id → {tariff id → places at that tariff}.
        self.best: dict[int, str] = {}
        self.zones: dict[int, str] = {}
        self.zone_split: dict[int, dict[int, str]] = {}
        self.notices: list[str] = []
        self.focus = 0  # Seat id whose tariff gets the focus after a find/add
        if data is not None:
            self._read_places()

    def add_error(self, key: str | None, message, *, code: str = "invalid") -> None:
        self.problems.add(key, message, code)

    def _read_places(self) -> None:
        data, ctx = self.data, self.ctx
        tariff = whole(data.get("tariff"), ctx.default_tariff_id or 0)
        if tariff in dict(ctx.tariffs):
            self.default_tariff_id = tariff
        for raw in dict.fromkeys(data.getlist("seats")):
            seat_id = whole(raw, -1)
            if seat_id in ctx.seats:
                self._add_line(seat_id, whole(data.get(f"tariff_{seat_id}")) or 0)
            else:
                self.unknown_seats.append(raw)
        for category in ctx.categories:
            typed = data.get(f"best_{category.id}", "").strip()
            if typed and typed != "0":
                self.best[category.id] = typed
            for zone in category.zones:
                typed = data.get(f"zone_{zone.id}", "").strip()
                if typed and typed != "0":
                    self.zones[zone.id] = typed
                split = {
                    p.tariff_id: data.get(f"zone_{zone.id}_{p.tariff_id}", "").strip()
                    for p in category.prices
                }
                split = {t: n for t, n in split.items() if n and n != "0"}
                if split:
                    self.zone_split[zone.id] = split

    def _add_line(self, seat_id: int, tariff_id: int = 0, *, is_new: bool = False) -> None:
        """A seat of the selection, at its tariff; a seat just added (or whose tariff is not
        offered in its category) takes the sale's tariff, else the first one sold online."""
        if any(line.seat["id"] == seat_id for line in self.lines):
            return
        seat = self.ctx.seats[seat_id]
        category = self.ctx.category(seat["category"])
        if category and not category.price(tariff_id):
            tariff_id = self.default_tariff_id or 0
            if not category.price(tariff_id):
                public = [p for p in category.prices if p.public] or category.prices
                tariff_id = public[0].tariff_id if public else 0
        self.lines.append(SeatLine(seat, category, tariff_id or None, is_new))

    def _code(self, tariff_id: int | None) -> str:
        """The code of a tariff priced here (the counter posts ids)."""
        return next((p.tariff.code for (_c, t), p in self.ctx.prices.items() if t == tariff_id), "")

    def cart_input(self) -> dict:
        """What was typed, as the cart parser's mapping: the zones' places not split take
        the sale's tariff, and a blank zone quantity is the sum of its split."""
        category, best = next(iter(self.best.items()), (None, ""))
        default = self._code(self.default_tariff_id)
        zones, splits = {}, {}
        for zone_id in {*self.zones, *self.zone_split}:
            typed = {self._code(t): n for t, n in self.zone_split.get(zone_id, {}).items()}
            counts = [whole(n) for n in typed.values()]
            quantity = self.zones.get(zone_id, "")
            if None not in counts:  # (else the parser says what is wrong)
                total = whole(quantity)
                if total is not None:
                    quantity = total or sum(counts)
                    rest = quantity - sum(counts)
                    if typed and rest > 0:
                        typed[default] = whole(typed.get(default, 0)) + rest
            zones[zone_id] = quantity
            if typed:
                splits[zone_id] = typed
        return {
            "seats": [line.seat["id"] for line in self.lines] + self.unknown_seats,
            "best_available": best,
            "category": category,
            "zones": zones,
            "tariff": default,
            "seat_tariffs": {
                line.seat["id"]: self._code(line.tariff_id) for line in self.lines if line.tariff_id
            },
            "zone_tariffs": splits,
        }

    def check(self) -> None:
        """What the parser cannot know: one best-available category at a time, seats of
        this hall."""
        if len(self.best) > 1:
            self.add_error(
                "best",
                _("Best available works one category at a time: use “Find” for each category."),
            )
        if self.unknown_seats and not any(whole(s) is None for s in self.unknown_seats):
            self.add_error(
                "seats", _("Unknown seat: reload the page."), code="ticketing.cart.bad_seat"
            )

    # Selection actions (no sale): find best seats, add seats by label, remove one
    def apply_action(self, data) -> None:
        """What a places button asked for (`find`, `labels` + `add`, `remove`)."""
        if data.get("find"):
            self.find_best(whole(data["find"], -1))
        if data.get("labels", "").strip():
            self.add_labels(data["labels"][:2000])
        if data.get("remove"):
            self.remove(whole(data["remove"], -1))

    def find_best(self, category_id: int | None) -> None:
        category = self.ctx.category(category_id)
        quantity = whole(self.best.pop(category_id, ""), 0) if category_id else 0
        if category is None or not quantity:
            self.add_error("best", _("Type how many seats to find."))
            return
        if quantity + len(self.lines) > MAX_PER_HOLD:
            self.best[category_id] = str(quantity)
            self.add_error("best", _("At most %(n)s places per sale.") % {"n": MAX_PER_HOLD})
            return
        needs = self.buyer_needs()
        found, together = selectors.suggested_seats(
            self.ctx.performance,
            category_id=category_id,
            quantity=quantity,
            exclude=[line.seat["id"] for line in self.lines],
            needs=needs,
        )
        if not found:
            self.best[category_id] = str(quantity)
            self.add_error(
                "best",
                _("Not enough free seats left in %(category)s for %(n)s people.")
                % {"category": category.name, "n": quantity},
            )
            return
        for seat_id in found:
            self._add_line(seat_id, is_new=True)
        if not together and not needs:
            self.notices.append(
                _("No %(n)s seats side by side: these are the best single seats.") % {"n": quantity}
            )
        if needs:
            self.notices.append(
                _("Seats chosen for the buyer's declared needs first: %(needs)s.")
                % {"needs": ", ".join(str(need_labels().get(n, n)) for n in needs)}
            )
        self.focus = found[0]

    def buyer_needs(self) -> tuple[str, ...]:
        """The declared needs of the buyer picked at the counter, when known (the contact's
        `accessibility_needs`; none for an anonymous buyer)."""
        pk = whole(self.data.get("contact")) if self.data is not None else 0
        return bestseat.needs_of(selectors.buyer_contact(pk)) if pk else ()

    def add_labels(self, text: str) -> None:
        for label in re.split(r"[\s,;]+", text.strip()):
            if not label:
                continue
            seat = self.ctx.seat_by_label(label)
            if seat is None:
                self.add_error(
                    "labels", _("No seat “%(label)s” in this hall.") % {"label": label[:40]}
                )
            elif seat["status"] != "available":
                self.add_error("labels", _("Seat %(label)s is taken.") % {"label": seat["label"]})
            else:
                self._add_line(seat["id"], is_new=True)
                self.focus = seat["id"]

    def remove(self, seat_id: int | None) -> None:
        self.lines = [line for line in self.lines if line.seat["id"] != seat_id]

    def seats_taken(self, seat_ids: list) -> None:
        """After a lost race: say which seats went, and drop them from the selection."""
        gone = {whole(s) for s in seat_ids}
        labels = [line.seat["label"] for line in self.lines if line.seat["id"] in gone]
        self.lines = [line for line in self.lines if line.seat["id"] not in gone]
        if labels:
            message = _(
                "Seats %(labels)s were just sold by someone else: choose other seats "
                "and confirm again."
            ) % {"labels": ", ".join(labels)}
        else:
            message = _("Some seats were just sold by someone else: choose again and confirm.")
        self.add_error("seats", message, code="ticketing.seats_unavailable")

    @property
    def selected_ids(self) -> list[int]:
        return [line.seat["id"] for line in self.lines]

    @property
    def rows(self) -> list[dict]:
        """One row per category for the places table, with what was typed."""
        return [
            {
                "category": c,
                "best": self.best.get(c.id, ""),
                "zones": [
                    (
                        z,
                        self.zones.get(z.id, ""),
                        [
                            (
                                p,
                                f"zone_{z.id}_{p.tariff_id}",
                                self.zone_split.get(z.id, {}).get(p.tariff_id, ""),
                            )
                            for p in c.prices
                        ],
                    )
                    for z in c.zones
                ],
            }
            for c in self.ctx.categories
        ]
