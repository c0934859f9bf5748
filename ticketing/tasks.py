from celery import shared_task

from ticketing.ledger.closings import close_due_periods
from ticketing.ledger.services import chain_pending
from ticketing.services.inventory import release_expired_holds
from ticketing.services.orders import cancel_abandoned_payments
from ticketing.services.orders.links import send_link_sms
from ticketing.services.orders.reservations import (
    release_expired_reservations,
    remind_reservations,
)
from ticketing.services.tickets import deliver_order_email, retry_order_emails


@shared_task(name="ticketing.release_expired_holds", ignore_result=True)
def release_expired_holds_task() -> int:
    """Per venue (sent by the fan-out every minute). Idempotent: an expired cart is released
    once, by whichever run locks it first (SKIP LOCKED)."""
    total = 0
    while released := release_expired_holds():
        total += released
    return total


@shared_task(name="ticketing.cancel_abandoned_payments", ignore_result=True)
def cancel_abandoned_payments_task() -> int:
    """Per venue (sent by the fan-out every minute). Idempotent: a cancelled or settled
    payment is not looked at again."""
    return cancel_abandoned_payments()


@shared_task(name="ticketing.send_order_email", ignore_result=True)
def send_order_email_task(email_id: int) -> str:
    """Send one order email row (ticketing.services.tickets): claimed before sending, so a
    message delivered twice (a worker died: acks_late) sends it once."""
    return deliver_order_email(email_id=email_id)


@shared_task(name="ticketing.retry_order_emails", ignore_result=True)
def retry_order_emails_task() -> int:
    """Per venue, every minute: emails whose task was lost or whose worker died."""
    return retry_order_emails()


@shared_task(name="ticketing.close_ledger_periods", ignore_result=True)
def close_ledger_periods_task() -> int:
    """Per venue (sent by the fan-out every hour): closes and signs the days, month and year
    of the sales ledger that are over. Idempotent: one closing row per period (unique)."""
    return len(close_due_periods())


@shared_task(name="ticketing.chain_ledger", ignore_result=True)
def chain_ledger_task() -> int:
    """Per venue, every minute: number and chain the sales-ledger entries the sales' own
    on-commit chaining left (it found another chaining running). Idempotent: a journal row
    is chained once (it leaves the journal in the transaction that chains it)."""
    return chain_pending()


@shared_task(name="ticketing.release_expired_reservations", ignore_result=True)
def release_expired_reservations_task() -> int:
    """Per venue, every minute: reservations and phone sales past their deadline are
    cancelled and their seats put back on sale. Idempotent: only PENDING orders are taken,
    each locked (SKIP LOCKED) and checked again under the lock."""
    total = 0
    while released := release_expired_reservations():
        total += released
    return total


@shared_task(name="ticketing.remind_reservations", ignore_result=True)
def remind_reservations_task() -> int:
    """Per venue, every few minutes: the reminder before a reservation's deadline, once per
    reservation (a unique email row)."""
    return remind_reservations()


@shared_task(name="ticketing.send_payment_link_sms", ignore_result=True)
def send_payment_link_sms_task(link_id: int) -> bool:
    """Send a payment link's SMS; claimed first, so a message delivered twice sends one."""
    return send_link_sms(link_id=link_id)
