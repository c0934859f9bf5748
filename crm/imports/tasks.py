"""Celery entry point of imports (autodiscovered through crm.tasks)."""

from celery import shared_task

from .services import run_import


@shared_task(name="crm.run_import", ignore_result=True, acks_late=True)
def run_import_task(import_id: int) -> None:
    """Sent inside the venue's tenant context (tenant-schemas-celery). Idempotent and
    resumable: it carries on from the last committed batch, and does nothing once done."""
    run_import(import_id=import_id)
