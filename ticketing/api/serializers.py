"""What the ticketing API reads and answers. Input is bounded here as the models are (lengths,
amounts, ids), so PostgreSQL never refuses what the API accepted; the places and tariffs of a
sale are passed on as sent to the one cart parser (ticketing.carts), which checks them for
every channel alike."""

import threading
from collections.abc import Mapping

from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from crm.models import Contact, Language
from ticketing.carts import MAX_ID
from ticketing.forms.buyers import PHONE_TYPED_MAX_LENGTH
from ticketing.models import (
    Hold,
    InvitationReason,
    Order,
    OrderExtra,
    Payment,
    Performance,
    Show,
    Ticket,
)
from ticketing.services.orders import MAX_AMOUNT_CENTS
from ticketing.specs import MAX_PER_HOLD


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


# --- Catalogue ----------------------------------------------------------------------------
class ShowSerializer(serializers.ModelSerializer):
    class Meta:
        model = Show
        fields = [
            "id",
            "title",
            "slug",
            "subtitle",
            "description",
            "artists",
            "genres",
            "duration_minutes",
            "age_guidance",
            "accessibility_notes",
        ]


class PerformanceSerializer(serializers.ModelSerializer):
    show = serializers.CharField(source="show.title")
    hall = serializers.CharField(source="layout.hall.name")

    class Meta:
        model = Performance
        fields = [
            "id",
            "show",
            "show_id",
            "hall",
            "starts_at",
            "doors_open_at",
            "status",
            "sale_opens_at",
            "sale_closes_at",
            "access_info",
        ]


class PriceSerializer(serializers.Serializer):
    tariff = serializers.CharField()
    tariff_id = serializers.IntegerField()
    name = serializers.CharField()
    amount_cents = serializers.IntegerField()


class CategoryAvailabilitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    available = serializers.IntegerField()
    capacity = serializers.IntegerField()
    prices = PriceSerializer(many=True)


class SeatStateSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Seat id, to use in holds")
    label = serializers.CharField()
    section = serializers.CharField()
    row = serializers.CharField()
    number = serializers.IntegerField()
    category = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["available", "held", "sold", "unavailable"])
    wheelchair = serializers.BooleanField()


# --- Places and tariffs: passed on to the cart parser -------------------------------------
class CartValue(serializers.Field):
    """A place or tariff field, declared for the schema and passed on as sent: the cart
    parser (ticketing.carts.parse_cart) checks it, with the same codes on every channel."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdValue(CartValue):
    pass


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": MAX_PER_HOLD})
class CountValue(CartValue):
    pass


@extend_schema_field(
    {"type": "array", "items": {"type": "integer", "minimum": 1}, "maxItems": MAX_PER_HOLD}
)
class SeatsValue(CartValue):
    pass


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "integer", "minimum": 1, "maximum": MAX_PER_HOLD},
        "maxProperties": MAX_PER_HOLD,
    }
)
class ZonesValue(CartValue):
    pass


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "integer", "minimum": 1, "maximum": MAX_PER_HOLD},
        "maxProperties": MAX_PER_HOLD,
    }
)
class ExtrasValue(CartValue):
    pass


@extend_schema_field({"type": "string", "pattern": "^[-a-zA-Z0-9_]+$", "maxLength": 40})
class CodeValue(CartValue):
    pass


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
        "maxProperties": MAX_PER_HOLD,
    }
)
class SeatTariffsValue(CartValue):
    pass


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {
            "type": "object",
            "additionalProperties": {"type": "integer", "minimum": 1, "maximum": MAX_PER_HOLD},
        },
        "maxProperties": MAX_PER_HOLD,
    }
)
class ZoneTariffsValue(CartValue):
    pass


PLACE_FIELDS = ("performance", "seats", "best_available", "category", "zones", "wheelchair")
TARIFF_FIELDS = ("tariff", "seat_tariffs", "zone_tariffs")


class CartInput(serializers.Serializer):
    """A serializer whose places (and tariffs) go to the cart parser as sent."""

    cart_fields: tuple[str, ...] = PLACE_FIELDS

    def cart_input(self) -> dict:
        """The cart parser's mapping: the cart fields that were sent."""
        return {k: v for k, v in self.validated_data.items() if k in self.cart_fields}


class HoldInputSerializer(CartInput):
    performance = IdValue(help_text="Performance id")
    seats = SeatsValue(help_text="Seat ids (from /performances/{id}/seats/)")
    best_available = CountValue(help_text="Seats to choose for you, best first")
    category = IdValue(help_text="Price category of the best-available seats")
    zones = ZonesValue(help_text="Standing places: performance zone id → number of places")
    wheelchair = CountValue(help_text="How many best-available seats are wheelchair spaces")


class HoldSerializer(serializers.ModelSerializer):
    seats = serializers.SerializerMethodField()

    class Meta:
        model = Hold
        fields = ["token", "performance", "status", "expires_at", "seats"]

    def get_seats(self, hold) -> list[int]:
        return list(hold.seats.values_list("seat_id", flat=True))


class BuyerSerializer(serializers.Serializer):
    email = serializers.EmailField(
        required=False, allow_blank=True, default="", max_length=_max_length(Contact, "email")
    )
    first_name = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=_max_length(Contact, "first_name"),
    )
    last_name = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=_max_length(Contact, "last_name")
    )
    phone = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=PHONE_TYPED_MAX_LENGTH
    )
    postcode = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=_max_length(Contact, "postcode")
    )
    language = serializers.ChoiceField(choices=Language.choices, required=False, default="fr")
    newsletter = serializers.BooleanField(required=False, allow_null=True, default=None)


class PaymentInputSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=Payment.Method.choices)
    amount_cents = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_AMOUNT_CENTS,
        help_text="Omit to pay exactly what is due",
    )
    reference = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=_max_length(Payment, "provider_reference"),
    )


class TariffsInputSerializer(HoldInputSerializer):
    """The places of a sale and their tariffs: one for all (`tariff`), or per seat, or per
    number of standing places."""

    cart_fields = PLACE_FIELDS + TARIFF_FIELDS

    tariff = CodeValue(required=True, help_text="Tariff code of every place without its own")
    seat_tariffs = SeatTariffsValue(help_text="seat id → tariff code")
    zone_tariffs = ZoneTariffsValue(
        help_text=(
            "standing places per tariff: zone id → {tariff code → number of places}; the "
            "numbers of a zone add up to its places in `zones` (with a `hold`: at most its "
            "places there, the rest taking `tariff`); the places of a zone left out take "
            "`tariff`"
        )
    )


# Per thread: the order input's fields, built once (see OrderInputSerializer.fields).
_BUILT_FIELDS = threading.local()


class ReservationInputSerializer(serializers.Serializer):
    pay_by = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text=(
            "Deadline (ISO 8601). Omitted: the venue's usual time. Capped at the venue's "
            "cut-off before the performance; past it the seats go back on sale."
        ),
    )


class InvitationInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=InvitationReason.choices)
    invited_by = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="Contact id of who invites",
    )


WAYS = ("payment", "reservation", "invitation")


class OrderInputSerializer(TariffsInputSerializer):
    """Either `hold` (a token from POST /holds/, then no performance nor places) or the
    places themselves (hold and confirm in one call). Exactly one of `payment` (a sale),
    `reservation` (seats taken, to pay by a deadline: the order stays pending) or
    `invitation` (free tickets, with the reason; `buyer` is the guest)."""

    cart_fields = (*TariffsInputSerializer.cart_fields, "hold", "extras")

    @cached_property
    def fields(self):
        """The declared fields, deep-copied and bound once per thread rather than for each
        request (DRF copies them for every serializer instance: a tenth of an order's time
        in a rush). Validating keeps no state in a field, one thread validates one request
        at a time, and a field finds its serializer (context, root) through `parent`."""
        built = getattr(_BUILT_FIELDS, "order_input", None)
        if built is None:
            built = serializers.Serializer.fields.func(self)
            _BUILT_FIELDS.order_input = built
        for field in built.values():
            field.parent = self
        return built

    hold = serializers.UUIDField(required=False, allow_null=True, help_text="A hold's token")
    extras = ExtrasValue(
        help_text="Extras sold with the tickets (drinks, parking…): extra id → quantity"
    )
    buyer = BuyerSerializer(required=False)
    payment = PaymentInputSerializer(required=False)
    reservation = ReservationInputSerializer(required=False)
    invitation = InvitationInputSerializer(required=False)

    def to_internal_value(self, data):
        """Exactly one way (payment, reservation, invitation): said with the fields' own
        errors, as a missing required field would be."""
        given = [k for k in WAYS if isinstance(data, Mapping) and data.get(k) is not None]
        problem = {}
        if not given:
            problem = {"payment": [ErrorDetail("This field is required.", code="required")]}
        elif len(given) > 1:
            problem = {
                "payment": [
                    ErrorDetail(
                        "Give exactly one of payment, reservation or invitation.", code="one_of"
                    )
                ]
            }
        elif given[0] != "payment" and data.get("hold"):
            problem = {
                given[0]: [
                    ErrorDetail(
                        "A reservation or an invitation takes the places directly: no hold.",
                        code="no_hold",
                    )
                ]
            }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if problem and isinstance(error.detail, dict):
                raise serializers.ValidationError({**problem, **error.detail}) from None
            raise
        if problem:
            raise serializers.ValidationError(problem)
        return value


class TicketSerializer(serializers.ModelSerializer):
    seat = serializers.CharField(source="seat.label", default=None)
    tariff = serializers.CharField(source="tariff.code")

    class Meta:
        model = Ticket
        fields = [
            "id",
            "performance_id",
            "seat",
            "performance_zone_id",
            "tariff",
            "price_cents",
            "fee_cents",
            "status",
            "code",
        ]

    def to_representation(self, ticket):
        """What the declared fields give (tests/ticketing/test_api_fast_output.py compares),
        without building DRF fields per instance: an order's answer is on the hot path."""
        return {
            "id": ticket.pk,
            "performance_id": ticket.performance_id,
            "seat": ticket.seat.label if ticket.seat_id else None,
            "performance_zone_id": ticket.performance_zone_id,
            "tariff": ticket.tariff.code,
            "price_cents": ticket.price_cents,
            "fee_cents": ticket.fee_cents,
            "status": ticket.status,
            "code": ticket.code,
        }


_DATETIME = serializers.DateTimeField()


class OrderExtraSerializer(serializers.ModelSerializer):
    extra = serializers.IntegerField(source="extra_id")
    name = serializers.CharField(source="extra.name")

    class Meta:
        model = OrderExtra
        fields = ["id", "extra", "name", "quantity", "unit_price_cents", "tax_rate_bp", "status"]

    def to_representation(self, line):
        return {
            "id": line.pk,
            "extra": line.extra_id,
            "name": line.extra.name,
            "quantity": line.quantity,
            "unit_price_cents": line.unit_price_cents,
            "tax_rate_bp": line.tax_rate_bp,
            "status": line.status,
        }


_EXTRA = OrderExtraSerializer()


class OrderSerializer(serializers.ModelSerializer):
    tickets = TicketSerializer(many=True, read_only=True)
    extras = OrderExtraSerializer(many=True, read_only=True)
    contact = serializers.IntegerField(source="contact_id", allow_null=True)

    class Meta:
        model = Order
        fields = [
            "reference",
            "status",
            "channel",
            "contact",
            "currency",
            "total_cents",
            "fee_cents",
            "refunded_cents",
            "created_at",
            "paid_at",
            "pay_by",
            "invitation_reason",
            "invited_by",
            "tickets",
            "extras",
        ]

    def to_representation(self, order):
        """Same as TicketSerializer.to_representation: the declared fields' answer, faster."""
        tickets = TicketSerializer()
        return {
            "reference": order.reference,
            "status": order.status,
            "channel": order.channel,
            "contact": order.contact_id,
            "currency": order.currency,
            "total_cents": order.total_cents,
            "fee_cents": order.fee_cents,
            "refunded_cents": order.refunded_cents,
            "created_at": _DATETIME.to_representation(order.created_at),
            "paid_at": _DATETIME.to_representation(order.paid_at) if order.paid_at else None,
            "pay_by": _DATETIME.to_representation(order.pay_by) if order.pay_by else None,
            "invitation_reason": order.invitation_reason,
            "invited_by": order.invited_by_id,
            "tickets": [tickets.to_representation(t) for t in order.tickets_in_hand()],
            "extras": [_EXTRA.to_representation(e) for e in order.extras_in_hand()],
        }


class RefundInputSerializer(serializers.Serializer):
    tickets = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=200,
        required=False,
        allow_null=True,
        default=None,
        help_text="omit: all",
    )
    method = serializers.ChoiceField(choices=Payment.Method.choices, default="cash")
    include_fees = serializers.BooleanField(default=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class ExchangeInputSerializer(TariffsInputSerializer):
    tickets = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        min_length=1,
        max_length=MAX_PER_HOLD,
    )
    payment = PaymentInputSerializer(required=False)
