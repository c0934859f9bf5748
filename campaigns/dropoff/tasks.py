"""Celery entry points of the drop-off alerts (imported by CampaignsConfig.ready)."""

from celery import shared_task

from .services import detect_dropoffs, send_dropoff_digest


@shared_task(name="campaigns.detect_dropoffs", ignore_result=True)
def detect_dropoffs_task() -> int:
    """Daily per venue (the fan-out): the week's detection runs once (DropoffRun's unique
    week), then the week's digest is sent once (DropoffDigest's unique week). Running it
    twice, or every day of the week, does no harm."""
    run = detect_dropoffs()
    send_dropoff_digest()
    return run.alerts_created if run else 0
