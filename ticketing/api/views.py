"""Ticketing API views (/api/v1/): shows, performances with live availability, holds,
orders. Each parses its input (serializers; places and tariffs through the one cart parser),
calls one service and answers.

Errors (tenants.api): 400 for bad input (nothing changed), 409 when seats are taken or a
hold expired, 404 for anything not in this venue (the host picks the venue's schema, so
another venue's objects simply do not exist here); always `{"code", "detail", "field"?}`.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.api import error_responses
from ticketing import selectors
from ticketing.carts import parse_cart
from ticketing.models import Hold, Order, Performance, Show
from ticketing.services import inventory, orders
from ticketing.specs import Buyer, PaymentSpec

from .serializers import (
    CategoryAvailabilitySerializer,
    ExchangeInputSerializer,
    HoldInputSerializer,
    HoldSerializer,
    OrderInputSerializer,
    OrderSerializer,
    PerformanceSerializer,
    RefundInputSerializer,
    SeatStateSerializer,
    ShowSerializer,
)

CHANNEL = "api"


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer


def _performance(pk: int) -> Performance:
    return get_object_or_404(Performance.objects.select_related("layout"), pk=pk)


REFERENCE_MAX_LENGTH = Order._meta.get_field("reference").max_length


def _order(reference: str) -> Order:
    if len(reference) > REFERENCE_MAX_LENGTH or "\x00" in reference:
        raise Http404  # (no such reference; PostgreSQL would refuse a NUL byte)
    return get_object_or_404(
        Order.objects.prefetch_related("tickets__seat", "tickets__tariff", "extras__extra"),
        reference=reference,
    )


def _payment(data: dict | None) -> PaymentSpec | None:
    """The payment asked for; no amount: whatever is due."""
    if not data:
        return None
    return PaymentSpec(data["method"], data.get("amount_cents"), data["reference"])


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
        return qs.filter(show_id=show) if show and show.isdigit() and len(show) < 10 else qs


class PerformanceAvailability(APIView):
    capability = "sales.view"

    @extend_schema(
        responses={200: CategoryAvailabilitySerializer(many=True), **error_responses(404)},
        summary="Free places and prices per category",
    )
    def get(self, request, pk: int):
        return Response(selectors.category_availability(_performance(pk)))


class PerformanceSeats(APIView):
    capability = "sales.view"

    @extend_schema(
        responses={200: SeatStateSerializer(many=True), **error_responses(404)},
        summary="Live status of every seat",
    )
    def get(self, request, pk: int):
        return Response(selectors.seat_map(_performance(pk)))


class HoldCreate(APIView):
    capability = "sales.sell"

    @extend_schema(
        request=HoldInputSerializer,
        responses={201: HoldSerializer, **error_responses(400, 409, 413)},
        summary="Reserve seats/places for a few minutes",
    )
    def post(self, request):
        cart = parse_cart(_valid(HoldInputSerializer, request).cart_input())
        hold = inventory.create_hold(
            performance=cart.performance,
            request=cart.request,
            channel=CHANNEL,
            actor=request.user,
        )
        return Response(HoldSerializer(hold).data, status=status.HTTP_201_CREATED)


class HoldDetail(APIView):
    capability = "sales.sell"

    @extend_schema(responses={200: HoldSerializer, **error_responses(404)}, summary="A hold")
    def get(self, request, token):
        return Response(HoldSerializer(get_object_or_404(Hold, token=token)).data)

    @extend_schema(
        responses={204: None, **error_responses(404, 409)},
        summary="Give the seats back (an active hold only)",
    )
    def delete(self, request, token):
        inventory.release_hold(hold=get_object_or_404(Hold, token=token), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrderCreate(APIView):
    capability = "sales.sell"

    @extend_schema(
        request=OrderInputSerializer,
        responses={201: OrderSerializer, **error_responses(400, 409, 413)},
        summary=(
            "Confirm a hold, or hold and confirm in one call, and pay; or reserve (pay "
            "later, by a deadline) or invite (free tickets)"
        ),
    )
    def post(self, request):
        data = _valid(OrderInputSerializer, request)
        cart = parse_cart(data.cart_input())
        values = data.validated_data
        if values.get("reservation") is not None or values.get("invitation") is not None:
            order = _reserve_or_invite(request, cart, values)
            return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)
        common = {
            "buyer": Buyer(**values["buyer"]) if values.get("buyer") else None,
            "payments": [_payment(values["payment"])],
            "channel": CHANNEL,
            "actor": request.user,
            "extras": cart.extras,
        }
        if cart.hold:
            order = orders.confirm_order(hold_token=cart.hold, tariffs=cart.tariffs, **common)
        else:
            order = orders.sell(
                performance=cart.performance,
                request=cart.request,
                tariffs=cart.tariffs,
                prices=cart.prices,
                **common,
            )
        # The service hands the order back with its tickets (seats, tariffs) in hand.
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)


def _reserve_or_invite(request, cart, values) -> Order:
    """A reservation (pending until its deadline) or an invitation (free), places taken."""
    buyer = Buyer(**values["buyer"]) if values.get("buyer") else None
    common = {
        "performance": cart.performance,
        "request": cart.request,
        "tariffs": cart.tariffs,
        "actor": request.user,
        "prices": cart.prices,
        "channel": CHANNEL,
    }
    if values.get("reservation") is not None:
        return orders.reserve(
            buyer=buyer, pay_by=values["reservation"].get("pay_by"), extras=cart.extras, **common
        )
    invitation = values["invitation"]
    return orders.invite(
        guest=buyer,
        reason=invitation["reason"],
        invited_by_id=invitation.get("invited_by"),
        **common,
    )


class OrderDetail(APIView):
    capability = "sales.view"

    @extend_schema(
        responses={200: OrderSerializer, **error_responses(404)},
        summary="An order with its tickets",
    )
    def get(self, request, reference: str):
        return Response(OrderSerializer(_order(reference)).data)


class OrderCancel(APIView):
    capability = "sales.sell"

    @extend_schema(
        request=None,
        responses={200: OrderSerializer, **error_responses(400, 404, 409)},
        summary="Cancel an unpaid order",
    )
    def post(self, request, reference: str):
        orders.cancel_order(order=_order(reference), actor=request.user)
        return Response(OrderSerializer(_order(reference)).data)


class OrderRefund(APIView):
    capability = "sales.sell"

    @extend_schema(
        request=RefundInputSerializer,
        responses={200: OrderSerializer, **error_responses(400, 404, 409, 413)},
        summary="Refund all or some tickets; their seats go back on sale",
    )
    def post(self, request, reference: str):
        values = _valid(RefundInputSerializer, request).validated_data
        orders.refund_order(
            order=_order(reference),
            ticket_ids=values["tickets"],
            method=values["method"],
            include_fees=values["include_fees"],
            reason=values["reason"],
            actor=request.user,
        )
        return Response(OrderSerializer(_order(reference)).data)


class OrderExchange(APIView):
    capability = "sales.sell"

    @extend_schema(
        request=ExchangeInputSerializer,
        responses={200: OrderSerializer, **error_responses(400, 404, 409, 413)},
        summary="Move tickets to another performance",
    )
    def post(self, request, reference: str):
        order = _order(reference)
        data = _valid(ExchangeInputSerializer, request)
        cart = parse_cart(data.cart_input())
        orders.exchange_tickets(
            order=order,
            ticket_ids=data.validated_data["tickets"],
            to_performance=cart.performance,
            request=cart.request,
            tariffs=cart.tariffs,
            payment=_payment(data.validated_data.get("payment")),
            actor=request.user,
        )
        return Response(OrderSerializer(_order(reference)).data)
