"""Write a closed period's sales-ledger archive (ZIP: entries.csv, closing.json, a signed
manifest; docs/ledger.md).

    python manage.py export_ledger --venue SLUG --period day --date 2026-12-06 [--out DIR]
"""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ticketing.ledger.archive import archive_name, build_archive
from ticketing.ledger.commands import add_venue_argument, venues
from ticketing.ledger.selectors import period_bounds
from ticketing.models import LedgerClosing


class Command(BaseCommand):
    help = "Export a closed period of the sales ledger as a signed archive."

    def add_arguments(self, parser):
        add_venue_argument(parser)
        parser.add_argument("--period", choices=LedgerClosing.Period.values, required=True)
        parser.add_argument("--date", type=date.fromisoformat, required=True)
        parser.add_argument("--out", default=".", help="Directory to write the ZIP into (.)")

    def handle(self, *args, **options):
        for venue in venues(options):
            start, _end = period_bounds(options["period"], options["date"])
            closing = LedgerClosing.objects.filter(period=options["period"], start=start).first()
            if closing is None:
                raise CommandError(
                    f"{venue.schema_name}: the {options['period']} of {start} is not closed "
                    "(python manage.py close_ledger)."
                )
            path = Path(options["out"]) / archive_name(closing)
            path.write_bytes(build_archive(closing))
            self.stdout.write(str(path))
