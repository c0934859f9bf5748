"""Ticketing API (/api/v1/): shows, performances with live availability, holds, orders.

Errors: 400 with field errors for bad input, 409 with a message when seats are taken or a
hold expired, 404 for anything not in this venue (the host picks the venue's schema, so
another venue's objects simply do not exist here).
"""

import threading

from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from ticketing import selectors
from ticketing.models import Hold, Order, Payment, Performance, Show, Tariff, Ticket
from ticketing.services import inventory, orders
from ticketing.services.inventory import HoldRequest
from ticketing.services.orders import Buyer, PaymentSpec, TariffChoice


# --- Serializers -------------------------------------------------------------------------
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


class HoldInputSerializer(serializers.Serializer):
    performance = serializers.IntegerField()
    seats = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    best_available = serializers.IntegerField(required=False, default=0, min_value=0)
    category = serializers.IntegerField(required=False, allow_null=True, default=None)
    zones = serializers.DictField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=dict,
        help_text="zone id → number of places",
    )
    wheelchair = serializers.IntegerField(required=False, default=0, min_value=0)

    def to_request(self) -> HoldRequest:
        data = self.validated_data
        try:
            zones = {int(k): v for k, v in data["zones"].items()}
        except ValueError as exc:
            raise serializers.ValidationError({"zones": _("Zone ids must be integers.")}) from exc
        return HoldRequest(
            seat_ids=data["seats"],
            zones=zones,
            best_available=data["best_available"],
            category_id=data["category"],
            wheelchair=data["wheelchair"],
        )


class HoldSerializer(serializers.ModelSerializer):
    seats = serializers.SerializerMethodField()

    class Meta:
        model = Hold
        fields = ["token", "performance", "status", "expires_at", "seats"]

    def get_seats(self, hold) -> list[int]:
        return list(hold.seats.values_list("seat_id", flat=True))


class BuyerSerializer(serializers.Serializer):
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    first_name = serializers.CharField(required=False, allow_blank=True, default="")
    last_name = serializers.CharField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(required=False, allow_blank=True, default="")
    postcode = serializers.CharField(required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(choices=["fr", "en"], required=False, default="fr")
    newsletter = serializers.BooleanField(required=False, allow_null=True, default=None)


class PaymentInputSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=Payment.Method.choices)
    amount_cents = serializers.IntegerField(
        required=False, min_value=1, help_text="Omit to pay exactly the total"
    )
    reference = serializers.CharField(required=False, allow_blank=True, default="")


def _check_zone_tariffs(attrs):
    """Each split names a zone of the request, and its numbers add up to that zone's places."""
    try:
        zones = {int(k): v for k, v in attrs.get("zones", {}).items()}
        splits = {int(k): v for k, v in attrs.get("zone_tariffs", {}).items()}
    except ValueError as exc:
        raise serializers.ValidationError(
            {"zone_tariffs": _("Zone ids must be integers.")}
        ) from exc
    for zone_id, split in splits.items():
        if sum(split.values()) != zones.get(zone_id, 0):
            raise serializers.ValidationError(
                {
                    "zone_tariffs": _(
                        "Zone %(zone)s: %(asked)s places at these tariffs for %(held)s asked."
                    )
                    % {"zone": zone_id, "asked": sum(split.values()), "held": zones.get(zone_id, 0)}
                }
            )
    return attrs


class TariffsInputSerializer(HoldInputSerializer):
    """The places of a sale and their tariffs: one for all (`tariff`), or per seat, or per
    number of standing places."""

    tariff = serializers.SlugField(help_text="Tariff code for every place without its own")
    seat_tariffs = serializers.DictField(
        child=serializers.SlugField(),
        required=False,
        default=dict,
        help_text="seat id → tariff code",
    )
    zone_tariffs = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField(min_value=1)),
        required=False,
        default=dict,
        help_text=(
            "standing places per tariff: zone id → {tariff code → number of places}; the "
            "numbers of a zone add up to its places in `zones` (with a `hold`: at most its "
            "places there); the places of a zone left out take `tariff`"
        ),
    )


# Per thread: the order input's fields, built once (see OrderInputSerializer.fields).
_BUILT_FIELDS = threading.local()


class OrderInputSerializer(TariffsInputSerializer):
    """Either `hold` (a token from POST /holds/) or the places themselves (hold + confirm
    in one call)."""

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

    performance = serializers.IntegerField(required=False)
    hold = serializers.UUIDField(required=False)
    buyer = BuyerSerializer(required=False)
    payment = PaymentInputSerializer()

    def validate(self, attrs):
        if not attrs.get("hold") and not attrs.get("performance"):
            raise serializers.ValidationError({"performance": _("Give a hold or a performance.")})
        # With a hold, its zones are known only to the service (which refuses an overflow).
        return attrs if attrs.get("hold") else _check_zone_tariffs(attrs)


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


class OrderSerializer(serializers.ModelSerializer):
    tickets = TicketSerializer(many=True, read_only=True)
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
            "tickets",
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
            "tickets": [tickets.to_representation(t) for t in order.tickets.all()],
        }


class RefundInputSerializer(serializers.Serializer):
    tickets = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        allow_null=True,
        default=None,
        help_text="omit: all",
    )
    method = serializers.ChoiceField(choices=Payment.Method.choices, default="cash")
    include_fees = serializers.BooleanField(default=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ExchangeInputSerializer(TariffsInputSerializer):
    tickets = serializers.ListField(child=serializers.IntegerField(), min_length=1)
    payment = PaymentInputSerializer(required=False)

    def validate(self, attrs):
        return _check_zone_tariffs(attrs)


# --- Helpers -------------------------------------------------------------------------------
def _zone_codes(data) -> set[str]:
    return {code for split in (data.get("zone_tariffs") or {}).values() for code in split}


def _tariff_codes(data) -> set[str]:
    return {data["tariff"], *(data.get("seat_tariffs") or {}).values(), *_zone_codes(data)}


def _tariff_choice(data, ids: dict[str, int]) -> TariffChoice:
    missing = {data["tariff"], *(data.get("seat_tariffs") or {}).values()} - set(ids)
    if missing:
        raise serializers.ValidationError(
            {"tariff": _("Unknown tariff(s): %(codes)s.") % {"codes": sorted(missing)}}
        )
    missing = _zone_codes(data) - set(ids)
    if missing:
        raise serializers.ValidationError(
            {"zone_tariffs": _("Unknown tariff(s): %(codes)s.") % {"codes": sorted(missing)}}
        )
    try:
        seats = {int(seat): ids[code] for seat, code in (data.get("seat_tariffs") or {}).items()}
    except ValueError as exc:
        raise serializers.ValidationError(
            {"seat_tariffs": _("Seat ids must be integers.")}
        ) from exc
    try:
        zones = {
            int(zone): {ids[code]: n for code, n in split.items()}
            for zone, split in (data.get("zone_tariffs") or {}).items()
        }
    except ValueError as exc:
        raise serializers.ValidationError(
            {"zone_tariffs": _("Zone ids must be integers.")}
        ) from exc
    return TariffChoice(default=ids[data["tariff"]], seats=seats, zones=zones)


def _tariffs(data) -> TariffChoice:
    codes = _tariff_codes(data)
    ids = dict(Tariff.objects.filter(code__in=codes, is_active=True).values_list("code", "pk"))
    return _tariff_choice(data, ids)


def _sale(data) -> tuple[Performance, TariffChoice, dict | None]:
    """The performance, the tariffs asked for and their prices there, in one query (the hot
    path of an on-sale rush). When something is missing, the usual lookups say what: 404,
    unknown tariff, or (from the service) no price for these places."""
    prices = orders.sale_prices(performance_id=data["performance"], codes=_tariff_codes(data))
    ids = {p.tariff.code: p.tariff_id for p in prices}
    if not prices or set(ids) != _tariff_codes(data):
        performance = get_object_or_404(
            Performance.objects.select_related("layout", "show"), pk=data["performance"]
        )
        return performance, _tariffs(data), None
    by_key = {(p.category_id, p.tariff_id): p for p in prices}
    return prices[0].category.performance, _tariff_choice(data, ids), by_key


def _channel(request) -> str:
    return "api"


def _performance(pk: int) -> Performance:
    return get_object_or_404(Performance.objects.select_related("layout"), pk=pk)


# --- Views ---------------------------------------------------------------------------------
class ShowList(generics.ListAPIView):
    capability = "sales.view"
    serializer_class = ShowSerializer
    queryset = Show.objects.all()


class PerformanceList(generics.ListAPIView):
    capability = "sales.view"
    serializer_class = PerformanceSerializer

    def get_queryset(self):
        qs = Performance.objects.select_related("show", "layout__hall").order_by("starts_at")
        show = self.request.query_params.get("show")
        return qs.filter(show_id=show) if show and show.isdigit() else qs


class PerformanceAvailability(APIView):
    capability = "sales.view"

    @extend_schema(
        responses=CategoryAvailabilitySerializer(many=True),
        summary="Free places and prices per category",
    )
    def get(self, request, pk: int):
        return Response(selectors.category_availability(_performance(pk)))


class PerformanceSeats(APIView):
    capability = "sales.view"

    @extend_schema(responses=SeatStateSerializer(many=True), summary="Live status of every seat")
    def get(self, request, pk: int):
        return Response(selectors.seat_map(_performance(pk)))


class HoldCreate(APIView):
    capability = "sales.sell"

    @extend_schema(
        request=HoldInputSerializer,
        responses={201: HoldSerializer},
        summary="Reserve seats/places for a few minutes",
    )
    def post(self, request):
        data = HoldInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hold = inventory.create_hold(
            performance=_performance(data.validated_data["performance"]),
            request=data.to_request(),
            channel=_channel(request),
            actor=request.user,
        )
        return Response(HoldSerializer(hold).data, status=status.HTTP_201_CREATED)


class HoldDetail(APIView):
    capability = "sales.sell"

    @extend_schema(responses=HoldSerializer, summary="A hold and its seats")
    def get(self, request, token):
        return Response(HoldSerializer(get_object_or_404(Hold, token=token)).data)

    @extend_schema(responses={204: None}, summary="Give the seats back")
    def delete(self, request, token):
        inventory.release_hold(hold=get_object_or_404(Hold, token=token), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrderCreate(APIView):
    capability = "sales.sell"

    @extend_schema(
        request=OrderInputSerializer,
        responses={201: OrderSerializer},
        summary="Confirm a hold, or hold and confirm in one call, and pay",
    )
    def post(self, request):
        data = OrderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        payment = values["payment"]
        payments = (
            [PaymentSpec(payment["method"], payment["amount_cents"], payment["reference"])]
            if payment.get("amount_cents")
            else []
        )
        common = {
            "buyer": Buyer(**values["buyer"]) if values.get("buyer") else None,
            "payments": payments,
            "channel": _channel(request),
            "actor": request.user,
            "pay_total_with": "" if payments else payment["method"],
        }
        if values.get("hold"):
            order = orders.confirm_order(
                hold_token=values["hold"], tariffs=_tariffs(values), **common
            )
        else:
            performance, tariffs, prices = _sale(values)
            order = orders.sell(
                performance=performance,
                request=data.to_request(),
                tariffs=tariffs,
                prices=prices,
                **common,
            )
        # The service hands the order back with its tickets (seats, tariffs) in hand.
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)


def _order(reference: str) -> Order:
    return get_object_or_404(
        Order.objects.prefetch_related("tickets__seat", "tickets__tariff"), reference=reference
    )


class OrderDetail(APIView):
    capability = "sales.view"

    @extend_schema(responses=OrderSerializer, summary="An order with its tickets")
    def get(self, request, reference: str):
        return Response(OrderSerializer(_order(reference)).data)


class OrderCancel(APIView):
    capability = "sales.sell"

    @extend_schema(request=None, responses=OrderSerializer, summary="Cancel an unpaid order")
    def post(self, request, reference: str):
        orders.cancel_order(order=_order(reference), actor=request.user)
        return Response(OrderSerializer(_order(reference)).data)


class OrderRefund(APIView):
    capability = "sales.sell"

    @extend_schema(
        request=RefundInputSerializer,
        responses=OrderSerializer,
        summary="Refund all or some tickets; their seats go back on sale",
    )
    def post(self, request, reference: str):
        data = RefundInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        orders.refund_order(
            order=_order(reference),
            ticket_ids=v["tickets"],
            method=v["method"],
            include_fees=v["include_fees"],
            reason=v["reason"],
            actor=request.user,
        )
        return Response(OrderSerializer(_order(reference)).data)


class OrderExchange(APIView):
    capability = "sales.sell"

    @extend_schema(
        request=ExchangeInputSerializer,
        responses=OrderSerializer,
        summary="Move tickets to another performance",
    )
    def post(self, request, reference: str):
        data = ExchangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        payment = v.get("payment")
        orders.exchange_tickets(
            order=_order(reference),
            ticket_ids=v["tickets"],
            to_performance=_performance(v["performance"]),
            request=data.to_request(),
            tariffs=_tariffs(v),
            actor=request.user,
            payment=(
                PaymentSpec(
                    payment["method"], payment.get("amount_cents") or 0, payment["reference"]
                )
                if payment
                else None
            ),
        )
        return Response(OrderSerializer(_order(reference)).data)
