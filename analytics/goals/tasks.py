"""Celery entry point of the goals digest (imported by analytics.tasks)."""

from celery import shared_task

from .services import send_goal_digest


@shared_task(name="analytics.send_goal_digest", ignore_result=True)
def send_goal_digest_task() -> int:
    """Daily per venue (the fan-out, PARTERRE_VENUE_PERIODIC_TASKS): the month's digest goes
    once, on the first run of the month (GoalDigest's unique month); the other runs do
    nothing."""
    digest = send_goal_digest()
    return digest.recipients if digest else 0
