"""Recompute a venue's sales aggregates from ticketing's tables (backfill, cross-check)."""

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from analytics.services import rebuild_sales_aggregates
from tenants.models import Venue


class Command(BaseCommand):
    help = "Recompute the sales aggregates of one venue (--venue slug) or of every venue."

    def add_arguments(self, parser):
        parser.add_argument("--venue", help="the venue's slug (default: every venue)")

    def handle(self, *args, **options):
        venues = Venue.objects.exclude(schema_name="public")
        if options["venue"]:
            venues = venues.filter(slug=options["venue"])
            if not venues.exists():
                raise CommandError(f"No venue {options['venue']!r}.")
        for venue in venues.order_by("slug"):
            with tenant_context(venue):
                counts = rebuild_sales_aggregates()
            self.stdout.write(f"{venue.slug}: {counts}")
