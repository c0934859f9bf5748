from django.core.management.base import BaseCommand

from demo.seed import seed_demo
from tenants.demo import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Seed (or top up) the demo cooperative; safe to run again."

    def handle(self, *args, **options):
        logins = seed_demo(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo cooperative ready."))
        self.stdout.write(f"Every demo password is: {DEMO_PASSWORD}")
        for login in logins:
            self.stdout.write(f"  {login.url:<45} {login.email:<28} {login.role}")
