"""Writes about tickets as documents: the emails sent about an order (claimed before sending,
exactly once per row even if a worker dies) and the promotions printed on tickets.

How an email row goes out (`deliver_order_email`, run by the task `ticketing.send_order_email`):

    pending ──claim (committed UPDATE … WHERE status = pending, or sending with an expired
              lease)──► sending ──SMTP accepted──► sent (committed)

- a worker that dies after the claim but before the SMTP server accepted the message leaves
  the row `sending`: once its lease (CLAIM_LEASE) has run out, the sweep sends it again;
- a worker that dies after the row was marked `sent` (while acknowledging its Celery message,
  which is then delivered again: acks_late) finds `sent` and sends nothing;
- the one window left is between the SMTP server's "250 OK" and the commit of `sent` (one
  UPDATE, milliseconds). There no process can know whether the message left, and we choose
  to send again (at least once: a spectator without tickets is worse than one with two
  copies). The copy carries the same Message-ID, which most mail stores show once.
An SMTP error puts the row back to `pending` for the sweep after a pause (1 min, 2, 4… at most
1 h), MAX_ATTEMPTS times, then `failed` (shown on the order page, where staff can send again).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from email.utils import make_msgid

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.accounts.audit import record_event
from tenants.events.services import send_task
from ticketing.errors import InvalidRequest
from ticketing.models import Order, OrderEmail, Show, Ticket, TicketPromotion
from ticketing.selectors.tickets import ISSUED_ORDER_STATUSES
from ticketing.tickets.emails import build_order_email

from .orders.history import order_event

log = logging.getLogger(__name__)

SEND_TASK = "ticketing.send_order_email"
# Longer than any SMTP conversation (EMAIL_TIMEOUT, set in settings): a claim older than this
# belongs to a worker that died.
CLAIM_LEASE = timedelta(minutes=5)
# A pending row whose task message was lost (broker restart) is picked up after this.
PENDING_GRACE = timedelta(seconds=30)
MAX_ATTEMPTS = 5
RETRY_FIRST, RETRY_MAX = timedelta(minutes=1), timedelta(hours=1)
# A confirmation is for an order just paid: an event dispatched later than this (a long
# outage; imported or back-dated orders, like the demo's) sends none — staff can send the
# tickets from the order page. Nor is one sent when every performance has begun.
CONFIRMATION_MAX_DELAY = timedelta(hours=24)


def _actor_label(actor) -> str:
    if actor is None:
        return ""
    return str(getattr(actor, "email", "") or actor)[:200]


def _send_soon(email_id: int) -> None:
    schema = connection.schema_name
    transaction.on_commit(lambda: _send_task_quietly(email_id, schema), robust=True)


def _send_task_quietly(email_id: int, schema: str) -> None:
    try:
        send_task(SEND_TASK, args=[email_id], headers={"_schema_name": schema})
    except Exception:  # the broker is away: the sweep sends it (PENDING_GRACE)
        log.warning("tickets: could not queue order email %s", email_id, exc_info=True)


def _new_message_id() -> str:
    return make_msgid(domain=f"{connection.schema_name}.parterre")


def _has_valid_tickets(order_id: int) -> bool:
    """Valid tickets of a paid order (an order waiting for its payment has none to send)."""
    return Ticket.objects.filter(
        order_id=order_id,
        status=Ticket.Status.VALID,
        order__status__in=ISSUED_ORDER_STATUSES,
    ).exists()


@transaction.atomic
def queue_confirmation_email(*, order_id: int) -> OrderEmail | None:
    """The order's confirmation email, to be sent after the commit. At most one per order
    (a unique row; a second call finds it and sends nothing). None when there is no one to
    write to (an anonymous counter sale), no valid ticket for a performance to come, or the
    order was paid more than CONFIRMATION_MAX_DELAY ago."""
    order = Order.objects.select_related("contact").filter(pk=order_id).first()
    if order is None or not (order.contact_id and order.contact.email):
        return None
    now = timezone.now()
    if (order.paid_at or order.created_at) < now - CONFIRMATION_MAX_DELAY:
        return None
    upcoming = Ticket.objects.filter(
        order_id=order_id,
        status=Ticket.Status.VALID,
        order__status__in=ISSUED_ORDER_STATUSES,
        performance__starts_at__gt=now,
    )
    if not upcoming.exists():
        return None
    OrderEmail.objects.bulk_create(
        [
            OrderEmail(
                order=order,
                kind=OrderEmail.Kind.CONFIRMATION,
                message_id=_new_message_id(),
            )
        ],
        ignore_conflicts=True,
    )
    email = OrderEmail.objects.get(order=order, kind=OrderEmail.Kind.CONFIRMATION)
    if email.status == OrderEmail.Status.PENDING:
        _send_soon(email.pk)
    return email


@transaction.atomic
def resend_tickets(*, order: Order, to: str = "", actor=None) -> OrderEmail:
    """Send the order's tickets again (staff, API), to the buyer or to `to`."""
    order = Order.objects.select_related("contact").get(pk=order.pk)
    if not _has_valid_tickets(order.pk):
        raise InvalidRequest(_("This order has no valid ticket to send."))
    address = to.strip() or (order.contact.email if order.contact_id else "")
    if not address:
        raise InvalidRequest(_("The buyer has no email address: give one."), field="to")
    email = OrderEmail.objects.create(
        order=order,
        kind=OrderEmail.Kind.RESEND,
        to=to.strip(),
        message_id=_new_message_id(),
        actor_label=_actor_label(actor),
    )
    order_event(order, "ticketing.order.tickets_resent", actor, to=address)
    _send_soon(email.pk)
    return email


def queue_order_email(*, order: Order, kind: str, to: str = "", actor=None) -> OrderEmail:
    """Another email about an order (a reservation's reminder, a payment link), sent after
    the commit like the confirmation. A kind unique per order (the reminder) raises
    IntegrityError the second time: call it in a savepoint."""
    email = OrderEmail.objects.create(
        order_id=order.pk,
        kind=kind,
        to=to,
        message_id=_new_message_id(),
        actor_label=_actor_label(actor),
    )
    _send_soon(email.pk)
    return email


def claim_order_email(email_id: int, *, now=None) -> OrderEmail | None:
    """Take the row for sending (committed at once): pending, or sending with a lease that
    ran out. None when another worker holds it, or it was sent or given up."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = (
            OrderEmail.objects.filter(pk=email_id, attempts__lt=MAX_ATTEMPTS)
            .filter(
                Q(status=OrderEmail.Status.PENDING)
                | Q(status=OrderEmail.Status.SENDING, claimed_at__lt=now - CLAIM_LEASE)
            )
            .update(status=OrderEmail.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
        )
    if not claimed:
        return None
    return OrderEmail.objects.get(pk=email_id)


@transaction.atomic
def mark_order_email_sent(*, email: OrderEmail, to: str) -> bool:
    sent = OrderEmail.objects.filter(pk=email.pk, status=OrderEmail.Status.SENDING).update(
        status=OrderEmail.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    if sent:
        order_event(
            Order(pk=email.order_id),
            "ticketing.order.tickets_emailed",
            None,
            to=to,
            kind=email.kind,
        )
    return bool(sent)


def retry_delay(attempts: int) -> timedelta:
    """The pause after the `attempts`-th failed attempt: 1 min, 2, 4, … at most 1 h."""
    return min(RETRY_FIRST * 2 ** max(attempts - 1, 0), RETRY_MAX)


@transaction.atomic
def mark_order_email_failed(*, email: OrderEmail, error: str) -> None:
    """Back to pending for the sweep (after a pause), or failed after MAX_ATTEMPTS."""
    status = (
        OrderEmail.Status.FAILED if email.attempts >= MAX_ATTEMPTS else OrderEmail.Status.PENDING
    )
    OrderEmail.objects.filter(pk=email.pk, status=OrderEmail.Status.SENDING).update(
        status=status,
        last_error=error[:2000],
        next_attempt_at=timezone.now() + retry_delay(email.attempts),
    )


def deliver_order_email(*, email_id: int) -> str:
    """Claim, build and send one email row; "sent", "skipped" (not ours to send) or
    "error". Not atomic on purpose: the claim commits before the SMTP conversation and the
    outcome after it (module docstring)."""
    email = claim_order_email(email_id)
    if email is None:
        return "skipped"
    try:
        message = build_order_email(email)
        to = message.to[0] if message.to else ""
        if not to:
            raise InvalidRequest(_("No address to send the tickets to."))
        message.send()
    except Exception as error:
        log.warning("tickets: order email %s failed", email_id, exc_info=True)
        mark_order_email_failed(email=email, error=f"{type(error).__name__}: {error}")
        return "error"
    mark_order_email_sent(email=email, to=to)
    return "sent"


def due_order_email_ids(*, now=None, limit: int = 200) -> list[int]:
    """Rows the sweep sends again: pending whose message may be lost (or whose pause after
    an error is over), claims whose lease ran out (a worker died), while attempts remain."""
    now = now or timezone.now()
    pending = Q(status=OrderEmail.Status.PENDING)
    return list(
        OrderEmail.objects.filter(attempts__lt=MAX_ATTEMPTS)
        .filter(
            (pending & Q(next_attempt_at__isnull=True, created_at__lt=now - PENDING_GRACE))
            | (pending & Q(next_attempt_at__lte=now))
            | Q(status=OrderEmail.Status.SENDING, claimed_at__lt=now - CLAIM_LEASE)
        )
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )


def retry_order_emails() -> int:
    """The periodic sweep (per venue): queue every due row again. Harmless twice: each send
    claims its row first."""
    ids = due_order_email_ids()
    schema = connection.schema_name
    for email_id in ids:
        _send_task_quietly(email_id, schema)
    return len(ids)


# --- Promotions printed on tickets ------------------------------------------------------------
@transaction.atomic
def create_ticket_promotion(
    *, show: Show, message: str, code: str = "", expires_at, actor=None
) -> TicketPromotion:
    if expires_at <= timezone.now():
        raise InvalidRequest(_("The end date must be in the future."), field="expires_at")
    promotion = TicketPromotion.objects.create(
        show=show, message=message.strip(), code=code.strip(), expires_at=expires_at
    )
    record_event(
        code="ticketing.promotion.created",
        actor=actor if getattr(actor, "pk", None) else None,
        obj=promotion,
        data={"show": show.title, "expires_at": expires_at.isoformat()},
    )
    return promotion


@transaction.atomic
def end_ticket_promotion(*, promotion: TicketPromotion, actor=None) -> TicketPromotion:
    """Stop printing it now (kept for the record)."""
    now = timezone.now()
    if promotion.expires_at > now:
        promotion.expires_at = now
        promotion.save(update_fields=["expires_at"])
    record_event(
        code="ticketing.promotion.ended",
        actor=actor if getattr(actor, "pk", None) else None,
        obj=promotion,
        data={"show": promotion.show.title},
    )
    return promotion
