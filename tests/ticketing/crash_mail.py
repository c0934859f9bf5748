"""An email backend for the worker-kill tests (tests/ticketing/test_ticket_email_crash.py):
it writes a marker file at the moment it is told to (before handing the message over, or
after "the SMTP server accepted it", i.e. after writing it to a file) and then hangs, so the
test can kill the process at exactly that point."""

import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class HangingBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        folder = Path(os.environ["CRASH_MAIL_DIR"])
        when = os.environ["CRASH_MAIL_WHEN"]
        for message in email_messages:
            if when == "after_send":
                (folder / "accepted.eml").write_bytes(message.message().as_bytes())
            (folder / "reached").write_text(when)
            time.sleep(120)  # killed here
        return len(email_messages)
