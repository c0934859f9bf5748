"""The bulk sender: batches of deliveries claimed, sent over one connection, marked one by one.

How a delivery row of a campaign goes out (docs/sending.md says it at length):

    pending ──claim (one UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n)
              RETURNING, committed)──► sending ──server accepted──► sent (one UPDATE, at once)
                                                 └─ 4xx ──► pending again, after a pause
                                                 └─ 5xx ──► failed (with the server's words)

- Two senders never hold the same row: SKIP LOCKED hands each its own rows; the claim is
  committed before the first byte goes to the mail server.
- Each message is marked `sent` right after the server's "250" — one UPDATE by primary key,
  committed with `synchronous_commit = off` (a worker's death cannot lose a commit the server
  received; only a crash of PostgreSQL itself could, and then the rows are sent again). So the
  only moment where a killed worker causes a second copy is between reading the "250" and
  that UPDATE reaching PostgreSQL: a few microseconds, at most one message per killed sender,
  and the copy carries the same Message-ID (the delivery's token).
- A worker killed mid-batch leaves the rest of its batch `sending`; the sweeper
  (`sweep_sending`, every minute per venue) puts rows claimed more than LEASE ago back to
  `pending`, and they go out with the same Message-ID.
- Pause and cancel are read at each claim: the batch in hand is finished, then the sender
  stops.

At most SENDERS senders work on one campaign at a time (Redis slots with a TTL, refreshed at
each batch, so a dead worker's slot frees itself); the venue's rate limit (ratelimit.py) is
shared by all of them."""

from __future__ import annotations

import logging
import secrets
import smtplib
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from tenants.selectors import venue_url

from ..models import Campaign, Delivery
from ..rendering import build_message, campaign_language, compile_campaign
from .audience import communication_settings
from .ratelimit import RateLimiter
from .rawmail import RawTemplate

log = logging.getLogger(__name__)

SEND_TASK = "campaigns.send_campaign_batches"
BATCH_SIZE = 200
# Longer than any batch (a batch is at most ~BATCH_SECONDS of sending at the venue's rate,
# plus SMTP timeouts): a claim older than this belongs to a worker that died.
LEASE = timedelta(minutes=5)
BATCH_SECONDS = 30
MAX_ATTEMPTS = 5
RETRY_FIRST, RETRY_MAX = timedelta(minutes=1), timedelta(hours=1)
# A sender hands over to a fresh task after this long (other venues' work gets a turn).
TASK_BUDGET_SECONDS = 300
SLOT_TTL_SECONDS = 120

# The batch is picked in a MATERIALIZED CTE: as `WHERE id IN (SELECT … LIMIT n)` PostgreSQL may
# run the subquery more than once and update more than n rows. No ORDER BY: sorting every
# pending row of a 100,000-row send for each batch cost 14 % of a sender's time; the index
# (campaign, status) hands out the first n it meets.
_CLAIM = """
WITH batch AS MATERIALIZED (
    SELECT id FROM campaigns_delivery
     WHERE campaign_id = %(campaign)s AND status = 'pending'
       AND (next_attempt_at IS NULL OR next_attempt_at <= %(now)s)
       AND EXISTS (SELECT 1 FROM campaigns_campaign
                    WHERE id = %(campaign)s AND status = 'sending')
     LIMIT %(limit)s
       FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE campaigns_delivery AS d
       SET status = 'sending', claimed_at = %(now)s, attempts = d.attempts + 1
      FROM batch
     WHERE d.id = batch.id
    RETURNING d.id, d.token, d.email, d.language, d.contact_id, d.attempts
)
SELECT claimed.id, claimed.token, claimed.email, claimed.language,
       coalesce(c.first_name, ''), claimed.attempts
  FROM claimed LEFT JOIN crm_contact AS c ON c.id = claimed.contact_id
 ORDER BY claimed.id
"""
_MARK_SENT = (
    b"UPDATE campaigns_delivery SET status = 'sent', sent_at = now(), error = '' "
    b"WHERE id = $1 AND status = 'sending'"
)


@dataclass(frozen=True)
class Claimed:
    id: int
    token: str
    email: str
    language: str
    first_name: str
    attempts: int


def claim_batch(*, campaign_id: int, limit: int = BATCH_SIZE, now=None) -> list[Claimed]:
    """Take up to `limit` pending deliveries of a campaign that is sending (committed at once
    when called outside a transaction). Concurrent claimers get disjoint rows (SKIP LOCKED);
    the claim also locks the campaign's status check, so a pause is seen at the next claim."""
    with connection.cursor() as cursor:
        cursor.execute(
            _CLAIM, {"now": now or timezone.now(), "campaign": campaign_id, "limit": limit}
        )
        return [Claimed(*row) for row in cursor.fetchall()]


class Marks:
    """Marks messages `sent` one by one, pipelined: the UPDATE is written to PostgreSQL right
    after the server's "250" (that is the moment that matters for a worker's death: once
    PostgreSQL has the statement, it commits it even if the worker dies), and its result is
    read only before the next one, so the round trip overlaps the next SMTP conversation.
    Uses the connection's libpq handle (autocommit outside a transaction); `drain()` before
    any other query on the connection."""

    def __init__(self):
        connection.ensure_connection()
        self.pgconn = connection.connection.pgconn
        self.waiting = False

    def mark(self, delivery_id: int) -> None:
        self.drain()
        self.pgconn.send_query_params(_MARK_SENT, [str(delivery_id).encode()])
        self.waiting = True

    def drain(self) -> None:
        from psycopg import pq

        if not self.waiting:
            return
        self.waiting = False
        error = None
        while (result := self.pgconn.get_result()) is not None:
            if result.status != pq.ExecStatus.COMMAND_OK:
                error = (result.error_message or b"").decode("utf-8", "replace")
        if error:
            raise RuntimeError(f"marking a delivery sent failed: {error}")


def retry_delay(attempts: int) -> timedelta:
    """The pause after the `attempts`-th failed attempt: 1 min, 2, 4, … at most 1 h."""
    return min(RETRY_FIRST * 2 ** max(attempts - 1, 0), RETRY_MAX)


def mark_failed(*, delivery_id: int, attempts: int, error: str, temporary: bool) -> str:
    """A temporary error puts the row back to pending for later (exponential backoff) until
    MAX_ATTEMPTS; a permanent one (or the last attempt) marks it failed. Returns the status."""
    status = (
        Delivery.Status.PENDING if temporary and attempts < MAX_ATTEMPTS else Delivery.Status.FAILED
    )
    Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.SENDING).update(
        status=status,
        error=error[:300],
        next_attempt_at=timezone.now() + retry_delay(attempts)
        if status == Delivery.Status.PENDING
        else None,
    )
    return status


def release(ids: list[int], *, pause: timedelta = RETRY_FIRST) -> None:
    """Rows claimed and not tried (the mail server went away): back to pending, the attempt
    not counted."""
    if ids:
        from django.db.models import F

        Delivery.objects.filter(pk__in=ids, status=Delivery.Status.SENDING).update(
            status=Delivery.Status.PENDING,
            attempts=F("attempts") - 1,
            next_attempt_at=timezone.now() + pause,
        )


# --- Errors ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    temporary: bool
    text: str
    broken: bool = False  # the connection is unusable: reopen before the next message


def classify(error: Exception) -> Outcome:
    """SMTP 4xx → temporary, 5xx → permanent (with the server's words); a dropped connection
    or a timeout → temporary; a provider's refusal of the address (anymail) → permanent."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, message = next(iter(error.recipients.values()), (450, b""))
        return _coded(code, message)
    if isinstance(error, smtplib.SMTPResponseException):
        outcome = _coded(error.smtp_code, error.smtp_error)
        return Outcome(outcome.temporary, outcome.text, broken=error.smtp_code == 421)
    if isinstance(error, smtplib.SMTPServerDisconnected | OSError):
        return Outcome(True, f"{type(error).__name__}: {error}", broken=True)
    if type(error).__name__ == "AnymailRecipientsRefused":
        return Outcome(False, str(error))
    return Outcome(True, f"{type(error).__name__}: {error}")


def _coded(code: int, message) -> Outcome:
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return Outcome(400 <= int(code) < 500, f"{code} {message}".strip())


# --- The connection ------------------------------------------------------------------------
def bulk_connection():
    """The mail connection of bulk sends: PARTERRE_BULK_EMAIL_URL (smtp://… like EMAIL_URL),
    else PARTERRE_BULK_EMAIL_BACKEND (e.g. an anymail backend), else the default one."""
    url = getattr(settings, "PARTERRE_BULK_EMAIL_URL", "")
    if url:
        import environ

        config = environ.Env.email_url_config(url)
        return get_connection(
            config["EMAIL_BACKEND"],
            host=config.get("EMAIL_HOST"),
            port=config.get("EMAIL_PORT"),
            username=config.get("EMAIL_HOST_USER") or "",
            password=config.get("EMAIL_HOST_PASSWORD") or "",
            use_tls=bool(config.get("EMAIL_USE_TLS")),
            use_ssl=bool(config.get("EMAIL_USE_SSL")),
            timeout=settings.EMAIL_TIMEOUT,
        )
    backend = getattr(settings, "PARTERRE_BULK_EMAIL_BACKEND", "")
    return get_connection(backend or None)


class Sender:
    """Sends claimed deliveries over one open connection: raw bytes over SMTP (rawmail.py),
    or EmailMessages through any other backend (a provider's, the tests' locmem)."""

    def __init__(self, campaign: Campaign, *, site: str, backend=None):
        self.campaign = campaign
        self.site = site
        self.schema = connection.schema_name
        comms = communication_settings()
        address = settings.DEFAULT_FROM_EMAIL
        if comms.from_name:
            from email.utils import formataddr, parseaddr

            address = formataddr((comms.from_name, parseaddr(address)[1]))
        self.from_email, self.reply_to = address, comms.reply_to
        self.backend = backend or bulk_connection()
        self.raw = isinstance(self.backend, SmtpBackend)
        self.compiled: dict[str, object] = {}
        self.templates: dict[str, RawTemplate] = {}
        self.languages: dict[str, str] = {}
        self.envelope_from = ""

    def _compiled(self, language: str):
        wanted = self.languages.get(language)
        if wanted is None:
            wanted = self.languages[language] = campaign_language(self.campaign, language)
        compiled = self.compiled.get(wanted)
        if compiled is None:
            compiled = self.compiled[wanted] = compile_campaign(self.campaign, language=wanted)
        return compiled

    def _template(self, language: str) -> RawTemplate:
        compiled = self._compiled(language)
        template = self.templates.get(compiled.language)
        if template is None:
            template = self.templates[compiled.language] = RawTemplate(
                compiled,
                site=self.site,
                schema=self.schema,
                from_email=self.from_email,
                reply_to=self.reply_to,
            )
        return template

    def prepare(self, language: str) -> None:
        """Compile (and stamp ready) the message in this language, before any send."""
        if self.raw:
            self._template(language)
        else:
            self._compiled(language)

    def open(self) -> None:
        self.backend.open()
        if self.raw:
            from email.utils import parseaddr

            self.envelope_from = parseaddr(self.from_email)[1]
            self.backend.connection.ehlo_or_helo_if_needed()  # to know if it pipelines

    def close(self) -> None:
        try:
            self.backend.close()
        except Exception:
            log.debug("campaigns: closing the mail connection failed", exc_info=True)

    def send(self, row: Claimed) -> None:
        """Send one message; raises on refusal (see classify)."""
        if self.raw:
            data = self._template(row.language).build(
                token=row.token, email=row.email, first_name=row.first_name
            )
            smtp = self.backend.connection
            if smtp.has_extn("pipelining"):
                pipelined_send(smtp, self.envelope_from, row.email, data)
                return
            refused = smtp.sendmail(self.envelope_from, [row.email], data)
            if refused:
                raise smtplib.SMTPRecipientsRefused(refused)
            return
        delivery = Delivery(pk=row.id, token=row.token, email=row.email, language=row.language)
        message = build_message(
            delivery,
            self._compiled(row.language),
            site=self.site,
            first_name=row.first_name,
            from_email=self.from_email,
            reply_to=self.reply_to,
            connection_=self.backend,
        )
        if not self.backend.send_messages([message]):
            raise smtplib.SMTPException("the backend sent nothing")


def pipelined_send(smtp: smtplib.SMTP, sender: str, to: str, data: bytes) -> None:
    """One message with ESMTP PIPELINING (RFC 2920): MAIL, RCPT and DATA in one write, then
    the content: two round trips instead of four. Raises like smtplib.sendmail."""
    smtp.send(f"MAIL FROM:<{sender}>\r\nRCPT TO:<{to}>\r\nDATA\r\n".encode())
    mail_reply, rcpt_reply, data_reply = smtp.getreply(), smtp.getreply(), smtp.getreply()
    if mail_reply[0] != 250:
        smtp.rset()
        raise smtplib.SMTPSenderRefused(mail_reply[0], mail_reply[1], sender)
    if rcpt_reply[0] not in (250, 251):
        smtp.rset()
        raise smtplib.SMTPRecipientsRefused({to: rcpt_reply})
    if data_reply[0] != 354:
        smtp.rset()
        raise smtplib.SMTPDataError(*data_reply)
    body = smtplib._quote_periods(data)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    smtp.send(body + b".\r\n")
    code, message = smtp.getreply()
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPDataError(code, message)


@dataclass
class RunStats:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    batches: int = 0
    seconds: float = 0.0
    outcomes: dict[str, int] = field(default_factory=dict)


def batch_size_for(rate_per_minute: int) -> int:
    """A batch is at most BATCH_SECONDS of sending at the venue's rate (so the lease holds)."""
    if not rate_per_minute:
        return BATCH_SIZE
    return max(1, min(BATCH_SIZE, rate_per_minute * BATCH_SECONDS // 60))


def send_batches(
    *,
    campaign_id: int,
    site: str | None = None,
    backend=None,
    budget_seconds: float | None = None,
    on_batch=None,
) -> RunStats:
    """Claim and send batches of the campaign until none is left, it is paused or cancelled,
    or the budget is spent. Must run outside a transaction (each claim and mark commits)."""
    stats = RunStats()
    started = time.monotonic()
    campaign = Campaign.objects.get(pk=campaign_id)
    if site is None:
        site = venue_url(connection.tenant, "")
    comms = communication_settings()
    limiter = RateLimiter(comms.rate_per_minute)
    size = batch_size_for(comms.rate_per_minute)
    sender = Sender(campaign, site=site, backend=backend)
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
        marks = Marks()
        try:
            while budget_seconds is None or time.monotonic() - started < budget_seconds:
                rows = claim_batch(campaign_id=campaign_id, limit=size)
                if not rows:
                    break
                stats.batches += 1
                try:
                    _send_batch(sender, rows, marks, limiter, stats)
                finally:
                    marks.drain()
                if on_batch is not None:
                    on_batch()
        finally:
            marks.drain()
            cursor.execute("RESET synchronous_commit")
    finish_if_done(campaign_id=campaign_id)
    stats.seconds = time.monotonic() - started
    return stats


def _send_batch(
    sender: Sender, rows: list[Claimed], marks: Marks, limiter, stats: RunStats
) -> None:
    # Every language the batch needs is compiled now, the connection idle: compiling reads
    # the database (shows, tracked links), which it cannot while a mark is in flight.
    for language in {row.language for row in rows}:
        sender.prepare(language)
    try:
        sender.open()
    except Exception as error:
        log.warning("campaigns: cannot open the mail connection: %s", error)
        release([row.id for row in rows])
        raise
    try:
        for index, row in enumerate(rows):
            limiter.take()
            try:
                sender.send(row)
            except Exception as error:
                marks.drain()
                outcome = classify(error)
                status = mark_failed(
                    delivery_id=row.id,
                    attempts=row.attempts,
                    error=outcome.text,
                    temporary=outcome.temporary,
                )
                if status == Delivery.Status.FAILED:
                    stats.failed += 1
                else:
                    stats.retried += 1
                if outcome.broken:
                    sender.close()
                    try:
                        sender.open()
                    except Exception:
                        release([r.id for r in rows[index + 1 :]])
                        raise
                continue
            marks.mark(row.id)
            stats.sent += 1
    finally:
        sender.close()


# --- Finishing, senders' slots, the sweep ------------------------------------------------------
def finish_if_done(*, campaign_id: int) -> bool:
    """A sending campaign with nothing left to send (or to retry) becomes `sent`."""
    unfinished = Delivery.objects.filter(
        campaign_id=OuterRef("pk"),
        status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING],
    )
    return bool(
        Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.SENDING)
        .exclude(Exists(unfinished))
        .update(status=Campaign.Status.SENT, finished_at=timezone.now())
    )


def _redis():
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def slot_key(schema: str, campaign_id: int, slot: int) -> str:
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return f"{schema}:{prefix}:campaigns:{campaign_id}:sender:{slot}"


def senders_per_campaign() -> int:
    return max(1, int(getattr(settings, "PARTERRE_CAMPAIGN_SENDERS", 2)))


class Slot:
    """One of the campaign's SENDERS places (a Redis key with a TTL)."""

    def __init__(self, campaign_id: int, schema: str | None = None):
        self.campaign_id = campaign_id
        self.schema = schema or connection.schema_name
        self.key: str | None = None
        self.value = secrets.token_hex(8)

    def take(self) -> bool:
        redis = _redis()
        for slot in range(senders_per_campaign()):
            key = slot_key(self.schema, self.campaign_id, slot)
            if redis.set(key, self.value, nx=True, ex=SLOT_TTL_SECONDS):
                self.key = key
                return True
        return False

    def refresh(self) -> None:
        if self.key:
            _redis().set(self.key, self.value, ex=SLOT_TTL_SECONDS)

    def release(self) -> None:
        if self.key and _redis().get(self.key) == self.value.encode():
            _redis().delete(self.key)
        self.key = None


def free_slots(campaign_id: int, schema: str | None = None) -> int:
    schema = schema or connection.schema_name
    keys = [slot_key(schema, campaign_id, n) for n in range(senders_per_campaign())]
    return sum(1 for value in _redis().mget(keys) if value is None)


def kick(campaign_id: int) -> None:
    """After commit: one sending task per free slot of the campaign (the tasks take the slots;
    a task that finds none stops at once, so kicking twice does no harm)."""
    schema = connection.schema_name
    transaction.on_commit(lambda: _send_tasks(campaign_id, schema), robust=True)


def _send_tasks(campaign_id: int, schema: str) -> None:
    from tenants.events.services import send_task

    try:
        for _n in range(free_slots(campaign_id, schema)):
            send_task(SEND_TASK, args=[campaign_id], headers={"_schema_name": schema})
    except Exception:  # the broker is away: the sweeper kicks again within a minute
        log.warning("campaigns: could not queue the sending of %s", campaign_id, exc_info=True)


def run_sender(*, campaign_id: int, budget_seconds: float = TASK_BUDGET_SECONDS) -> int:
    """The task's body: take a slot, send batches, hand over to a new task if work is left."""
    slot = Slot(campaign_id)
    if not slot.take():
        return 0
    try:
        stats = send_batches(
            campaign_id=campaign_id, budget_seconds=budget_seconds, on_batch=slot.refresh
        )
    finally:
        slot.release()
    if stats.batches and has_claimable(campaign_id=campaign_id):
        _send_tasks(campaign_id, connection.schema_name)  # the budget ran out: a fresh task
    return stats.sent


def has_claimable(*, campaign_id: int, now: datetime | None = None) -> bool:
    from django.db.models import Q

    now = now or timezone.now()
    return (
        Delivery.objects.filter(campaign_id=campaign_id, status=Delivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .exists()
    )


def sweep_sending(*, now: datetime | None = None) -> dict[str, int]:
    """Every minute, per venue: claims older than LEASE (their worker died) back to pending
    (skipped if the campaign was cancelled); campaigns with nothing left marked sent; the
    others kicked if rows wait and a sender's place is free."""
    now = now or timezone.now()
    stale = Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=now - LEASE)
    skipped = stale.filter(campaign__status=Campaign.Status.CANCELLED).update(
        status=Delivery.Status.SKIPPED
    )
    requeued = stale.update(status=Delivery.Status.PENDING)
    finished = kicked = 0
    for campaign_id in Campaign.objects.filter(status=Campaign.Status.SENDING).values_list(
        "pk", flat=True
    ):
        if finish_if_done(campaign_id=campaign_id):
            finished += 1
        elif has_claimable(campaign_id=campaign_id, now=now):
            _send_tasks(campaign_id, connection.schema_name)
            kicked += 1
    return {"requeued": requeued, "skipped": skipped, "finished": finished, "kicked": kicked}
