"""The counter's sale: one POST with places, tariffs, buyer and payment lines.

The form reads the counter's fields into the cart parser's mapping (ticketing.carts), keeps
what was typed to show it again, and checks the payment lines with the sale's own rule
(services.orders.settle_payments) before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from crm.models import Contact
from ticketing import selectors
from ticketing.carts import CartError, CartSpec, parse_cart, whole_number
from ticketing.errors import InvalidRequest
from ticketing.models import Payment
from ticketing.selectors import CategoryInfo, Place, SaleContext
from ticketing.selectors.quotes import places_taken
from ticketing.services.orders import Settlement, settle_payments
from ticketing.specs import MAX_PER_HOLD, PaymentSpec, TakenPlaces, TakenSeat
from ticketing.templatetags.ticketing_ui import money

from .buyers import CounterBuyerForm
from .fields import parse_money

# The counter's payment methods, in the order of their shortcuts (Alt+1 … Alt+4).
COUNTER_METHODS = [
    Payment.Method.CASH,
    Payment.Method.CARD_COUNTER,
    Payment.Method.CHEQUE,
    Payment.Method.VOUCHER,
]
COUNTER_METHOD_CHOICES = [(m.value, m.label) for m in COUNTER_METHODS]
REFERENCE_MAX_LENGTH = Payment._meta.get_field("provider_reference").max_length
# Where the form shows an error of the cart parser, by the parser's field.
ERROR_PLACES = {
    "seats": "seats",
    "seat_tariffs": "seats",
    "tariff": "tariff",
    "best_available": "best",
    "category": "best",
    "wheelchair": "best",
    "zones": "best",
    "zone_tariffs": "best",
}


def whole(value, default: int = 0) -> int | None:
    """A posted whole number as the cart parser reads it; `default` when blank."""
    if value is None or not str(value).strip():
        return default
    return whole_number(str(value))


@dataclass
class SeatLine:
    seat: dict
    category: CategoryInfo | None
    tariff_id: int | None
    is_new: bool = False


@dataclass
class PaymentLine:
    method: str = Payment.Method.CASH
    amount: str = ""
    reference: str = ""
    cents: int | None = None

    @property
    def spec(self) -> PaymentSpec:
        """Blank amount: whatever is still due."""
        return PaymentSpec(self.method, self.cents, self.reference)


class SaleForm:
    """The whole counter sale in one POST: places, tariffs, buyer, payment lines.

    Places: `seats` (Seat ids, from the seat map), `tariff_<seat id>`, `best_<category id>`
    (best available, one category per sale), `zone_<performance zone id>` (standing places)
    and `zone_<performance zone id>_<tariff id>` (how many of them at that tariff; blank
    zone quantity: the sum of these); `tariff` is the tariff of best-available places and of
    standing places not split.
    Payment lines: `pay_method`, `pay_amount` (blank = the rest), `pay_reference`, repeated.
    Cash may exceed what is due: the difference is the change to give back.
    """

    def __init__(self, data=None, *, ctx: SaleContext):
        self.ctx = ctx
        self.bound = data is not None
        self.data = data
        self.buyer_form = CounterBuyerForm(data)
        self.errors: dict[str, list[str]] = {}
        self.codes: list[str] = []  # the errors' codes, as the API would answer them
        self.notices: list[str] = []
        self.default_tariff_id = ctx.default_tariff_id
        self.lines: list[SeatLine] = []
        self.unknown_seats: list[str] = []  # posted seat values the hall does not have
        # As typed: category id → best-available quantity, zone id → quantity, and
        # zone id → {tariff id → places at that tariff}.
        self.best: dict[int, str] = {}
        self.zones: dict[int, str] = {}
        self.zone_split: dict[int, dict[int, str]] = {}
        self.payment_lines = [PaymentLine()]
        self.cart: CartSpec | None = None
        self.total_cents: int | None = 0
        self.settlement: Settlement | None = None
        self.focus = 0  # Seat id whose tariff gets the focus after a find/add
        if self.bound:
            self._read_places()
            self._read_payments()

    def add_error(self, key: str | None, message, *, code: str = "invalid") -> None:
        self.errors.setdefault(key or "__all__", []).append(str(message))
        self.codes.append(code)

    # Reading what was typed
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

    def _read_payments(self) -> None:
        methods = self.data.getlist("pay_method")
        amounts = self.data.getlist("pay_amount")
        references = self.data.getlist("pay_reference")
        lines = []
        for i, method in enumerate(methods):
            line = PaymentLine(
                method=method,
                amount=(amounts[i] if i < len(amounts) else "").strip(),
                reference=(references[i] if i < len(references) else "").strip(),
            )
            if method not in dict(COUNTER_METHOD_CHOICES):
                self.add_error("payments", _("Unknown payment method."))
            if len(line.reference) > REFERENCE_MAX_LENGTH or "\x00" in line.reference:
                self.add_error(
                    "payments",
                    _("A payment reference has at most %(n)s characters.")
                    % {"n": REFERENCE_MAX_LENGTH},
                )
                line.reference = line.reference[:REFERENCE_MAX_LENGTH].replace("\x00", "")
            try:
                line.cents = parse_money(line.amount)
            except ValueError:
                self.add_error(
                    "payments",
                    _("“%(amount)s” is not an amount (e.g. 12,50).") % {"amount": line.amount[:20]},
                )
            lines.append(line)
        self.payment_lines = lines or [PaymentLine()]

    # The cart parser's input
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
        found, together = selectors.suggested_seats(
            self.ctx.performance,
            category_id=category_id,
            quantity=quantity,
            exclude=[line.seat["id"] for line in self.lines],
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
        if not together:
            self.notices.append(
                _("No %(n)s seats side by side: these are the best single seats.") % {"n": quantity}
            )
        self.focus = found[0]

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

    # The sale
    def is_valid(self) -> bool:
        if not self.bound:
            return False
        buyer_ok = self.buyer_form.is_valid()
        if len(self.best) > 1:
            self.add_error(
                "best",
                _("Best available works one category at a time: use “Find” for each category."),
            )
        if self.unknown_seats and not any(whole(s) is None for s in self.unknown_seats):
            self.add_error(
                "seats", _("Unknown seat: reload the page."), code="ticketing.cart.bad_seat"
            )
        if not self.errors:
            self._parse()
        if self.errors:
            return False
        self.total_cents = self.quote()
        if self.total_cents is None:
            return False
        self._settle()
        return buyer_ok and not self.errors

    def _parse(self) -> None:
        try:
            self.cart = parse_cart(
                self.cart_input(), performance=self.ctx.performance, prices=self.ctx.prices
            )
        except CartError as error:
            self.add_error(ERROR_PLACES.get(error.field), error.message, code=error.code)

    def quote(self) -> int | None:
        """Tickets + fees, as the sale will charge them (selectors.quote); None, with the
        reason, when a tariff is not offered for a place."""
        request, tariffs = self.cart.request, self.cart.tariffs
        seats = [
            TakenSeat(line.seat["id"], line.category.id if line.category else 0, line.seat["label"])
            for line in self.lines
        ]
        zones = [TakenPlaces(z, self.ctx.zone(z)[0].id, n) for z, n in request.zones.items()]
        places = places_taken(seats, zones, tariffs)
        if request.best_available:
            places.append(Place(request.category_id, tariffs.default, request.best_available))
        quote = self.ctx.quote(places)
        missing = next((line.place for line in quote.lines if line.price is None), None)
        if missing is None:
            return quote.total_cents
        if missing.seat_id is not None:
            self.add_error("seats", _("Choose a tariff for seat %(s)s.") % {"s": missing.label})
        else:
            category = self.ctx.category(missing.category_id)
            self.add_error(
                "tariff",
                _("This tariff is not offered in %(category)s.")
                % {"category": category.name if category else "?"},
            )
        return None

    def _settle(self) -> None:
        """The payment lines against the total, by the sale's own rule: card, cheque and
        voucher taken as typed, cash for the rest, change given back."""
        try:
            self.settlement = settle_payments(
                due_cents=self.total_cents, payments=self.payments, allow_short=True
            )
        except InvalidRequest as error:
            self.add_error("payments", error.message, code=error.code)
            return
        missing = self.total_cents - self.settlement.paid_cents
        if missing > 0:
            self.add_error(
                "payments",
                _("%(missing)s still to pay.") % {"missing": money(missing, self.ctx.currency)},
                code="ticketing.underpaid",
            )

    @property
    def payments(self) -> list[PaymentSpec]:
        """The payment lines for the sale (orders.sell settles them the same way)."""
        return [line.spec for line in self.payment_lines if line.cents != 0]

    @property
    def change_cents(self) -> int:
        return self.settlement.change_cents if self.settlement else 0

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

    @property
    def picked_contact(self) -> Contact | None:
        pk = whole(self.data.get("contact")) if self.bound else 0
        return selectors.buyer_contact(pk) if pk else None

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.buyer_form.errors)

    @property
    def summary_errors(self) -> list[str]:
        """Errors shown at the top; places, payment and buyer fields show theirs in place."""
        keys = ("__all__", "seats", "tariff")
        return [m for key in keys for m in self.errors.get(key, [])]
