"""Share every venue's aggregate figures with the cooperative now (the daily task does it
per venue): for the demo, after a backfill, or to check what is shared."""

from django.core.management.base import BaseCommand

from analytics.cooperative import publish_all


class Command(BaseCommand):
    help = "Measure and publish every active venue's figures for the cooperative view."

    def handle(self, *args, **options):
        for slug, seasons in publish_all().items():
            self.stdout.write(f"{slug}: " + ", ".join(s or "now" for s in seasons))
