"""Celery entry points of sending (they take primary keys and are harmless twice)."""

from celery import shared_task

from . import engine, services


@shared_task(name="campaigns.send_campaign_batches", ignore_result=True)
def send_campaign_batches_task(campaign_id: int) -> int:
    """Send a campaign's pending deliveries in batches, in one of its senders' places (a task
    that finds no free place does nothing)."""
    return engine.run_sender(campaign_id=campaign_id)


@shared_task(name="campaigns.sweep_sending", ignore_result=True)
def sweep_sending_task() -> dict:
    """Per venue, every minute: claims of dead workers back to pending, stalled sends kicked,
    finished ones marked sent."""
    return engine.sweep_sending()


@shared_task(name="campaigns.start_due_campaigns", ignore_result=True)
def start_due_campaigns_task() -> int:
    """Per venue, every minute: scheduled campaigns whose time has come."""
    return services.start_due_campaigns()
