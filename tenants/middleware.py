"""Routes each request to its venue's schema by host name.

`<slug>.<PARTERRE_BASE_DOMAIN>` (or any other host name recorded for a venue) selects the
venue; the base host itself serves the cooperative console from the public schema. An unknown
host gets a neutral 404 page that names no venue; a suspended venue answers 503.
"""

import copy

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import set_urlconf
from django.utils import timezone

from . import generations
from .models import Venue
from .selectors import get_cooperative, get_venue_for_host

# Host name → its Venue, valid while the cooperative's generation is unchanged (Venue and
# Domain saves bump it), and host name → schema, only to know which generations to read.
_VENUES = generations.LocalCache("venues_by_host", size=4096)
_SCHEMAS: dict[str, str] = {}


def _venue_for(hostname: str) -> Venue | None:
    """The venue of this host name (the cooperative for the base host), from this process's
    cache when it is current, else from the public schema."""
    venue = _VENUES.get(hostname, schema=generations.PUBLIC)
    if venue is generations.MISSING:
        connection.set_schema_to_public()
        if hostname == settings.PARTERRE_BASE_DOMAIN:
            venue = get_cooperative()
        else:
            venue = get_venue_for_host(hostname)
        if venue is None:  # unknown hosts are not remembered: anyone can invent them
            return None
        _VENUES.set(hostname, venue, schema=generations.PUBLIC)
        if len(_SCHEMAS) >= _VENUES.size:
            _SCHEMAS.clear()
        _SCHEMAS[hostname] = venue.schema_name
    # Each request gets its own copy: a form bound to request.tenant may change its fields.
    return copy.copy(venue)


class VenueMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        hostname = request.get_host().split(":")[0].lower().rstrip(".")
        known = _SCHEMAS.get(hostname)
        schemas = [generations.PUBLIC] + ([known] if known and known != "public" else [])
        numbers = generations.read(schemas)
        token = generations.begin_request(numbers)
        try:
            return self.serve(request, hostname, numbers)
        finally:
            generations.end_request(token)

    def serve(self, request: HttpRequest, hostname: str, numbers: dict) -> HttpResponse:
        venue = _venue_for(hostname)
        if venue is None:
            connection.set_schema_to_public()
            return TemplateResponse(request, "errors/unknown_host.html", status=404).render()
        if venue.schema_name not in numbers:  # first request for this host in this process
            numbers.update(generations.read([venue.schema_name]))
        if venue.is_public:
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
        request.tenant = venue
        if not venue.is_public and not venue.is_active:
            connection.set_schema_to_public()
            return TemplateResponse(
                request, "errors/suspended.html", {"venue": venue}, status=503
            ).render()
        if connection.schema_name == venue.schema_name:
            # Same schema as this connection's last request: keep its search_path (set once
            # per connection with TENANT_LIMIT_SET_CALLS), only the tenant object is new.
            connection.tenant = venue
        else:
            connection.set_tenant(venue)
        timezone.activate(venue.timezone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
