"""Close and sign the sales ledger's periods that are over (what the hourly beat task does),
or one period.

    python manage.py close_ledger [--venue SLUG]
    python manage.py close_ledger --period day|month|year --date 2026-12-06 [--venue SLUG]
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from ticketing.ledger.closings import PeriodNotOver, close_due_periods, close_period
from ticketing.ledger.commands import add_venue_argument, venues
from ticketing.models import LedgerClosing


class Command(BaseCommand):
    help = "Close and sign the sales ledger's days, months and years that are over."

    def add_arguments(self, parser):
        add_venue_argument(parser)
        parser.add_argument("--period", choices=LedgerClosing.Period.values)
        parser.add_argument("--date", type=date.fromisoformat, help="A day of the period.")

    def handle(self, *args, **options):
        if bool(options["period"]) != bool(options["date"]):
            raise CommandError("Give --period and --date together.")
        for venue in venues(options):
            try:
                if options["period"]:
                    closed = [close_period(period=options["period"], day=options["date"])]
                else:
                    closed = close_due_periods()
            except PeriodNotOver as error:
                raise CommandError(str(error)) from error
            for closing in closed:
                self.stdout.write(
                    f"{venue.schema_name}: {closing.period} {closing.start} closed, entry "
                    f"{closing.entry_number}, takings {closing.totals['takings_cents']} cents, "
                    f"signature {closing.signature[:16]}…"
                )
