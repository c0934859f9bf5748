from celery import shared_task

from ticketing.services.inventory import release_expired_holds


@shared_task(name="ticketing.release_expired_holds", ignore_result=True)
def release_expired_holds_task() -> int:
    """Per venue (sent by the fan-out every minute). Idempotent: an expired cart is released
    once, by whichever run locks it first (SKIP LOCKED)."""
    total = 0
    while released := release_expired_holds():
        total += released
    return total
