import time

from django.core.management.base import BaseCommand, CommandError

from tenants.errors import ParterreError
from tenants.services import create_venue


class Command(BaseCommand):
    help = "Onboard a venue: clone the template schema, add its host name, invite its admin."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-name", default="")
        parser.add_argument("--city", default="")

    def handle(self, *args, **options):
        started = time.perf_counter()
        try:
            created = create_venue(
                name=options["name"],
                slug=options["slug"],
                admin_email=options["admin_email"],
                admin_name=options["admin_name"],
                city=options["city"],
            )
        except ParterreError as error:
            raise CommandError(f"{error.message} [{error.code}]") from error
        total = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {created.venue.name} (schema {created.venue.schema_name}) "
                f"in {created.seconds:.2f} s (schema made by {created.schema_method}; "
                f"command total {total:.2f} s)."
            )
        )
        self.stdout.write(f"Invitation link for {created.admin.email}: {created.invitation_url}")
