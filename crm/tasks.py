"""The crm's Celery entry points. Each runs in one venue's schema (the task carries it);
periodic per-venue work is fanned out by tenants.tasks."""

from celery import shared_task

from crm.criteria import refresh_all_criteria, refresh_time_based
from crm.integrity.services import take_integrity_snapshot
from crm.privacy.services import flag_inactive_contacts
from crm.spectators import purge_sign_in_links


@shared_task(name="crm.refresh_time_based", ignore_result=True)
def refresh_time_based_task() -> dict:
    """Per venue, sent by the fan-out every hour: what the calendar alone changes (recency
    scores, "lapsed", the season's criteria at a new season). Idempotent: a second run finds
    nothing left to change."""
    return refresh_time_based()


@shared_task(name="crm.refresh_all_criteria", ignore_result=True)
def refresh_all_criteria_task() -> int:
    """After the venue changed its thresholds. Idempotent: deciding twice decides the same."""
    return refresh_all_criteria()


@shared_task(name="crm.take_integrity_snapshot", ignore_result=True)
def take_integrity_snapshot_task() -> None:
    """Daily per venue: one snapshot row per day, so running it twice is harmless."""
    take_integrity_snapshot()


@shared_task(name="crm.flag_inactive_contacts", ignore_result=True)
def flag_inactive_contacts_task() -> None:
    """Daily per venue: the retention rule (one pending request per contact at most)."""
    flag_inactive_contacts()


@shared_task(name="crm.purge_sign_in_links", ignore_result=True)
def purge_sign_in_links_task() -> int:
    """Every quarter of an hour per venue: used and expired sign-in links are deleted.
    Idempotent: a second run finds nothing left."""
    return purge_sign_in_links()
