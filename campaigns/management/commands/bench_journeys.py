"""Benchmark: the journeys' tick on many venues with many due steps.

Everything is thrown away afterwards: a database `parterre_bench_<pid>` on the configured
server (dropped at the end, also on failure or Ctrl-C), venues created by `create_venue` (the
template's snapshot replayed, as onboarding does). In each venue: `--contacts` contacts with
email consent, the demo's "Alors, c'était comment ?" email (MJML compiled, a per-contact
survey button), a journey switched on and one due step per contact (written by
`services.enter_runs`, the consumer's own INSERT … ON CONFLICT DO NOTHING). Then one tick per
venue (`run_due_journeys`, what the per-venue Celery task runs every minute), one venue after
the other, timed: SKIP LOCKED batches, segment and consent checks, Delivery rows,
`sending.services.deliver` for every email (claim, build, send, mark).

Emails go to a null backend that builds every message in full (MIME, as SMTP would receive
it) and throws it away — not Django's locmem outbox, which would keep them all in memory.

The last line: `RESULT venues=… due=… tick_seconds=… emails_per_s=…` (tick_seconds: the
ticks' total; emails_per_s: emails sent / tick_seconds).

    python manage.py bench_journeys --venues 20 --contacts 20000
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from campaigns.journeys.demo import journey_email
from campaigns.journeys.models import Action, Journey, Trigger
from campaigns.journeys.services import Entry, enter_runs, run_due_journeys
from crm.management.commands.bench_contact_search import machine
from crm.models import Contact
from tenants.management.commands.bench_onboarding import throwaway_database
from tenants.services import create_venue

NULL_EMAIL = "campaigns.management.commands.bench_journeys.NullBackend"
SENT = {"n": 0, "bytes": 0}


class NullBackend(BaseEmailBackend):
    """Builds each message (headers, alternatives, attachments) and drops it."""

    def send_messages(self, messages):
        for message in messages:
            SENT["bytes"] += len(message.message().as_bytes())
            SENT["n"] += 1
        return len(messages)


class Command(BaseCommand):
    help = "Time one journeys tick per venue with N due steps each (throwaway database)."

    def add_arguments(self, parser):
        parser.add_argument("--venues", type=int, default=4)
        parser.add_argument("--contacts", type=int, default=5000)
        parser.add_argument("--batch-size", type=int, default=500)

    def say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    def handle(self, *args, **options):
        if not 1 <= options["venues"] <= 200:
            raise CommandError("--venues: between 1 and 200.")
        if not 10 <= options["contacts"] <= 1_000_000:
            raise CommandError("--contacts: between 10 and 1000000.")
        with throwaway_database() as name, override_settings(EMAIL_BACKEND=NULL_EMAIL):
            self.say(f"Throwaway database {name}")
            self.say(machine())
            result = self.run_benchmark(options)
        self.say(f"Database {name} dropped")
        self.stdout.write("RESULT " + " ".join(f"{key}={value}" for key, value in result.items()))

    def build_venue(self, index: int, contacts: int):
        venue = create_venue(
            name=f"Bench {index}", slug=f"bench{index:03d}", admin_email=f"a@b{index}.test"
        ).venue
        with tenant_context(venue):
            campaign = journey_email("Parcours — J+3 « Alors, c'était comment ? »")
            journey = Journey.objects.create(
                name="Alors, c'était comment ?",
                enabled=True,
                trigger=Trigger.AFTER_ATTENDANCE,
                offset_minutes=3 * 1440,
                action=Action.EMAIL,
                campaign=campaign,
            )
            created = Contact.objects.bulk_create(
                (
                    Contact(
                        first_name=f"Prénom{i}",
                        last_name=f"Nom{i}",
                        email=f"spectateur{i}@example.org",
                        email_normalized=f"spectateur{i}@example.org",
                        email_consent=True,
                    )
                    for i in range(contacts)
                ),
                batch_size=5000,
            )
            checked_in = timezone.now() - timedelta(days=3, minutes=5)
            for start in range(0, len(created), 5000):
                enter_runs(
                    journeys=[journey],
                    entries=[
                        Entry(
                            contact_id=c.pk,
                            occurrence=f"perf:{1 + c.pk % 12}",
                            anchor=checked_in,
                            performance_id=1 + c.pk % 12,
                            first_time=True,
                        )
                        for c in created[start : start + 5000]
                    ],
                    now=checked_in,
                )
        connection.set_schema_to_public()
        return venue

    def run_benchmark(self, options: dict) -> dict[str, str]:
        call_command("migrate_schemas", interactive=False, verbosity=0)
        started = time.perf_counter()
        venues = [self.build_venue(i, options["contacts"]) for i in range(options["venues"])]
        self.say(
            f"{len(venues)} venues × {options['contacts']} due steps built in "
            f"{time.perf_counter() - started:.1f} s"
        )
        per_venue, due, emails = [], 0, 0
        SENT["n"] = SENT["bytes"] = 0
        for venue in venues:
            with tenant_context(venue):
                began = time.perf_counter()
                report = run_due_journeys(batch_size=options["batch_size"])
                seconds = time.perf_counter() - began
                again = run_due_journeys()  # a second tick: nothing left, nothing twice
            connection.set_schema_to_public()
            if again.taken or again.emails:
                raise CommandError(f"{venue.slug}: a second tick did something: {again}")
            per_venue.append(seconds)
            due += report.taken
            emails += report.emails
            self.say(
                f"{venue.slug}: {report.taken} due, {report.emails} emails in {seconds:.2f} s "
                f"({report.emails / seconds:.0f}/s)"
            )
        total = sum(per_venue)
        if SENT["n"] != emails:
            raise CommandError(f"{SENT['n']} messages reached the backend, {emails} counted.")
        self.say(
            f"per venue tick: median {statistics.median(per_venue):.2f} s, "
            f"max {max(per_venue):.2f} s; {SENT['bytes'] / max(1, SENT['n']) / 1024:.1f} KiB "
            "per message; mail backend: null (built in full, dropped)"
        )
        return {
            "venues": str(len(venues)),
            "due": str(due),
            "tick_seconds": f"{total:.2f}",
            "emails_per_s": f"{emails / total:.0f}" if total else "0",
        }
