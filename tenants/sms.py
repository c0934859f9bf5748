"""Text messages (SMS) through a small provider adapter, like Django's email backends.

`send_sms(to=…, body=…)` hands the message to the backend named by PARTERRE_SMS_BACKEND:
- `console` (development, the default): logs it and keeps it as a JSON file under
  PARTERRE_DEV_SMS_DIR (`.local/sms/`), listed on /dev/sms/ beside the captured mail;
- `locmem` (tests): appends it to `tenants.sms.outbox`.
A real provider is one more class with a `send(message)` method (its HTTP API), added to
BACKENDS under a name the setting chooses: nothing else changes. Every message carries its
venue (the schema it was sent from).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

log = logging.getLogger(__name__)

NAME_PATTERN = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{12}$")
MAX_LENGTH = 640  # four SMS parts at most


@dataclass
class TextMessage:
    to: str
    body: str
    venue: str = ""
    sent_at: str = ""
    name: str = ""


outbox: list[TextMessage] = []


class LocmemBackend:
    def send(self, message: TextMessage) -> None:
        outbox.append(message)


def sms_dir() -> Path:
    configured = getattr(settings, "PARTERRE_DEV_SMS_DIR", "")
    return Path(configured) if configured else Path(settings.BASE_DIR) / ".local" / "sms"


class ConsoleBackend:
    def send(self, message: TextMessage) -> None:
        folder = sms_dir()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{message.name}.json").write_text(
            json.dumps(asdict(message), ensure_ascii=False)
        )
        log.info("dev sms: to %s: %s (see /dev/sms/)", message.to, message.body)


BACKENDS = {"console": ConsoleBackend, "locmem": LocmemBackend}


def send_sms(*, to: str, body: str) -> TextMessage:
    """Send one text message now (call it from a task or on commit, never mid-transaction)."""
    message = TextMessage(
        to=to,
        body=body[:MAX_LENGTH],
        venue=getattr(connection, "schema_name", "public"),
        sent_at=timezone.now().isoformat(),
        name=f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:12]}",
    )
    name = getattr(settings, "PARTERRE_SMS_BACKEND", "console")
    backend = BACKENDS.get(name)
    if backend is None:
        raise ImproperlyConfigured(f"PARTERRE_SMS_BACKEND: unknown backend {name!r}")
    backend().send(message)
    return message


def captured_sms(*, venue: str | None, limit: int = 200) -> list[TextMessage]:
    """The messages the console backend kept, newest first (`venue` None: all of them)."""
    folder = sms_dir()
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.json"), reverse=True):
        if not NAME_PATTERN.match(path.stem):
            continue
        try:
            message = TextMessage(**json.loads(path.read_text()))
        except (ValueError, TypeError):
            continue
        if venue is None or message.venue == venue:
            found.append(message)
        if len(found) >= limit:
            break
    return found
