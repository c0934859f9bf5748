"""What the ledger's management commands share: which venues they run in."""

from __future__ import annotations

from collections.abc import Iterator

from django.core.management.base import CommandError
from django.db import connection
from django_tenants.utils import tenant_context

from tenants.models import Venue


def add_venue_argument(parser) -> None:
    parser.add_argument(
        "--venue",
        help="The venue's slug or schema (default: the current schema, else every active venue).",
    )


def venues(options) -> Iterator[Venue]:
    """Each venue to work in, its schema set for the time of the loop's body."""
    slug = options.get("venue")
    if slug:
        venue = (
            Venue.objects.filter(slug=slug).first()
            or Venue.objects.filter(schema_name=slug).first()
        )
        if venue is None or venue.schema_name == "public":
            raise CommandError(f"No venue {slug!r}.")
        chosen = [venue]
    elif connection.schema_name != "public":  # already in a venue (tenant_command, tests)
        yield connection.tenant
        return
    else:
        chosen = list(
            Venue.objects.exclude(schema_name="public").filter(status=Venue.Status.ACTIVE)
        )
    for venue in chosen:
        with tenant_context(venue):
            yield venue
