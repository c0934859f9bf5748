from celery import shared_task

from ticketing.services.inventory import release_expired_holds
from ticketing.services.orders import cancel_abandoned_payments


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
