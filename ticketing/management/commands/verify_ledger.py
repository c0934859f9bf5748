"""Recompute the sales ledger's hash chain and check its closings' signatures; name the first
broken entry (its number and why). Exit status 1 when a ledger is broken.

    python manage.py verify_ledger [--venue SLUG]
"""

from django.core.management.base import BaseCommand, CommandError

from ticketing.ledger.commands import add_venue_argument, venues
from ticketing.ledger.selectors import verify_chain
from ticketing.ledger.services import chain_pending


class Command(BaseCommand):
    help = "Verify the sales ledger's chain and closings; name the first broken entry."

    def add_arguments(self, parser):
        add_venue_argument(parser)

    def handle(self, *args, **options):
        broken = []
        for venue in venues(options):
            chain_pending()  # what was recorded and not chained yet
            result = verify_chain()
            if result.ok:
                self.stdout.write(
                    f"{venue.schema_name}: OK — {result.entries} entries, chain head "
                    f"{result.head_number}, {result.closings} signed closings, "
                    f"{result.pending} waiting to be chained"
                )
            else:
                line = (
                    f"{venue.schema_name}: BROKEN at entry {result.broken_number}: {result.reason}"
                )
                self.stdout.write(line)
                broken.append(line)
        if broken:
            raise CommandError("; ".join(broken))
