"""The door in the API: scan a ticket, the live counter, sync a device's offline scans. The
offline bundle itself is `ticketing.api.tickets.DoorBundle` (public key, revoked ids and the
tickets). Same services as the door page (ticketing.services.door)."""

from __future__ import annotations

from datetime import timedelta

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.api import error_responses
from ticketing.models import CheckIn, Performance
from ticketing.selectors import door as door_selectors
from ticketing.selectors.door import MAX_SCANNED_LENGTH
from ticketing.services import door as door_services

MAX_INT = 2**63 - 1
MAX_SYNC_SCANS = 500
# An offline scan's clock may run a little ahead of the server's; more is refused.
CLOCK_SKEW = timedelta(minutes=10)


class ScanInputSerializer(serializers.Serializer):
    scanned = serializers.CharField(
        max_length=MAX_SCANNED_LENGTH,
        trim_whitespace=True,
        help_text="The QR code's text (`PT:…`) or a typed ticket code",
    )
    door = serializers.CharField(max_length=door_services.DOOR_MAX)
    device_id = serializers.RegexField(
        r"^[A-Za-z0-9_.:-]*$", max_length=door_services.DEVICE_MAX, required=False, default=""
    )


class PreviousSerializer(serializers.Serializer):
    scanned_at = serializers.DateTimeField()
    door = serializers.CharField()


class TicketPerformanceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    show = serializers.CharField()
    starts_at = serializers.DateTimeField()


class ScanResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="the check-in row")
    result = serializers.ChoiceField(choices=CheckIn.Result.choices)
    reason = serializers.CharField(
        help_text="revoked: cancelled, refunded, exchanged or not_paid; unknown: malformed, "
        "unknown_version, wrong_key, bad_signature or not_found"
    )
    scanned_at = serializers.DateTimeField()
    door = serializers.CharField()
    offline = serializers.BooleanField()
    conflict = serializers.BooleanField()
    first_time = serializers.BooleanField(help_text="the attendee never came before")
    ticket_id = serializers.IntegerField(allow_null=True)
    label = serializers.CharField(help_text="seat or zone")
    tariff = serializers.CharField()
    previous = PreviousSerializer(allow_null=True, help_text="already scanned: when, where")
    ticket_performance = TicketPerformanceSerializer(
        allow_null=True, help_text="wrong performance: the ticket's"
    )


class DoorCountSerializer(serializers.Serializer):
    door = serializers.CharField()
    scanned = serializers.IntegerField()


class DoorCountsSerializer(serializers.Serializer):
    performance_id = serializers.IntegerField()
    scanned = serializers.IntegerField()
    sold = serializers.IntegerField()
    capacity = serializers.IntegerField()
    by_door = DoorCountSerializer(many=True)
    conflicts = serializers.IntegerField()


class OfflineScanSerializer(serializers.Serializer):
    client_id = serializers.RegexField(r"^[A-Za-z0-9_-]+$", max_length=door_services.CLIENT_ID_MAX)
    scanned = serializers.CharField(max_length=MAX_SCANNED_LENGTH)
    scanned_at = serializers.DateTimeField()
    local_result = serializers.ChoiceField(choices=CheckIn.Result.choices)
    local_reason = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default=""
    )

    def validate_scanned_at(self, value):
        if value > timezone.now() + CLOCK_SKEW:
            raise serializers.ValidationError(_("This scan is dated in the future."))
        return value


class SyncInputSerializer(serializers.Serializer):
    door = serializers.CharField(max_length=door_services.DOOR_MAX)
    device_id = serializers.RegexField(r"^[A-Za-z0-9_.:-]+$", max_length=door_services.DEVICE_MAX)
    scans = OfflineScanSerializer(many=True, min_length=1, max_length=MAX_SYNC_SCANS)

    def validate_scans(self, value):
        if len({s["client_id"] for s in value}) != len(value):
            raise serializers.ValidationError(_("Each scan has its own client id."))
        return value


class SyncResultSerializer(serializers.Serializer):
    results = serializers.DictField(
        child=ScanResultSerializer(), help_text="by client id: what the server recorded"
    )
    conflicts = serializers.IntegerField(help_text="scans let in on a ticket already let in")


def _performance(pk: int) -> Performance:
    # Beyond bigint: no such row (PostgreSQL would refuse the number).
    return get_object_or_404(Performance.objects.select_related("show"), pk=min(pk, MAX_INT))


class CheckInCreate(APIView):
    capability = "door.scan"

    @extend_schema(
        request=ScanInputSerializer,
        responses={200: ScanResultSerializer, **error_responses(400, 404)},
        summary="Scan a ticket at a door: valid, already scanned, wrong performance, "
        "cancelled or unknown",
    )
    def post(self, request, pk: int):
        performance = _performance(pk)
        data = ScanInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = door_services.check_in_ticket(
            performance=performance, actor=request.user, **data.validated_data
        )
        return Response(door_services.describe(outcome))


class DoorCounts(APIView):
    capability = "door.scan"

    @extend_schema(
        responses={200: DoorCountsSerializer, **error_responses(404)},
        summary="Live counter: let in / sold / capacity, by door",
    )
    def get(self, request, pk: int):
        performance = _performance(pk)
        return Response(door_selectors.door_counts(performance))


class CheckInSync(APIView):
    capability = "door.scan"

    @extend_schema(
        request=SyncInputSerializer,
        responses={200: SyncResultSerializer, **error_responses(400, 404, 413)},
        summary="Send the scans a door device made offline; the earliest scan of a ticket "
        "wins, a later one that let someone in too is reported as a conflict",
    )
    def post(self, request, pk: int):
        performance = _performance(pk)
        data = SyncInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        scans = [door_services.OfflineScan(**scan) for scan in data.validated_data["scans"]]
        outcomes = door_services.sync_check_ins(
            performance=performance,
            scans=scans,
            door=data.validated_data["door"],
            device_id=data.validated_data["device_id"],
            actor=request.user,
        )
        results = {o.check_in.client_id: door_services.describe(o) for o in outcomes}
        return Response(
            {"results": results, "conflicts": sum(r["conflict"] for r in results.values())}
        )
