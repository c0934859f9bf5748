"""Routes each request to its venue's schema by host name.

`<slug>.<PARTERRE_BASE_DOMAIN>` (or any other host name recorded for a venue) selects the
venue; the base host itself serves the cooperative console from the public schema. An unknown
host gets a neutral 404 page that names no venue; a suspended venue answers 503.
"""

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import set_urlconf
from django.utils import timezone

from .selectors import get_cooperative, get_venue_for_host


class VenueMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        connection.set_schema_to_public()
        hostname = request.get_host().split(":")[0].lower().rstrip(".")
        if hostname == settings.PARTERRE_BASE_DOMAIN:
            venue = get_cooperative()
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
        else:
            venue = get_venue_for_host(hostname)
            if venue is None:
                return TemplateResponse(request, "errors/unknown_host.html", status=404).render()
        request.tenant = venue
        if not venue.is_public and not venue.is_active:
            return TemplateResponse(
                request, "errors/suspended.html", {"venue": venue}, status=503
            ).render()
        connection.set_tenant(venue)
        timezone.activate(venue.timezone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
