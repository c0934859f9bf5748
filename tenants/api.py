"""Venue API basics: who am I, the venue profile, the staff list; and the error format."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from tenants.accounts.models import User
from tenants.errors import ParterreError
from tenants.models import Venue


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


def exception_handler(exc, context):
    """Domain errors become `{"code", "detail", "field"}` with their HTTP status."""
    if isinstance(exc, ParterreError):
        body = {"code": exc.code, "detail": exc.message}
        if exc.field:
            body["field"] = exc.field
        return Response(body, status=exc.http_status)
    return drf_exception_handler(exc, context)


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
