"""Celery entry point of the candidate refresh, run in one venue's schema."""

import logging

from celery import shared_task
from django.db import connection

from .services import RefreshRunning, refresh_all_candidates

log = logging.getLogger(__name__)


@shared_task(name="crm.refresh_duplicates", ignore_result=True)
def refresh_duplicates() -> None:
    """Re-score the venue's whole base (see crm.dedup.services.refresh_all_candidates). Takes
    no argument: the venue is the task's schema. Running it twice does no harm."""
    if connection.schema_name == "public":
        log.warning("crm.refresh_duplicates sent without a venue schema, ignored")
        return
    try:
        report = refresh_all_candidates()
    except RefreshRunning:
        log.info("crm.refresh_duplicates: already running in %s", connection.schema_name)
        return
    log.info("crm.refresh_duplicates in %s: %s", connection.schema_name, report)
