"""The import task in a real Celery worker (Redis broker): sent from two venues at once, each
import runs in its own venue's schema and fills only its own base. Committed data, removed
at the end."""

import time

import pytest

from config.celery import app
from crm.imports import services
from crm.imports.models import ContactImport
from crm.models import Contact
from tenants.accounts.models import AuditEvent, User
from tenants.events.models import Event
from tests.helpers import committed, worker_on_private_queue

from .import_files import generate, to_csv

pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.slow]


def _wipe():
    Event.objects.filter(code__startswith="crm.").delete()
    ContactImport.objects.all().delete()
    Contact.objects.all().delete()
    AuditEvent.objects.filter(code__startswith="crm.").delete()
    User.objects.filter(email__startswith="worker-import@").delete()


def test_the_task_runs_each_import_in_its_venue(venue_a, venue_b, monkeypatch):
    expected = generate(300)
    content = to_csv(expected.rows)

    def upload(venue, extra_row):
        def work():
            user = User.objects.create_user(
                f"worker-import@{venue.slug}.test", "x", role=User.Role.ADMIN
            )
            data = content + f"Seule{venue.slug};Ada;only@{venue.slug}.test\r\n".encode()
            contact_import = services.create_import(file_name="a.csv", content=data, actor=user)
            services.set_mapping(
                contact_import=contact_import,
                mapping=contact_import.mapping,
                mode="fill",
                consent_declared=False,
                actor=user,
            )
            return contact_import.pk

        return committed(venue, work)

    # The contacts' events stay in the outbox: their consumers (dedup) are not under test.
    monkeypatch.setattr("tenants.events.services.request_dispatch", lambda schema: None)
    try:
        with worker_on_private_queue(app, monkeypatch, prefix="imports"):
            pks = {venue: upload(venue, venue.slug) for venue in (venue_a, venue_b)}
            for venue, pk in pks.items():
                committed(
                    venue,
                    lambda pk=pk: services.start_import(
                        contact_import=ContactImport.objects.get(pk=pk)
                    ),
                )
            deadline = time.monotonic() + 120
            states = {}
            while time.monotonic() < deadline:
                states = {
                    venue.slug: committed(
                        venue, lambda pk=pk: ContactImport.objects.get(pk=pk).status
                    )
                    for venue, pk in pks.items()
                }
                if set(states.values()) <= {"done", "failed"}:
                    break
                time.sleep(0.5)
            assert states == {"alpha": "done", "beta": "done"}
        for venue, pk in pks.items():
            contact_import = committed(venue, lambda pk=pk: ContactImport.objects.get(pk=pk))
            assert contact_import.total_rows == 301
            # No base here: the rows that would match one are new contacts; a person named
            # twice in the file is merged into the first row's contact.
            new = sum(expected.counts[k] for k in ("created", "merged", "updated")) + 1
            assert contact_import.created_count == new - expected.same_person
            assert contact_import.merged_count == expected.same_person
            assert contact_import.rejected_count == expected.counts["rejected"]
            emails = committed(
                venue, lambda: set(Contact.objects.values_list("email_normalized", flat=True))
            )
            other = "beta" if venue.slug == "alpha" else "alpha"
            assert f"only@{venue.slug}.test" in emails
            assert f"only@{other}.test" not in emails
    finally:
        for venue in (venue_a, venue_b):
            committed(venue, _wipe)
