"""Input of the box-office and order screens: parse and check what the counter typed, quote the
amounts to show before anything is written, then hand services their arguments.

Nothing here writes: `orders.sell`, `refund_order`, `exchange_tickets`… decide and record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import Contact
from ticketing import selectors
from ticketing.models import Order, Payment, Performance, Ticket
from ticketing.selectors import CategoryInfo, Place, SaleContext
from ticketing.services import inventory
from ticketing.services.inventory import HoldRequest
from ticketing.services.orders import Buyer, PaymentSpec, TariffChoice
from ticketing.templatetags.ticketing_ui import money

# The counter's payment methods, in the order of their shortcuts (Alt+1 … Alt+4).
COUNTER_METHODS = [
    Payment.Method.CASH,
    Payment.Method.CARD_COUNTER,
    Payment.Method.CHEQUE,
    Payment.Method.VOUCHER,
]
COUNTER_METHOD_CHOICES = [(m.value, m.label) for m in COUNTER_METHODS]
MAX_PLACES = inventory.MAX_PER_HOLD


def parse_money(text: str | None) -> int | None:
    """ "12", "12,5", "12.50 €" → cents; "" → None. Raises ValueError on anything else."""
    cleaned = re.sub(r"[\s\u00a0\u202f€]", "", text or "").replace(",", ".")
    if not cleaned:
        return None
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(text)
    return int(amount * 100)


def cents_to_input(cents: int | None) -> str:
    return "" if cents is None else f"{cents // 100},{cents % 100:02d}"


def _int(value, default: int = 0) -> int:
    """A posted whole number; `default` when blank, -1 (reported as invalid) when not one."""
    text = "" if value is None else str(value).strip()
    try:
        return int(text) if text else default
    except ValueError:
        return -1


# --- Buyer ------------------------------------------------------------------------------
class BuyerForm(forms.Form):
    contact = forms.IntegerField(required=False, widget=forms.HiddenInput)
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=gettext_lazy("Email"), required=False)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=30, required=False)
    postcode = forms.CharField(label=gettext_lazy("Postcode"), max_length=20, required=False)
    newsletter = forms.BooleanField(label=gettext_lazy("Wants the newsletter"), required=False)

    def clean_contact(self) -> Contact | None:
        pk = self.cleaned_data.get("contact")
        if not pk:
            return None
        contact = selectors.buyer_contact(pk)
        if contact is None:
            raise forms.ValidationError(_("This contact no longer exists: search again."))
        return contact

    def buyer(self) -> Buyer | None:
        """None for an anonymous counter buyer (nothing typed)."""
        data = self.cleaned_data
        contact = data.get("contact")
        if contact is not None:
            return Buyer(contact_id=contact.pk)
        typed = [data.get(k) for k in ("first_name", "last_name", "email", "phone", "postcode")]
        if not any(typed):
            return None
        return Buyer(
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            phone=data["phone"],
            postcode=data["postcode"],
            newsletter=True if data["newsletter"] else None,
        )


# --- The sale -----------------------------------------------------------------------------
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
        self.buyer_form = BuyerForm(data)
        self.errors: dict[str, list[str]] = {}
        self.notices: list[str] = []
        self.default_tariff_id = ctx.default_tariff_id
        self.lines: list[SeatLine] = []
        self.best: dict[int, int] = {}
        self.zones: dict[int, int] = {}
        self.zone_split: dict[int, dict[int, int]] = {}  # zone id -> {tariff id: places}
        self.payment_lines = [PaymentLine()]
        self.total_cents: int | None = 0
        self.payments: list[PaymentSpec] = []
        self.change_cents = 0
        self.focus = 0  # Seat id whose tariff gets the focus after a find/add
        if self.bound:
            self._parse_places()
            self._parse_payments()

    # Parsing
    def add_error(self, key: str | None, message: str) -> None:
        self.errors.setdefault(key or "__all__", []).append(str(message))

    def _parse_places(self) -> None:
        data, ctx = self.data, self.ctx
        tariff = _int(data.get("tariff"), ctx.default_tariff_id or 0)
        if tariff in dict(ctx.tariffs):
            self.default_tariff_id = tariff
        seat_ids = []
        for raw in data.getlist("seats"):
            seat_id = _int(raw)
            if seat_id not in ctx.seats:
                self.add_error("seats", _("Unknown seat: reload the page."))
            elif seat_id not in seat_ids:
                seat_ids.append(seat_id)
        for seat_id in seat_ids:
            self._add_line(seat_id, _int(data.get(f"tariff_{seat_id}"), 0))
        for category in ctx.categories:
            n = _int(data.get(f"best_{category.id}"))
            if n < 0:
                self.add_error("best", _("Quantities are whole numbers, 0 or more."))
            elif n:
                self.best[category.id] = n
            for zone in category.zones:
                self._parse_zone(category, zone)

    def _parse_zone(self, category: CategoryInfo, zone) -> None:
        q = _int(self.data.get(f"zone_{zone.id}"))
        split = {
            p.tariff_id: _int(self.data.get(f"zone_{zone.id}_{p.tariff_id}"))
            for p in category.prices
        }
        if q < 0 or any(n < 0 for n in split.values()):
            self.add_error("best", _("Quantities are whole numbers, 0 or more."))
            return
        split = {t: n for t, n in split.items() if n}
        q = q or sum(split.values())
        if sum(split.values()) > q:
            self.add_error(
                "best",
                _("%(zone)s: %(n)s places split between tariffs, for %(q)s places.")
                % {"zone": zone.name, "n": sum(split.values()), "q": q},
            )
        if q:
            self.zones[zone.id] = q
        if split:
            self.zone_split[zone.id] = split

    def _add_line(self, seat_id: int, tariff_id: int = 0, *, is_new: bool = False) -> None:
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

    def _parse_payments(self) -> None:
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
            try:
                line.cents = parse_money(line.amount)
            except ValueError:
                self.add_error(
                    "payments",
                    _("“%(amount)s” is not an amount (e.g. 12,50).") % {"amount": line.amount},
                )
            lines.append(line)
        self.payment_lines = lines or [PaymentLine()]

    # Selection actions (no sale): find best seats, add seats by label, remove one
    def apply_action(self, data) -> None:
        """What a places button asked for (`find`, `labels` + `add`, `remove`)."""
        if data.get("find"):
            self.find_best(_int(data["find"]))
        if data.get("labels", "").strip():
            self.add_labels(data["labels"])
        if data.get("remove"):
            self.remove(_int(data["remove"]))

    def find_best(self, category_id: int) -> None:
        category = self.ctx.category(category_id)
        quantity = self.best.pop(category_id, 0)
        if category is None or quantity <= 0:
            self.add_error("best", _("Type how many seats to find."))
            return
        if quantity + len(self.lines) > MAX_PLACES:
            self.add_error("best", _("At most %(n)s places per sale.") % {"n": MAX_PLACES})
            return
        found, together = selectors.suggested_seats(
            self.ctx.performance,
            category_id=category_id,
            quantity=quantity,
            exclude=[line.seat["id"] for line in self.lines],
        )
        if not found:
            self.best[category_id] = quantity
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
                self.add_error("labels", _("No seat “%(label)s” in this hall.") % {"label": label})
            elif seat["status"] != "available":
                self.add_error("labels", _("Seat %(label)s is taken.") % {"label": seat["label"]})
            else:
                self._add_line(seat["id"], is_new=True)
                self.focus = seat["id"]

    def remove(self, seat_id: int) -> None:
        self.lines = [line for line in self.lines if line.seat["id"] != seat_id]

    def seats_taken(self, seat_ids: list) -> None:
        """After a lost race: say which seats went, and drop them from the selection."""
        gone = {_int(s) for s in seat_ids}
        labels = [line.seat["label"] for line in self.lines if line.seat["id"] in gone]
        self.lines = [line for line in self.lines if line.seat["id"] not in gone]
        if labels:
            message = _(
                "Seats %(labels)s were just sold by someone else: choose other seats "
                "and confirm again."
            ) % {"labels": ", ".join(labels)}
        else:
            message = _("Some seats were just sold by someone else: choose again and confirm.")
        self.add_error("seats", message)

    # The sale
    def quote(self) -> int | None:
        """Tickets + fees, as the sale will charge them (selectors.quote); None, with the
        reason, when a tariff is not offered for a place."""
        tariff = self.default_tariff_id
        places = [
            Place(
                line.category.id if line.category else 0,
                line.tariff_id,
                label=line.seat["label"],
                seat_id=line.seat["id"],
            )
            for line in self.lines
        ]
        places += [Place(c, tariff, n) for c, n in self.best.items()]
        for z, q in self.zones.items():
            split = self.zone_split.get(z, {})
            for tariff_id, n in [*split.items(), (tariff, q - sum(split.values()))]:
                if n:
                    places.append(Place(self.ctx.zone(z)[0].id, tariff_id, n, zone_id=z))
        quote = self.ctx.quote(places)
        missing = next((line.place for line in quote.lines if line.price is None), None)
        if missing is None:
            return quote.total_cents
        if missing.seat_id is not None:
            self.add_error("seats", _("Choose a tariff for seat %(s)s.") % {"s": missing.label})
        else:
            self.add_error(
                "tariff",
                _("This tariff is not offered in %(category)s.")
                % {"category": self.ctx.category(missing.category_id).name},
            )
        return None

    def is_valid(self) -> bool:
        if not self.bound:
            return False
        buyer_ok = self.buyer_form.is_valid()
        if len(self.best) > 1:
            self.add_error(
                "best",
                _("Best available works one category at a time: use “Find” for each category."),
            )
        if not (self.lines or self.best or self.zones):
            self.add_error("seats", _("Choose at least one seat or place."))
        if self.errors:
            return False
        self.total_cents = self.quote()
        if self.total_cents is None:
            return False
        self._settle()
        return buyer_ok and not self.errors

    def _settle(self) -> None:
        """Payment lines → payments to record and change to give. Card, cheque and voucher
        are taken as typed; the cash drawer keeps only what is still due."""
        total = self.total_cents
        blanks = [line for line in self.payment_lines if line.cents is None]
        typed = sum(line.cents or 0 for line in self.payment_lines)
        if len(blanks) > 1:
            self.add_error("payments", _("Leave at most one amount blank (it takes the rest)."))
            return
        if blanks:
            blanks[0].cents = max(total - typed, 0)
        other = sum(line.cents for line in self.payment_lines if line.method != "cash")
        cash = sum(line.cents for line in self.payment_lines if line.method == "cash")
        if other > total:
            self.add_error(
                "payments",
                _("Card, cheque and voucher add up to more than the total (%(total)s).")
                % {"total": money(total, self.ctx.currency)},
            )
            return
        due_in_cash = total - other
        if cash < due_in_cash:
            self.add_error(
                "payments",
                _("%(missing)s still to pay.")
                % {"missing": money(due_in_cash - cash, self.ctx.currency)},
            )
            return
        self.change_cents = cash - due_in_cash
        self.payments = [
            PaymentSpec(line.method, line.cents, line.reference)
            for line in self.payment_lines
            if line.method != "cash" and line.cents
        ]
        if due_in_cash:
            self.payments.insert(0, PaymentSpec(Payment.Method.CASH, due_in_cash))

    @property
    def hold_request(self) -> HoldRequest:
        category_id, best = next(iter(self.best.items()), (None, 0))
        return HoldRequest(
            seat_ids=[line.seat["id"] for line in self.lines],
            zones=dict(self.zones),
            best_available=best,
            category_id=category_id,
        )

    @property
    def tariffs(self) -> TariffChoice:
        return TariffChoice(
            default=self.default_tariff_id,
            seats={line.seat["id"]: line.tariff_id for line in self.lines},
            zones={z: dict(split) for z, split in self.zone_split.items()},
        )

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
        pk = _int(self.data.get("contact")) if self.bound else 0
        return selectors.buyer_contact(pk) if pk > 0 else None

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.buyer_form.errors)

    @property
    def summary_errors(self) -> list[str]:
        """Errors shown at the top; places, payment and buyer fields show theirs in place."""
        keys = ("__all__", "seats", "tariff")
        return [m for key in keys for m in self.errors.get(key, [])]


# --- Orders list ------------------------------------------------------------------------
class PerformanceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, performance: Performance) -> str:
        when = date_format(timezone.localtime(performance.starts_at), "SHORT_DATETIME_FORMAT")
        return f"{performance.show.title} — {when}"


class OrderFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": gettext_lazy("Reference, name or email")}
        ),
    )
    performance = PerformanceChoiceField(
        label=gettext_lazy("Performance"),
        queryset=selectors.performances_newest_first(),
        required=False,
        empty_label=gettext_lazy("All performances"),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All statuses")), *Order.Status.choices],
    )


# --- Order actions ------------------------------------------------------------------------
class TicketChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, ticket: Ticket) -> str:
        place = ticket.seat.label if ticket.seat_id else ticket.performance_zone.zone.name
        return f"{place} · {ticket.tariff.name}"


class RefundForm(forms.Form):
    tickets = TicketChoiceField(
        label=gettext_lazy("Tickets to refund"),
        queryset=Ticket.objects.none(),
        required=False,
        help_text=gettext_lazy("None ticked: the whole order is refunded."),
    )
    method = forms.ChoiceField(label=gettext_lazy("Refund by"), choices=COUNTER_METHOD_CHOICES)
    include_fees = forms.BooleanField(
        label=gettext_lazy("Refund the booking fees too"), required=False, initial=True
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200, required=False)

    def __init__(self, *args, order: Order, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order
        self.fields["tickets"].queryset = selectors.valid_tickets(order)

    def chosen(self) -> list[Ticket]:
        return list(self.cleaned_data["tickets"]) or list(self.fields["tickets"].queryset)

    def amount_cents(self) -> int:
        fees = self.cleaned_data["include_fees"]
        return sum(t.price_cents + (t.fee_cents if fees else 0) for t in self.chosen())

    def ticket_ids(self) -> list[int] | None:
        picked = self.cleaned_data["tickets"]
        return [t.pk for t in picked] if picked else None


class PaymentForm(forms.Form):
    method = forms.ChoiceField(label=gettext_lazy("Method"), choices=COUNTER_METHOD_CHOICES)
    amount = forms.CharField(label=gettext_lazy("Amount"), max_length=20)
    reference = forms.CharField(
        label=gettext_lazy("Reference (cheque number, voucher code)"),
        max_length=120,
        required=False,
    )

    def clean_amount(self) -> int:
        try:
            cents = parse_money(self.cleaned_data["amount"])
        except ValueError:
            cents = None
        if not cents:
            raise forms.ValidationError(_("Type a positive amount, e.g. 12,50."))
        return cents

    def spec(self) -> PaymentSpec:
        data = self.cleaned_data
        return PaymentSpec(data["method"], data["amount"], data["reference"])


class CancelForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200, required=False)


class ExchangeForm(forms.Form):
    """Step 1: tickets and the new performance (GET). Step 2: how to place them and at
    which tariff (POST); the view shows the price difference before confirming."""

    tickets = TicketChoiceField(
        label=gettext_lazy("Tickets to exchange"), queryset=Ticket.objects.none()
    )
    performance = PerformanceChoiceField(
        label=gettext_lazy("New performance"), queryset=Performance.objects.none()
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("New places"),
        choices=[
            ("best", gettext_lazy("Best available")),
            ("seats", gettext_lazy("Chosen seats")),
        ],
        initial="best",
        widget=forms.RadioSelect,
    )
    category = forms.TypedChoiceField(
        label=gettext_lazy("Category"), coerce=int, required=False, choices=[]
    )
    seats = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Seats"),
        coerce=int,
        required=False,
        choices=[],
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    tariff = forms.TypedChoiceField(label=gettext_lazy("Tariff"), coerce=int, choices=[])
    payment_method = forms.ChoiceField(
        label=gettext_lazy("The buyer pays the difference by"),
        choices=COUNTER_METHOD_CHOICES,
        required=False,
    )
    credit_method = forms.ChoiceField(
        label=gettext_lazy("A lower price is given back as"),
        choices=[
            (Payment.Method.VOUCHER.value, Payment.Method.VOUCHER.label),
            *[c for c in COUNTER_METHOD_CHOICES if c[0] != Payment.Method.VOUCHER],
        ],
        initial=Payment.Method.VOUCHER,
        required=False,
    )

    def __init__(self, *args, order: Order, performance_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order
        self.ctx: SaleContext | None = None
        self.fields["tickets"].queryset = selectors.valid_tickets(order)
        self.fields["performance"].queryset = selectors.sellable_performances()
        performance = selectors.sellable_performance(_int(performance_id))
        if performance is not None:
            self.ctx = selectors.sale_context(performance)
            self.fields["category"].choices = [
                (c.id, f"{c.name} ({c.free})") for c in self.ctx.categories if c.free
            ]
            self.fields["seats"].choices = [
                (s["id"], f"{s['label']} · {self._category_name(s)}")
                for s in self.ctx.seats.values()
                if s["status"] == "available"
            ]
            self.fields["tariff"].choices = self.ctx.tariffs
            self.fields["tariff"].initial = self.ctx.default_tariff_id

    def _category_name(self, seat: dict) -> str:
        category = self.ctx.category(seat["category"])
        return category.name if category else ""

    def clean(self):
        data = super().clean()
        tickets = data.get("tickets") or []
        if self.ctx is None or not tickets:
            return data
        if data.get("mode") == "seats":
            if len(data.get("seats") or []) != len(tickets):
                self.add_error(
                    "seats",
                    _("Choose as many seats as tickets exchanged (%(n)s).") % {"n": len(tickets)},
                )
        elif not data.get("category"):
            self.add_error("category", _("Choose a category with enough free seats."))
        return data

    def request(self) -> HoldRequest:
        data = self.cleaned_data
        if data["mode"] == "seats":
            return HoldRequest(seat_ids=list(data["seats"]))
        return HoldRequest(best_available=len(data["tickets"]), category_id=data["category"])

    def difference_cents(self) -> int | None:
        """New prices minus old ones (an exchange charges no booking fee again)."""
        data, ctx = self.cleaned_data, self.ctx
        tariff = data["tariff"]
        if data["mode"] == "seats":
            places = [Place(ctx.seats[s]["category"], tariff, seat_id=s) for s in data["seats"]]
        else:
            places = [Place(data["category"], tariff, len(data["tickets"]))]
        quote = ctx.quote(places)
        if not quote.priced:
            self.add_error("tariff", _("This tariff is not offered for these places."))
            return None
        return quote.subtotal_cents - sum(t.price_cents for t in data["tickets"])
