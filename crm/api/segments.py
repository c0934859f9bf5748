"""Segment API (/api/v1/segments/…): saved segments (CRUD), their count and their members.

Definitions are the JSON trees of crm.segments.definition (docs/segments.md). A bad tree is a
400 whose `code` says what is wrong (`segments.unknown_type`, `segments.out_of_range`…) and
whose `field` is the path of the bad node (`definition.rules.1.days`). Another venue's segments
do not exist here (404): the host picks the venue's schema.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.models import Contact, Segment
from crm.segments import selectors, services
from crm.segments.definition import validate_definition
from tenants.api import error_responses
from tenants.errors import ParterreError


class SegmentInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    definition = serializers.JSONField(
        help_text='Versioned JSON tree: {"version": 1, "op": "and", "rules": [...]} '
        "(docs/segments.md lists the conditions)."
    )


class DefinitionSerializer(serializers.Serializer):
    definition = serializers.JSONField()


class SegmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Segment
        fields = ["id", "name", "description", "definition", "version", "created_at", "updated_at"]


class CountSerializer(serializers.Serializer):
    count = serializers.IntegerField()


class MemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = [
            "id",
            "first_name",
            "last_name",
            "email",
            "postcode",
            "department",
            "contact_types",
            "last_attended_at",
            "last_purchase_at",
        ]


def _valid(serializer: serializers.Serializer) -> dict:
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _with_definition_path(error: ParterreError) -> ParterreError:
    """A bad tree names its node from the request body's root (`definition.rules.0…`)."""
    field = error.field or ""
    tree_error = error.code.startswith("segments.") and field not in ("", "name", "description")
    if tree_error and not field.startswith("definition"):
        error.field = f"definition.{field}"
    return error


class SegmentList(generics.ListAPIView):
    read_capability = "contacts.view"
    write_capability = "contacts.manage"
    serializer_class = SegmentSerializer

    def get_queryset(self):
        return Segment.objects.order_by("name", "id")

    @extend_schema(summary="Saved segments")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=SegmentInputSerializer,
        responses={201: SegmentSerializer, **error_responses(400)},
        summary="Save a segment",
    )
    def post(self, request):
        data = _valid(SegmentInputSerializer(data=request.data))
        try:
            segment = services.create_segment(actor=request.user, **data)
        except ParterreError as error:
            raise _with_definition_path(error) from None
        return Response(SegmentSerializer(segment).data, status=status.HTTP_201_CREATED)


class SegmentDetail(APIView):
    read_capability = "contacts.view"
    write_capability = "contacts.manage"

    @extend_schema(responses={200: SegmentSerializer, **error_responses(404)}, summary="A segment")
    def get(self, request, pk: int):
        return Response(SegmentSerializer(get_object_or_404(Segment, pk=pk)).data)

    @extend_schema(
        request=SegmentInputSerializer(partial=True),
        responses={200: SegmentSerializer, **error_responses(400, 404)},
        summary="Change a segment's name, description or definition",
    )
    def patch(self, request, pk: int):
        segment = get_object_or_404(Segment, pk=pk)
        data = _valid(SegmentInputSerializer(data=request.data, partial=True))
        try:
            segment = services.update_segment(segment=segment, actor=request.user, **data)
        except ParterreError as error:
            raise _with_definition_path(error) from None
        return Response(SegmentSerializer(segment).data)

    @extend_schema(responses={204: None, **error_responses(404)}, summary="Delete a segment")
    def delete(self, request, pk: int):
        services.delete_segment(segment=get_object_or_404(Segment, pk=pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SegmentCount(APIView):
    capability = "contacts.view"

    @extend_schema(
        responses={200: CountSerializer, **error_responses(404)},
        summary="How many contacts the segment holds now",
    )
    def get(self, request, pk: int):
        segment = get_object_or_404(Segment, pk=pk)
        return Response({"count": selectors.segment_count(segment.definition)})


class DefinitionCount(APIView):
    """POST because a definition is a JSON body; nothing is written."""

    capability = "contacts.view"

    @extend_schema(
        request=DefinitionSerializer,
        responses={200: CountSerializer, **error_responses(400)},
        summary="Count the contacts of a definition without saving it",
    )
    def post(self, request):
        data = _valid(DefinitionSerializer(data=request.data))
        try:
            tree = validate_definition(data["definition"])
        except ParterreError as error:
            raise _with_definition_path(error) from None
        return Response({"count": selectors.segment_count(tree)})


class SegmentMembers(generics.ListAPIView):
    capability = "contacts.view"
    serializer_class = MemberSerializer

    def get_queryset(self):
        segment = get_object_or_404(Segment, pk=self.kwargs["pk"])
        return selectors.segment_members(segment.definition).only(*selectors.MEMBER_FIELDS)

    @extend_schema(summary="The segment's contacts now (paginated, by id)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
