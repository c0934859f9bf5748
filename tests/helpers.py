from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from django_tenants.utils import tenant_context

from tenants.models import Venue

PASSWORD = "correct horse battery staple"


def host_for(venue: Venue) -> str:
    return f"{venue.slug}.{settings.PARTERRE_BASE_DOMAIN}"


@contextmanager
def in_venue(venue: Venue):
    with tenant_context(venue):
        yield
    connection.set_schema_to_public()
