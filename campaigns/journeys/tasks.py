"""Celery entry point of journeys (imported by CampaignsConfig.ready)."""

from celery import shared_task

from .services import run_due_journeys


@shared_task(name="campaigns.run_due_journeys", ignore_result=True)
def run_due_journeys_task() -> dict:
    """Per venue, every minute (the fan-out of PARTERRE_VENUE_PERIODIC_TASKS). Idempotent:
    due runs are taken with SKIP LOCKED and marked in the same transaction; an overlapping or
    restarted tick finds them done."""
    report = run_due_journeys()
    return {"taken": report.taken, "done": report.done, "emails": report.emails}
