"""The crm's Celery entry points (periodic per-venue work is fanned out by tenants.tasks)."""

from celery import shared_task

from crm.integrity.services import take_integrity_snapshot
from crm.privacy.services import flag_inactive_contacts


@shared_task(name="crm.take_integrity_snapshot", ignore_result=True)
def take_integrity_snapshot_task() -> None:
    """Daily per venue: one snapshot row per day, so running it twice is harmless."""
    take_integrity_snapshot()


@shared_task(name="crm.flag_inactive_contacts", ignore_result=True)
def flag_inactive_contacts_task() -> None:
    """Daily per venue: the retention rule (one pending request per contact at most)."""
    flag_inactive_contacts()
