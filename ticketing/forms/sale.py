"""The counter's sale: one POST with places (`counter.CounterPlaces`), buyer and payment
lines, checked before anything is written: the places by the cart parser (ticketing.carts),
the payments by the sale's own rule (services.orders.settle_payments)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from crm.models import Contact
from ticketing import selectors
from ticketing.carts import CartError, CartSpec, parse_cart
from ticketing.errors import InvalidRequest
from ticketing.models import Payment
from ticketing.models.payments import COUNTER_METHODS
from ticketing.selectors import Place, SaleContext
from ticketing.selectors.quotes import places_taken
from ticketing.services.orders import Settlement, settle_payments
from ticketing.services.orders.payments import check_counter_methods
from ticketing.specs import PaymentSpec, TakenPlaces, TakenSeat
from ticketing.templatetags.ticketing_ui import money

from .buyers import CounterBuyerForm
from .counter import CounterPlaces, Problems, whole
from .fields import parse_money

# Every method the counter knows (refunds, top-ups); a sale offers the venue's (ctx.methods).
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
    "extras": "extras",
}
EXTRA_FIELD = "extra-%s"  # the quantity typed for an extra, by its id


@dataclass
class PaymentLine:
    method: str = ""  # blank: the first method the venue takes
    amount: str = ""
    reference: str = ""
    cents: int | None = None

    @property
    def spec(self) -> PaymentSpec:
        """Blank amount: whatever is still due."""
        return PaymentSpec(self.method, self.cents, self.reference)


class SaleForm:
    """The whole counter sale in one POST: places, tariffs, buyer, payment lines
    (`pay_method`, `pay_amount` (blank = the rest), `pay_reference`, repeated). Cash may
    exceed what is due: the difference is the change to give back."""

    def __init__(self, data=None, *, ctx: SaleContext):
        self.ctx = ctx
        self.bound = data is not None
        self.data = data
        self.problems = Problems()
        self.places = CounterPlaces(data, ctx=ctx, problems=self.problems)
        self.buyer_form = CounterBuyerForm(data)
        self.payment_lines = [PaymentLine(method=self.first_method)]
        self.cart: CartSpec | None = None
        self.total_cents: int | None = 0
        self.settlement: Settlement | None = None
        if self.bound:
            self._read_payments()

    def add_error(self, key: str | None, message, *, code: str = "invalid") -> None:
        self.problems.add(key, message, code)

    @property
    def errors(self) -> dict[str, list[str]]:
        return self.problems.by_key

    @property
    def codes(self) -> list[str]:
        return self.problems.codes

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
            elif method not in dict(self.ctx.methods):
                try:  # the sale's rule says why
                    check_counter_methods([PaymentSpec(method, None)])
                except InvalidRequest as error:
                    self.add_error("payments", error.message, code=error.code)
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
        self.payment_lines = lines or [PaymentLine(method=self.first_method)]

    @property
    def first_method(self) -> str:
        return self.ctx.methods[0][0] if self.ctx.methods else Payment.Method.CASH

    # What the places part does, as the templates and views name it
    def apply_action(self, data) -> None:
        self.places.apply_action(data)

    def seats_taken(self, seat_ids: list) -> None:
        self.places.seats_taken(seat_ids)

    @property
    def lines(self):
        return self.places.lines

    @property
    def rows(self) -> list[dict]:
        return self.places.rows

    @property
    def focus(self) -> int:
        return self.places.focus

    @property
    def notices(self) -> list[str]:
        return self.places.notices

    @property
    def default_tariff_id(self) -> int | None:
        return self.places.default_tariff_id

    @property
    def selected_ids(self) -> list[int]:
        return self.places.selected_ids

    # The sale
    def is_valid(self) -> bool:
        if not self.bound:
            return False
        buyer_ok = self.buyer_form.is_valid()
        self.places.check()
        if not self.errors:
            self._parse()
        if self.errors:
            return False
        self.total_cents = self.quote()
        if self.total_cents is None:
            return False
        self._settle()
        return buyer_ok and not self.errors

    def typed_extras(self) -> dict[int, str]:
        """The quantities typed for the performance's extras (blank when not bound)."""
        if not self.bound:
            return {}
        return {e.pk: self.data.get(EXTRA_FIELD % e.pk, "").strip() for e in self.ctx.extras}

    @property
    def extra_rows(self) -> list[tuple]:
        """(extra, quantity typed) for the screen."""
        typed = self.typed_extras()
        return [(extra, typed.get(extra.pk, "")) for extra in self.ctx.extras]

    def _parse(self) -> None:
        data = self.places.cart_input()
        data["extras"] = {pk: n for pk, n in self.typed_extras().items() if n}
        try:
            self.cart = parse_cart(data, performance=self.ctx.performance, prices=self.ctx.prices)
        except CartError as error:
            self.add_error(ERROR_PLACES.get(error.field), error.message, code=error.code)

    def quote(self) -> int | None:
        """Tickets + fees, as the sale will charge them (selectors.quote); None, with the
        reason, when a tariff is not offered for a place."""
        request, tariffs = self.cart.request, self.cart.tariffs
        seats = [
            TakenSeat(line.seat["id"], line.category.id if line.category else 0, line.seat["label"])
            for line in self.places.lines
        ]
        zones = [TakenPlaces(z, self.ctx.zone(z)[0].id, n) for z, n in request.zones.items()]
        places = places_taken(seats, zones, tariffs)
        if request.best_available:
            places.append(Place(request.category_id, tariffs.default, request.best_available))
        extras = [(self.ctx.extra_by_id(pk), n) for pk, n in self.cart.extras.items()]
        quote = self.ctx.quote(places, extras)
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
    def picked_contact(self) -> Contact | None:
        pk = whole(self.data.get("contact")) if self.bound else 0
        return selectors.buyer_contact(pk) if pk else None

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.buyer_form.errors)

    @property
    def summary_errors(self) -> list[str]:
        """Errors shown at the top; places, payment and buyer fields show theirs in place."""
        keys = ("__all__", "seats", "tariff", "extras")
        return [m for key in keys for m in self.errors.get(key, [])]
