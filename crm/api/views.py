"""Contacts API (/api/v1/): contacts (list with search and filters, create, read, update,
delete), their consents, exports, and imports (upload, progress, rejected rows). Thin:
parse, call one service, answer; errors as tenants.api formats them."""

import json

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from crm import contacts as contact_services
from crm.charter.selectors import charter_data
from crm.imports import exports
from crm.imports import services as imports
from crm.imports.models import ContactExport, ContactImport, ImportRow
from crm.imports.views import export_response
from crm.models import Contact
from crm.selectors import current_consents
from crm.services import set_consent
from tenants.api import error_responses
from tenants.parsers import JSONParser

from .serializers import (
    ConsentInputSerializer,
    ConsentSerializer,
    ContactCharterSerializer,
    ContactExportSerializer,
    ContactImportInputSerializer,
    ContactImportSerializer,
    ContactInputSerializer,
    ContactSerializer,
    ImportRowSerializer,
)

FILTERS = [
    OpenApiParameter("q", str, description="Name, email, phone or postcode (search)"),
    OpenApiParameter("department", str, description="Département code (75, 2A, 974…)"),
    OpenApiParameter("type", str, description="Contact type (spectator, press…)"),
    OpenApiParameter("consent", str, enum=["yes", "no", "unknown"]),
]


def _filters(request) -> dict:
    params = request.query_params
    segment = params.get("segment", "")
    return {
        "q": params.get("q", "")[:200],
        "department": params.get("department", "")[:3],
        "contact_type": params.get("type", "")[:20],
        "consent": params.get("consent", "")[:10],
        **({"segment": int(segment)} if segment.isdigit() and len(segment) < 10 else {}),
    }


def _filtered(request):
    return exports.filtered_contacts(**_filters(request))


def _valid(serializer_class, request, **kwargs):
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _contact(pk: int) -> Contact:
    return get_object_or_404(Contact.objects.filter(merged_into__isnull=True), pk=pk)


CHARTER_DESCRIPTION = (
    "The venue's data-entry charter applies (GET /api/v1/contacts/charter/ returns it): names "
    "are written as it says (capitalised, last name in capitals, or as typed), phones stored "
    "as E.164, the postcode tidied and its département derived. Its required fields must be "
    "filled on the contact once written (also by a PATCH), and its strict formats hold. A "
    "breach is a 400 whose `code` is `crm.charter.required` (`field` names the field), "
    "`crm.charter.email_or_phone`, `crm.charter.postcode_format` or `crm.phone_invalid`."
)


class ContactCharter(APIView):
    capability = "contacts.view"

    @extend_schema(
        responses={200: ContactCharterSerializer},
        summary="The venue's data-entry charter (required fields, formats, normalisation)",
    )
    def get(self, request):
        return Response(charter_data())


class ContactList(generics.ListCreateAPIView):
    read_capability = "contacts.view"
    write_capability = "contacts.manage"
    capability = "contacts.view"
    serializer_class = ContactSerializer

    def get_queryset(self):
        return _filtered(self.request)[0].order_by("last_name", "first_name", "id")

    @extend_schema(parameters=FILTERS, summary="Contacts, searched and filtered")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ContactInputSerializer,
        responses={201: ContactSerializer, **error_responses(400, 409)},
        summary="Create a contact (the venue's data-entry charter applies)",
        description=CHARTER_DESCRIPTION,
    )
    def post(self, request):
        contact = contact_services.create_contact(
            values=_valid(ContactInputSerializer, request), actor=request.user
        )
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)


class ContactDetail(APIView):
    read_capability = "contacts.view"
    write_capability = "contacts.manage"
    capability = "contacts.view"

    @extend_schema(responses={200: ContactSerializer, **error_responses(404)}, summary="A contact")
    def get(self, request, pk: int):
        return Response(ContactSerializer(_contact(pk)).data)

    @extend_schema(
        request=ContactInputSerializer,
        responses={200: ContactSerializer, **error_responses(400, 404, 409)},
        summary="Change some fields of a contact (the venue's data-entry charter applies)",
        description=CHARTER_DESCRIPTION,
    )
    def patch(self, request, pk: int):
        contact = contact_services.update_contact(
            contact=_contact(pk),
            values=_valid(ContactInputSerializer, request, partial=True),
            actor=request.user,
        )
        return Response(ContactSerializer(contact).data)

    @extend_schema(
        responses={204: None, **error_responses(404, 409)},
        summary="Delete a contact entered by mistake (one with a history: 409)",
    )
    def delete(self, request, pk: int):
        contact_services.delete_contact(contact=_contact(pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContactConsents(APIView):
    read_capability = "contacts.view"
    write_capability = "contacts.manage"
    capability = "contacts.view"

    @extend_schema(
        responses={200: ConsentSerializer(many=True), **error_responses(404)},
        summary="A contact's consent history, latest first",
    )
    def get(self, request, pk: int):
        contact = _contact(pk)
        return Response(ConsentSerializer(contact.consents.all()[:200], many=True).data)

    @extend_schema(
        request=ConsentInputSerializer,
        responses={200: ConsentSerializer(many=True), **error_responses(400, 404)},
        summary="Record a contact's choice on a channel (the staff member is the proof)",
    )
    def post(self, request, pk: int):
        contact = _contact(pk)
        values = _valid(ConsentInputSerializer, request)
        set_consent(contact=contact, actor=request.user, **values)
        return Response(ConsentSerializer(current_consents(contact).values(), many=True).data)


class ContactsExport(APIView):
    capability = "contacts.manage"

    @extend_schema(
        parameters=[*FILTERS, OpenApiParameter("file_format", str, enum=["csv", "xlsx"])],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            202: ContactExportSerializer,
            **error_responses(400),
        },
        summary="The contacts found, as CSV (streamed) or XLSX; from 20,000 contacts a "
        "background export to fetch from /contact-exports/{id}/; logged in the audit trail",
    )
    def get(self, request):
        queryset, description = _filtered(request)
        # Not `format`: DRF reads that one to pick a renderer.
        file_format = request.query_params.get("file_format", "csv")
        if file_format in exports.FORMATS and queryset.count() >= exports.BACKGROUND_FROM:
            export = exports.request_export(
                filters=_filters(request), file_format=file_format, actor=request.user
            )
            return Response(ContactExportSerializer(export).data, status=status.HTTP_202_ACCEPTED)
        content = exports.export_contacts(
            queryset=queryset, file_format=file_format, description=description, actor=request.user
        )
        return export_response(content, file_format)


class ImportList(generics.ListAPIView):
    capability = "contacts.manage"
    serializer_class = ContactImportSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        return ContactImport.objects.defer("content")

    @extend_schema(
        request={"multipart/form-data": ContactImportInputSerializer},
        responses={201: ContactImportSerializer, **error_responses(400, 413)},
        summary="Upload a CSV or XLSX file of contacts (and start importing it)",
    )
    def post(self, request):
        data = request.data.copy() if hasattr(request.data, "copy") else dict(request.data)
        if isinstance(data.get("mapping"), str):  # a form field: JSON text
            try:
                data["mapping"] = json.loads(data["mapping"])
            except ValueError:
                data["mapping"] = "not JSON"
        serializer = ContactImportInputSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        upload = values["file"]
        contact_import = imports.create_import(
            file_name=upload.name, content=upload.read(), actor=request.user
        )
        contact_import = imports.set_mapping(
            contact_import=contact_import,
            mapping=values.get("mapping") or contact_import.mapping,
            mode=values["mode"],
            consent_declared=values["consent_declared"],
            consent_declaration=values.get("consent_declaration", ""),
            actor=request.user,
        )
        if values["start"]:
            contact_import = imports.start_import(contact_import=contact_import, actor=request.user)
        return Response(
            ContactImportSerializer(contact_import).data, status=status.HTTP_201_CREATED
        )


class ImportDetail(APIView):
    capability = "contacts.manage"

    @extend_schema(
        responses={200: ContactImportSerializer, **error_responses(404)},
        summary="An import's status and progress",
    )
    def get(self, request, pk: int):
        contact_import = get_object_or_404(ContactImport.objects.defer("content"), pk=pk)
        return Response(ContactImportSerializer(contact_import).data)


class ImportStart(APIView):
    capability = "contacts.manage"

    @extend_schema(
        request=None,
        responses={200: ContactImportSerializer, **error_responses(400, 404, 409)},
        summary="Start an uploaded import, or resume a failed one where it stopped",
    )
    def post(self, request, pk: int):
        contact_import = get_object_or_404(ContactImport.objects.defer("content"), pk=pk)
        contact_import = imports.start_import(contact_import=contact_import, actor=request.user)
        return Response(ContactImportSerializer(contact_import).data)


class ImportRejectedRows(generics.ListAPIView):
    capability = "contacts.manage"
    serializer_class = ImportRowSerializer

    def get_queryset(self):
        contact_import = get_object_or_404(
            ContactImport.objects.defer("content"), pk=self.kwargs["pk"]
        )
        return ImportRow.objects.filter(
            contact_import=contact_import, outcome=ImportRow.Outcome.REJECTED
        ).order_by("row_number")

    @extend_schema(summary="An import's rejected rows, each with its reason")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ExportDetail(APIView):
    capability = "contacts.manage"

    @extend_schema(
        responses={200: ContactExportSerializer, **error_responses(404)},
        summary="A background export: its status (the file once done)",
    )
    def get(self, request, pk: int):
        export = get_object_or_404(ContactExport.objects.defer("content"), pk=pk)
        return Response(ContactExportSerializer(export).data)


class ExportFile(APIView):
    capability = "contacts.manage"

    @extend_schema(
        responses={(200, "text/csv"): OpenApiTypes.BINARY, **error_responses(404)},
        summary="A background export's file (404 until it is written)",
    )
    def get(self, request, pk: int):
        export = get_object_or_404(
            ContactExport.objects.filter(status=ContactExport.Status.DONE), pk=pk
        )
        return export_response(bytes(export.content), export.file_format)
