"""Exactly once, with a real process killed (SIGKILL) in the middle of sending an order email:
the claim is committed before the SMTP conversation, so what a dead worker leaves behind is
a `sending` row that the sweep takes again once its lease ran out — never a lost email, and
never a second one unless the process died between "accepted" and the `sent` commit (the
documented window, where the copy keeps the Message-ID)."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import timezone

from tests.helpers import committed
from tests.ticketing.conftest import build_performance
from ticketing.models import OrderEmail
from ticketing.services import tickets as ticket_services

from .tickets_helpers import sell

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

WORKER = """
import sys
import django
django.setup()
from django.conf import settings
settings.EMAIL_BACKEND = "tests.ticketing.crash_mail.HangingBackend"
from django_tenants.utils import tenant_context
from tenants.models import Venue
from ticketing.services.tickets import deliver_order_email
with tenant_context(Venue.objects.get(schema_name=sys.argv[1])):  # as tenant-schemas-celery
    print(deliver_order_email(email_id=int(sys.argv[2])), flush=True)
"""


def _database_url() -> str:
    params = connection.settings_dict
    user, host, port = params["USER"], params["HOST"] or "127.0.0.1", params["PORT"] or 5432
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{params['NAME']}"


def _wipe():
    from tests.browser.test_storefront_journey import _wipe_committed_ticketing
    from ticketing.models import TicketSigningKey

    _wipe_committed_ticketing()
    TicketSigningKey.objects.all().delete()


@pytest.fixture
def email_row(venue_a):
    committed(venue_a, _wipe)

    def setup() -> int:
        order = sell(build_performance(), "A1")
        return OrderEmail.objects.create(
            order=order, kind="confirmation", message_id="<crash-test@alpha.parterre>"
        ).pk

    yield committed(venue_a, setup)
    committed(venue_a, _wipe)


def _kill_worker_at(when: str, venue, email_id: int, folder: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CRASH_MAIL_DIR": str(folder),
        "CRASH_MAIL_WHEN": when,
    }
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, venue.schema_name, str(email_id)],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not (folder / "reached").exists():
            assert worker.poll() is None, worker.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, "the worker never reached the send"
            time.sleep(0.05)
    finally:
        worker.send_signal(signal.SIGKILL)  # no cleanup, no rollback handler: a dead worker
        worker.wait(10)
        worker.stdout.close()
        worker.stderr.close()
    assert worker.returncode == -signal.SIGKILL


def _status(venue, email_id: int) -> str:
    return committed(venue, lambda: OrderEmail.objects.get(pk=email_id).status)


def _lease_runs_out(venue, email_id: int) -> None:
    expired = timezone.now() - ticket_services.CLAIM_LEASE - timedelta(seconds=1)
    committed(venue, lambda: OrderEmail.objects.filter(pk=email_id).update(claimed_at=expired))


def _sweep_and_send(venue, email_id: int) -> str:
    """What the periodic sweep and the task it sends do, in a worker of their own."""

    def run() -> str:
        assert email_id in ticket_services.due_order_email_ids()
        return ticket_services.deliver_order_email(email_id=email_id)

    return committed(venue, run)


def test_a_worker_killed_before_the_smtp_server_accepted_loses_nothing(
    venue_a, email_row, tmp_path
):
    _kill_worker_at("before_send", venue_a, email_row, tmp_path)
    assert _status(venue_a, email_row) == "sending"  # the claim outlived its worker
    # Another worker at once (the message redelivered): the claim is still someone's.
    assert (
        committed(venue_a, lambda: ticket_services.deliver_order_email(email_id=email_row))
        == "skipped"
    )
    _lease_runs_out(venue_a, email_row)
    assert _sweep_and_send(venue_a, email_row) == "sent"
    assert len(mail.outbox) == 1  # the one email the spectator gets
    assert _status(venue_a, email_row) == "sent"


def test_a_worker_killed_after_the_smtp_server_accepted_sends_one_copy_with_the_same_id(
    venue_a, email_row, tmp_path
):
    _kill_worker_at("after_send", venue_a, email_row, tmp_path)
    accepted = message_from_bytes((tmp_path / "accepted.eml").read_bytes())
    assert _status(venue_a, email_row) == "sending"
    _lease_runs_out(venue_a, email_row)
    assert _sweep_and_send(venue_a, email_row) == "sent"
    (again,) = mail.outbox
    assert again.extra_headers["Message-ID"] == accepted["Message-ID"]
    # Once `sent` is committed, nothing sends it again, however late the sweep runs.
    _lease_runs_out(venue_a, email_row)
    assert committed(venue_a, ticket_services.due_order_email_ids) == []
