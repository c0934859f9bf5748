"""Development mail capture: `make run` sends every email here instead of to the world.

CapturingEmailBackend writes each message, attachments included, as an .eml file under
PARTERRE_DEV_MAIL_DIR (default `.local/mail/`, git-ignored), tagged with the venue it was sent
from; the dev-only pages (tenants/views/devmail.py, DEBUG only, staff) list and show them.
Files rather than a table: nothing to migrate, survives `make reset-local` of the database,
and any mail client opens an .eml. Tests keep Django's locmem backend.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.utils import timezone

log = logging.getLogger(__name__)

VENUE_HEADER = "X-Parterre-Venue"
NAME_PATTERN = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{12}$")
LIST_LIMIT = 200


def mail_dir() -> Path:
    configured = getattr(settings, "PARTERRE_DEV_MAIL_DIR", "")
    return Path(configured) if configured else Path(settings.BASE_DIR) / ".local" / "mail"


class CapturingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        folder = mail_dir()
        folder.mkdir(parents=True, exist_ok=True)
        count = 0
        for message in email_messages:
            if not message.recipients():
                continue
            mime = message.message()
            if VENUE_HEADER not in mime:
                mime[VENUE_HEADER] = getattr(connection, "schema_name", "public")
            name = f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:12]}"
            (folder / f"{name}.eml").write_bytes(mime.as_bytes(linesep="\r\n"))
            log.info(
                "dev mail: captured “%s” to %s (see /dev/mail/)",
                message.subject,
                ", ".join(message.recipients()),
            )
            count += 1
        return count


@dataclass
class Attachment:
    filename: str
    content_type: str
    size: int


@dataclass
class CapturedMail:
    name: str
    venue: str
    subject: str
    sender: str
    to: str
    date: datetime | None
    attachments: list[Attachment] = field(default_factory=list)


def _parse(path: Path) -> EmailMessage:
    with path.open("rb") as handle:
        return email.message_from_binary_file(handle, policy=email.policy.default)


def _summary(name: str, message: EmailMessage) -> CapturedMail:
    attachments = [
        Attachment(
            filename=part.get_filename() or "attachment",
            content_type=part.get_content_type(),
            size=len(part.get_payload(decode=True) or b""),
        )
        for part in message.iter_attachments()
    ]
    try:
        date = email.utils.parsedate_to_datetime(message["Date"]) if message["Date"] else None
    except (TypeError, ValueError):
        date = None
    if date is not None and date.tzinfo is None:  # "-0000", as Django writes it: UTC
        date = date.replace(tzinfo=UTC)
    return CapturedMail(
        name=name,
        venue=str(message.get(VENUE_HEADER, "")),
        subject=str(message.get("Subject", "")),
        sender=str(message.get("From", "")),
        to=str(message.get("To", "")),
        date=date,
        attachments=attachments,
    )


def captured_mails(*, venue: str | None = None, limit: int = LIST_LIMIT) -> list[CapturedMail]:
    """Newest first; only `venue`'s when given (a venue's staff see their venue's mail)."""
    folder = mail_dir()
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.eml"), reverse=True):
        if not NAME_PATTERN.match(path.stem):
            continue
        mail = _summary(path.stem, _parse(path))
        if venue is None or mail.venue == venue:
            found.append(mail)
            if len(found) >= limit:
                break
    return found


def captured_mail(name: str, *, venue: str | None = None) -> tuple[CapturedMail, EmailMessage]:
    """One message by its file name; LookupError when unknown (or another venue's)."""
    if not NAME_PATTERN.match(name):
        raise LookupError(name)
    path = mail_dir() / f"{name}.eml"
    if not path.is_file():
        raise LookupError(name)
    message = _parse(path)
    summary = _summary(name, message)
    if venue is not None and summary.venue != venue:
        raise LookupError(name)
    return summary, message


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return ""
    return part.get_content()


def attachment(message: EmailMessage, index: int) -> tuple[str, str, bytes]:
    parts = list(message.iter_attachments())
    if not 0 <= index < len(parts):
        raise LookupError(index)
    part = parts[index]
    return (
        part.get_filename() or "attachment",
        part.get_content_type(),
        part.get_payload(decode=True) or b"",
    )
