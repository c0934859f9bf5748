"""Venue API basics: who am I, the venue profile, the staff list; the API's root and its
error format (its JSON parser: tenants.parsers).

Every error answers `{"code", "detail"}` (+ `field`, the offending input, and for
validation errors `errors`, every field's messages), never HTML and never more than a short
excerpt of what was sent."""

import re

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView, set_rollback
from rest_framework.views import exception_handler as drf_exception_handler

from tenants.accounts.models import User
from tenants.errors import ParterreError
from tenants.models import Venue

ECHO_CHARS = 200  # the longest text an error repeats (a message, or what was sent)
ECHO_KEY_CHARS = 100  # the longest key (e.g. a zone id as sent) an error repeats


class VenueTokenScheme(OpenApiAuthenticationExtension):
    target_class = "tenants.accounts.api_auth.VenueTokenAuthentication"
    name = "venueToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`; keys are created in the venue's settings.",
        }


# --- Errors -------------------------------------------------------------------------------
class ErrorSerializer(serializers.Serializer):
    """Every error of the API."""

    code = serializers.CharField(
        help_text="Stable code: `invalid` (see `errors`), `parse_error`, `not_found`, "
        "`ticketing.cart.unknown_tariff`, `ticketing.seats_unavailable`…"
    )
    detail = serializers.CharField(help_text="What went wrong, in the request's language")
    field = serializers.CharField(
        required=False, help_text="The offending input field (a dotted path), if one"
    )
    errors = serializers.DictField(
        required=False, help_text="Validation errors only: every field's messages"
    )


ERROR_DESCRIPTIONS = {
    400: "Bad input: nothing was changed",
    404: "Not found in this venue",
    409: "Refused in the current state (seats just taken, hold expired, not on sale…)",
    413: "Body too large",
}


def error_responses(*statuses: int) -> dict:
    """`extend_schema(responses=…)` entries for these error statuses."""
    return {
        code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
        for code in statuses
    }


def shorten(text: str, limit: int = ECHO_CHARS) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _bounded(value):
    """The error body with every text and key cut to what may be echoed."""
    if isinstance(value, dict):
        return {shorten(str(k), ECHO_KEY_CHARS): _bounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_bounded(v) for v in value]
    return shorten(value) if isinstance(value, str) else value


def _first_error(detail, path=()) -> tuple[str | None, str]:
    """(dotted field path, message) of the first validation error."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            inner = () if key == "non_field_errors" else (str(key),)
            return _first_error(value, path + inner)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            # A list of messages names its field; a list of objects gives the item's index.
            inner = (str(index),) if isinstance(value, dict | list) else ()
            return _first_error(value, path + inner)
    return ".".join(path) or None, str(detail)


def exception_handler(exc, context):
    """Domain errors and DRF's alike become `{"code", "detail"[, "field"][, "errors"]}`
    with their HTTP status."""
    if isinstance(exc, ParterreError):
        set_rollback()
        body = {"code": exc.code, "detail": exc.message}
        if exc.field:
            body["field"] = exc.field
        return Response(_bounded(body), status=exc.http_status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        field, message = _first_error(exc.detail)
        body = {"code": "invalid", "detail": message, "errors": response.data}
        if field:
            body["field"] = field
    else:
        codes = exc.get_codes()
        body = {"code": codes if isinstance(codes, str) else "error", "detail": str(exc.detail)}
    response.data = _bounded(body)
    return response


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Any address under /api/v1/ that names no endpoint: a JSON 404, not the site's page."""
    detail = _("There is no API endpoint at this address: GET /api/v1/ lists them.")
    if not request.path_info.endswith("/"):
        try:
            match = resolve(f"{request.path_info}/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            detail = _("Did you mean %(path)s/ (with a slash at the end)?") % {
                "path": shorten(request.path, 100)
            }
    return JsonResponse({"code": "not_found", "detail": detail}, status=404)


# --- Root ---------------------------------------------------------------------------------
class EndpointSerializer(serializers.Serializer):
    name = serializers.CharField()
    href = serializers.CharField(help_text="Absolute address; `{id}`-style parts to fill in")


class ApiRootSerializer(serializers.Serializer):
    name = serializers.CharField()
    version = serializers.CharField()
    schema = serializers.URLField(help_text="The OpenAPI schema")
    docs = serializers.URLField(help_text="The schema, readable")
    endpoints = EndpointSerializer(many=True)


_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


class ApiRoot(APIView):
    """The endpoints of this version, with links. `patterns`: the URL patterns it lists
    (given by config.urls, which mounts them under /api/v1/)."""

    permission_classes = [AllowAny]
    patterns: tuple = ()

    @extend_schema(responses=ApiRootSerializer, summary="The endpoints of the API, with links")
    def get(self, request):
        base = request.build_absolute_uri("/api/v1/")
        endpoints = [
            {"name": pattern.name, "href": base + _PARAMETER.sub(r"{\1}", str(pattern.pattern))}
            for pattern in self.patterns
            if pattern.name
        ]
        return Response(
            {
                "name": settings.SPECTACULAR_SETTINGS["TITLE"],
                "version": settings.SPECTACULAR_SETTINGS["VERSION"],
                "schema": request.build_absolute_uri("/api/schema/"),
                "docs": request.build_absolute_uri("/api/docs/"),
                "endpoints": endpoints,
            }
        )


# --- Venue and staff ----------------------------------------------------------------------
class StaffSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name", "role", "is_active", "last_login"]


class VenueSerializer(serializers.ModelSerializer):
    class Meta:
        model = Venue
        fields = [
            "name",
            "slug",
            "street",
            "postcode",
            "city",
            "country",
            "timezone",
            "currency",
            "locale",
            "contact_email",
            "contact_phone",
            "website",
            "accent_color",
        ]


class MeView(APIView):
    capability = "backoffice.view"

    @extend_schema(responses=StaffSerializer, summary="The authenticated staff member")
    def get(self, request):
        return Response(StaffSerializer(request.user).data)


class VenueView(APIView):
    capability = "backoffice.view"

    @extend_schema(responses=VenueSerializer, summary="The venue the host names")
    def get(self, request):
        return Response(VenueSerializer(request.tenant).data)


class StaffListView(generics.ListAPIView):
    capability = "staff.manage"
    serializer_class = StaffSerializer
    queryset = User.objects.all()
