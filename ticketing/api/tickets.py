"""Ticket documents in the API: what door devices download (the venue's public key and the
revocation list), an order's tickets as PDF, sending them again."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import translation
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.api import error_responses
from ticketing.models import OrderEmail, Performance
from ticketing.selectors import tickets as ticket_selectors
from ticketing.services import tickets as ticket_services
from ticketing.tickets.emails import email_language
from ticketing.tickets.pdf import LAYOUTS, pdf_filename, render_tickets_pdf

from .views import _order

MAX_INT = 2**63 - 1


class PublicKeySerializer(serializers.Serializer):
    format = serializers.CharField()
    algorithm = serializers.CharField()
    key_id = serializers.CharField(help_text="hex; the 4 bytes after the version in every QR")
    public_key = serializers.CharField(help_text="raw 32-byte Ed25519 key, base64url")
    generated_at = serializers.DateTimeField()


class BundleTicketSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code_hash = serializers.CharField(
        help_text="hex of the first 16 bytes of SHA-256 of the ticket's typed code"
    )
    label = serializers.CharField(help_text="seat or zone")
    tariff = serializers.CharField()
    first_time = serializers.BooleanField(help_text="the attendee never came before")
    checked_in_at = serializers.DateTimeField(allow_null=True)


class DoorBundleSerializer(PublicKeySerializer):
    performance_id = serializers.IntegerField()
    since = serializers.DateTimeField(allow_null=True)
    revoked_ticket_ids = serializers.ListField(child=serializers.IntegerField())
    tickets = BundleTicketSerializer(
        many=True, help_text="the tickets that open the door (with `since`: sold or let in since)"
    )


class ResendInputSerializer(serializers.Serializer):
    to = serializers.EmailField(required=False, allow_blank=True, max_length=254, default="")


class OrderEmailSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderEmail
        fields = ["id", "kind", "status", "to", "attempts", "created_at", "sent_at"]


class TicketPublicKey(APIView):
    capability = "sales.view"

    @extend_schema(
        responses={200: PublicKeySerializer},
        summary="The venue's public key that verifies ticket QR codes offline",
    )
    def get(self, request):
        return Response(ticket_selectors.door_bundle())


class DoorBundle(APIView):
    """For a door device before it goes offline: public key, the performance's revoked
    tickets and the tickets that open the door (all of them, or what changed since `since`)."""

    capability = "sales.view"

    @extend_schema(
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATETIME, required=False),
        ],
        responses={200: DoorBundleSerializer, **error_responses(400, 404)},
        summary="Door bundle: public key, revocation list and tickets of a performance",
    )
    def get(self, request, pk: int):
        if pk > MAX_INT or not Performance.objects.filter(pk=pk).exists():
            raise NotFound
        since = None
        if request.query_params.get("since"):
            try:
                since = parse_datetime(request.query_params["since"][:40])
            except ValueError:  # well formed but impossible, e.g. month 13
                since = None
            if since is None or since.tzinfo is None:
                raise ValidationError({"since": "An ISO 8601 date-time with a time zone."})
        return Response(ticket_selectors.door_bundle(pk, since))


class OrderTicketsPdf(APIView):
    capability = "sales.view"

    @extend_schema(
        parameters=[OpenApiParameter("layout", str, enum=list(LAYOUTS), required=False)],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            **error_responses(404),
        },
        summary="The order's valid tickets as a PDF, one per page",
    )
    def get(self, request, reference: str):
        order = _order(reference)
        tickets = ticket_selectors.order_documents(order)
        if not tickets:
            raise NotFound
        layout = request.query_params.get("layout", "a4")
        layout = layout if layout in LAYOUTS else "a4"
        with translation.override(email_language(order)):
            pdf = render_tickets_pdf(
                order, tickets, ticket_selectors.active_promotions(), layout=layout
            )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{pdf_filename(order, layout)}"'
        return response


class OrderResend(APIView):
    capability = "sales.sell"

    @extend_schema(
        request=ResendInputSerializer,
        responses={202: OrderEmailSerializer, **error_responses(400, 404)},
        summary="Email the order's tickets again (to the buyer, or to `to`)",
    )
    def post(self, request, reference: str):
        serializer = ResendInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = ticket_services.resend_tickets(
            order=_order(reference), to=serializer.validated_data["to"], actor=request.user
        )
        return Response(OrderEmailSerializer(email).data, status=status.HTTP_202_ACCEPTED)
