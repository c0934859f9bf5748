"""Forms of the order screens: the list's filters, refunds, payments, cancellation and
exchanges. They parse and check what was typed; services decide and record."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ticketing import selectors
from ticketing.carts import CartError, CartSpec, parse_cart
from ticketing.models import Order, Payment, Performance, Ticket
from ticketing.selectors import Place, SaleContext
from ticketing.specs import HoldRequest, PaymentSpec, TariffChoice

from .fields import parse_money
from .sale import COUNTER_METHOD_CHOICES, whole


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
    # The contact page's "their orders" link: one contact's orders, exactly.
    contact = forms.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput
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
        if selectors.paid_online(order):  # back to the card, through the payment provider
            self.fields["method"].choices = [
                (Payment.Method.ONLINE, gettext_lazy("Back to the card (online payment)")),
                *self.fields["method"].choices,
            ]
            self.fields["method"].initial = Payment.Method.ONLINE

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
        self.cart: CartSpec | None = None
        self.fields["tickets"].queryset = selectors.valid_tickets(order)
        self.fields["performance"].queryset = selectors.sellable_performances()
        performance = selectors.sellable_performance(whole(performance_id) or 0)
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
        if not self.errors:
            self._parse(data, tickets)
        return data

    def _parse(self, data: dict, tickets: list) -> None:
        """The new places and their tariff, read by the one cart parser."""
        if data.get("mode") == "seats":
            places = {"seats": list(data["seats"])}
        else:
            places = {"best_available": len(tickets), "category": data["category"]}
        code = next(
            (p.tariff.code for (_c, t), p in self.ctx.prices.items() if t == data.get("tariff")), ""
        )
        try:
            self.cart = parse_cart(
                {**places, "tariff": code}, performance=self.ctx.performance, prices=self.ctx.prices
            )
        except CartError as error:
            field = {"best_available": "category", "zones": None}.get(error.field, error.field)
            self.add_error(field if field in self.fields else None, error.message)

    def request(self) -> HoldRequest:
        return self.cart.request

    def tariffs(self) -> TariffChoice:
        return self.cart.tariffs

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
