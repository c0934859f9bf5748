"""The venue URLs plus one API view that records an audit event: proves who the trail names
for an API request without depending on what a ticketing endpoint records."""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as venue_urlpatterns
from tenants.accounts.audit import record_event


class AuditProbe(APIView):
    capability = "backoffice.view"

    def post(self, request):
        event = record_event(code="accounts.staff.reinvited", actor=request.user)
        return Response({"id": event.pk}, status=201)


urlpatterns = [path("api/v1/audit-probe/", AuditProbe.as_view()), *venue_urlpatterns]
