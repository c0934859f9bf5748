"""Benchmark: a personalised campaign rendered and sent to `--recipients` contacts, end to end.

Everything is thrown away afterwards: a database `parterre_bench_<pid>` (dropped at the end,
also on failure or Ctrl-C) and a venue `bench` cloned from the template.

1. `--recipients` consenting contacts (bulk insert), a campaign with a heading, text and a
   tracked button, personalised with the first name;
2. `start_campaign` (the audience frozen: one INSERT … SELECT), timed;
3. render alone: RawTemplate.build over the first 20,000 rows, in this process (render_per_s);
4. an aiosmtpd sink in a process of its own (campaigns/sending/sink.py) counting messages and
   distinct delivery tokens, and `--workers` sender processes (forked) each running the batch
   loop (`engine.send_batches`: claim 200, send over one SMTP connection, mark each sent),
   like the Celery task does, until the campaign is sent;
5. checks: every row `sent`, every token received once (duplicates, lost), and with `--rate`
   the rate measured at the sink (first to last message) against the venue's setting.

The last line: `RESULT recipients=… emails_per_s=… render_per_s=… peak_rss_mb=… duplicates=…
lost=…` (and `rate_per_min=… measured_per_min=… rate_error_pct=…` with --rate).

    python manage.py bench_mailing --recipients 100000
    python manage.py bench_mailing --recipients 100000 --sink fast   # a sink that pipelines
    python manage.py bench_mailing --recipients 5000 --rate 6000
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.db.models import Count
from django_tenants.utils import tenant_context

from campaigns.models import Campaign, CommunicationSettings, Delivery
from campaigns.sending import engine, services
from campaigns.sending.rawmail import RawTemplate
from campaigns.sending.sink import free_port
from crm.management.commands.bench_contact_search import machine
from tenants.management.commands.bench_onboarding import quiet_mail, throwaway_database
from tenants.services import create_venue

CONTENT = {
    "fr": {
        "subject": "{{first_name}}, la saison 2027 s'ouvre",
        "preheader": "Trois spectacles à ne pas manquer",
        "blocks": [
            {"type": "heading", "text": "Bonjour {{first_name}} !"},
            {
                "type": "text",
                "text": "La nouvelle saison commence : théâtre, danse, musique. "
                "Réservez vos places avant tout le monde.",
            },
            {"type": "button", "label": "Voir la saison", "url": "https://example.org/saison"},
            {"type": "text", "text": "À très bientôt dans la salle."},
            {"type": "button", "label": "Les abonnements", "url": "https://example.org/abos"},
        ],
    }
}
FIRST_NAMES = ("Léa", "Hugo", "Chloé", "Lucas", "Inès", "Gabriel", "Zoé", "Jules", "Anaïs")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process (/proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Command(BaseCommand):
    help = "Render and send a personalised campaign to N contacts into a local SMTP sink."

    def add_arguments(self, parser):
        parser.add_argument("--recipients", type=int, default=100_000)
        parser.add_argument("--workers", type=int, default=2, help="Sender processes.")
        parser.add_argument(
            "--rate", type=int, default=0, help="The venue's emails per minute (0: none)."
        )
        parser.add_argument(
            "--sink",
            choices=["aiosmtpd", "fast"],
            default="aiosmtpd",
            help="The SMTP sink: aiosmtpd, or a minimal asyncio one (to see the senders' own "
            "ceiling: aiosmtpd spends ~1.2 ms of CPU a message).",
        )

    def say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    def handle(self, *args, **options):
        if not 10 <= options["recipients"] <= 1_000_000:
            raise CommandError("--recipients: between 10 and 1000000.")
        if not 1 <= options["workers"] <= 16:
            raise CommandError("--workers: between 1 and 16.")
        settings.DEBUG = False  # as in production: no query log kept per statement
        with throwaway_database() as name, quiet_mail():
            self.say(f"Throwaway database {name}")
            self.say(machine())
            result = self.run_benchmark(options)
        self.say(f"Database {name} dropped")
        self.stdout.write("RESULT " + " ".join(f"{key}={value}" for key, value in result.items()))

    def run_benchmark(self, options: dict) -> dict[str, str]:
        n = options["recipients"]
        started = time.monotonic()
        call_command("migrate_schemas", interactive=False, verbosity=0)
        venue = create_venue(name="Bench", slug="bench", admin_email="admin@bench.test").venue
        self.say(f"Venue ready in {time.monotonic() - started:.0f} s")
        with tenant_context(venue):
            started = time.monotonic()
            self.load_contacts(n)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE crm_contact")
            self.say(f"{n} contacts in {time.monotonic() - started:.1f} s")
            CommunicationSettings.objects.create(rate_per_minute=options["rate"], cap_count=100)
            campaign = Campaign.objects.create(name="Bench", content=CONTENT)
            started = time.monotonic()
            services.start_campaign(campaign_id=campaign.pk, actor=None)
            freeze = time.monotonic() - started
            self.say(f"Audience frozen ({n} deliveries, one INSERT … SELECT) in {freeze:.2f} s")
            render_per_s = self.render_only(campaign)
            self.say(f"Render alone: {render_per_s:.0f} messages/s (one process)")
            sent = self.send(venue, campaign, options)
            delivered = self.verify(campaign, sent)
        result = {
            "recipients": str(n),
            "workers": str(options["workers"]),
            "sink": options["sink"],
            "emails_per_s": f"{n / sent['seconds']:.0f}",
            "emails_per_min": f"{60 * n / sent['seconds']:.0f}",
            "render_per_s": f"{render_per_s:.0f}",
            "freeze_s": f"{freeze:.2f}",
            "peak_rss_mb": f"{sent['peak_rss_mb']:.0f}",
            "duplicates": str(delivered["duplicates"]),
            "lost": str(delivered["lost"]),
        }
        if options["rate"]:
            measured = 60 * (sent["sink"]["received"] - 1) / sent["sink"]["seconds"]
            error = 100 * (measured - options["rate"]) / options["rate"]
            result.update(
                rate_per_min=str(options["rate"]),
                measured_per_min=f"{measured:.0f}",
                rate_error_pct=f"{error:+.1f}",
            )
        return result

    def load_contacts(self, n: int) -> None:
        """COPY n consenting contacts: every column as a new Contact has it (its defaults,
        prepared by Django), with a name and an address of their own."""
        from crm.models import Contact

        model = Contact(first_name="x", last_name="x", email="x", email_consent=True)
        fields = [f for f in Contact._meta.concrete_fields if not f.primary_key]
        base = {f.column: f.get_db_prep_save(f.pre_save(model, True), connection) for f in fields}
        columns = list(base)
        with connection.cursor() as cursor:
            copy_sql = f"COPY crm_contact ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for i in range(n):
                    row = dict(base)
                    row["first_name"] = FIRST_NAMES[i % len(FIRST_NAMES)]
                    row["last_name"] = f"Spectateur{i}"
                    row["email"] = row["email_normalized"] = f"spectateur{i}@example.fr"
                    copy.write_row([row[c] for c in columns])

    def render_only(self, campaign: Campaign) -> float:
        from campaigns.rendering import compile_campaign

        rows = list(
            Delivery.objects.filter(campaign=campaign).values_list("token", "email")[:20_000]
        )
        template = RawTemplate(
            compile_campaign(campaign, language="fr"),
            site="https://bench.example.org",
            schema=connection.schema_name,
        )
        started = time.perf_counter()
        for token, email in rows:
            template.build(token=token, email=email, first_name="Léa")
        return len(rows) / (time.perf_counter() - started)

    def send(self, venue, campaign: Campaign, options: dict) -> dict:
        from django_redis import get_redis_connection

        port = free_port()
        out = tempfile.NamedTemporaryFile(suffix=".json", delete=False)  # noqa: SIM115
        out.close()
        sink = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "campaigns.sending.sink",
                *("--port", str(port)),
                "--out",
                out.name,
                "--kind",
                options["sink"],
            ],
            cwd=settings.BASE_DIR,
            stdout=subprocess.PIPE,
        )
        try:
            assert sink.stdout.readline().strip() == b"ready"
            settings.PARTERRE_BULK_EMAIL_URL = f"smtp://127.0.0.1:{port}"
            connections.close_all()
            get_redis_connection("default").connection_pool.disconnect()
            started = time.monotonic()
            children = []
            for _n in range(options["workers"]):
                pid = os.fork()
                if pid == 0:  # a sender process: the batch loop, as the Celery task runs it
                    code = 1
                    try:
                        with tenant_context(venue):
                            engine.send_batches(
                                campaign_id=campaign.pk, site="https://bench.example.org"
                            )
                        code = 0
                    finally:
                        os._exit(code)
                children.append(pid)
            peak_kb, senders_cpu = 0, 0.0
            for pid in children:
                _pid, status, usage = os.wait4(pid, 0)
                if os.waitstatus_to_exitcode(status) != 0:
                    raise CommandError("a sender process failed")
                peak_kb = max(peak_kb, usage.ru_maxrss)
                senders_cpu += usage.ru_utime + usage.ru_stime
            seconds = time.monotonic() - started
            sink_cpu = _cpu_seconds(sink.pid)
        finally:
            sink.send_signal(signal.SIGTERM)
            sink.wait(60)
            sink.stdout.close()
        with open(out.name) as stats_file:
            stats = json.load(stats_file)
        os.unlink(out.name)
        self.say(
            f"Sent in {seconds:.1f} s by {options['workers']} processes; the sink accepted "
            f"{stats['received']} messages ({stats['distinct']} distinct tokens)"
        )
        per_message = 1e6 / max(1, stats["received"])
        with open("/proc/loadavg") as loadavg:
            load = loadavg.read().split()[0]
        self.say(
            f"CPU: senders {senders_cpu:.1f} s ({senders_cpu * per_message:.0f} µs a message), "
            f"sink {sink_cpu:.1f} s ({sink_cpu * per_message:.0f} µs a message); load average "
            f"{load}"
        )
        return {"seconds": seconds, "peak_rss_mb": peak_kb / 1024, "sink": stats}

    def verify(self, campaign: Campaign, sent: dict) -> dict[str, int]:
        tokens = set(Delivery.objects.filter(campaign=campaign).values_list("token", flat=True))
        statuses = dict(
            Delivery.objects.filter(campaign=campaign).values_list("status").annotate(n=Count("id"))
        )
        campaign.refresh_from_db()
        self.say(f"Deliveries by status: {statuses}; campaign {campaign.status}")
        received = sent["sink"]["tokens"]
        return {
            "duplicates": sent["sink"]["received"] - sent["sink"]["distinct"],
            "lost": len(tokens - set(received)),
        }
