"""Webhook API (/api/v1/webhooks/…), for venue admins (capability `webhooks.manage`).

Errors follow the API's format (tenants.api.exception_handler): 400 `invalid` for a field's
type or length, 400 `webhooks.*` for what the webhook rules refuse (an address that is not
public HTTPS, an unknown event type…), 404 `not_found` for anything not in this venue (the host
picks the venue's schema: another venue's endpoints and deliveries do not exist here).
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.api import error_responses

from . import catalogue, selectors
from .models import WebhookDelivery, WebhookEndpoint
from .services import webhooks as services

# --- Serializers --------------------------------------------------------------------------
# The URL and the event codes are checked by the service's own rules (one owner), whose
# ValidationFailed reaches the API's error handler with its specific code.


class WebhookInputSerializer(serializers.Serializer):
    url = serializers.CharField(
        help_text="HTTPS URL receiving the POSTs (500 characters at most; public addresses only)",
        trim_whitespace=True,
    )
    event_codes = serializers.ListField(
        child=serializers.CharField(),
        help_text="Event codes of the catalogue (docs/events.md), or patterns such as "
        f"`ticketing.order.*`. Codes: {', '.join(catalogue.EVENT_TYPES)}",
    )
    description = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    active = serializers.BooleanField(required=False, default=True)

    def validate_url(self, value: str) -> str:
        return services.clean_url(value)

    def validate_event_codes(self, value: list) -> list:
        return services.clean_event_codes(value)


class WebhookSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "event_codes", "active", "created_at", "updated_at"]


class WebhookWithSecretSerializer(WebhookSerializer):
    secret = serializers.CharField(
        help_text="Signing secret: HMAC-SHA256 key of the Parterre-Signature header"
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class DeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.IntegerField()
    event_code = serializers.CharField(source="event.code")
    occurred_at = serializers.DateTimeField(source="event.occurred_at")

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint_id",
            "event_id",
            "event_code",
            "occurred_at",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "last_attempt_at",
            "next_attempt_at",
            "delivered_at",
            "created_at",
        ]


def _valid(serializer: serializers.Serializer) -> dict:
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _endpoint(pk: int) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint, pk=pk)


# --- Views --------------------------------------------------------------------------------
class WebhookList(generics.ListAPIView):
    capability = "webhooks.manage"
    serializer_class = WebhookSerializer

    def get_queryset(self):
        return WebhookEndpoint.objects.order_by("id")

    @extend_schema(summary="Webhook endpoints")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=WebhookInputSerializer,
        responses={201: WebhookWithSecretSerializer, **error_responses(400)},
        summary="Register an endpoint (the answer shows its signing secret)",
    )
    def post(self, request):
        data = _valid(WebhookInputSerializer(data=request.data))
        endpoint = services.create_webhook_endpoint(
            url=data["url"],
            event_codes=data["event_codes"],
            description=data["description"],
            active=data["active"],
            actor=request.user,
        )
        return Response(WebhookWithSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class WebhookDetail(APIView):
    capability = "webhooks.manage"

    @extend_schema(
        responses={200: WebhookWithSecretSerializer, **error_responses(404)},
        summary="One endpoint, with its signing secret",
    )
    def get(self, request, pk: int):
        return Response(WebhookWithSecretSerializer(_endpoint(pk)).data)

    @extend_schema(
        request=WebhookInputSerializer(partial=True),
        responses={200: WebhookSerializer, **error_responses(400, 404)},
        summary="Change an endpoint's URL, events, description or active flag",
    )
    def patch(self, request, pk: int):
        endpoint = _endpoint(pk)
        data = _valid(WebhookInputSerializer(data=request.data, partial=True))
        endpoint = services.update_webhook_endpoint(
            endpoint=endpoint,
            url=data.get("url"),
            event_codes=data.get("event_codes"),
            description=data.get("description"),
            active=data.get("active"),
            actor=request.user,
        )
        return Response(WebhookSerializer(endpoint).data)

    @extend_schema(responses={204: None, **error_responses(404)}, summary="Delete an endpoint")
    def delete(self, request, pk: int):
        services.delete_webhook_endpoint(endpoint=_endpoint(pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveries(generics.ListAPIView):
    capability = "webhooks.manage"
    serializer_class = DeliverySerializer

    def get_queryset(self):
        return selectors.endpoint_deliveries(_endpoint(self.kwargs["pk"]))

    @extend_schema(
        responses={200: DeliverySerializer(many=True), **error_responses(404)},
        summary="An endpoint's delivery log, newest first",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DeliveryResend(APIView):
    capability = "webhooks.manage"

    @extend_schema(
        request=None,
        responses={202: DeliverySerializer, **error_responses(404)},
        summary="Send a delivery again now (a new 24-hour series of retries)",
    )
    def post(self, request, pk: int):
        delivery = get_object_or_404(WebhookDelivery, pk=pk)
        delivery = services.resend_webhook_delivery(delivery=delivery, actor=request.user)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
