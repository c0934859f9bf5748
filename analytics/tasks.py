"""Celery entry points of analytics; per-venue periodic work is fanned out by tenants.tasks
(config/settings/base.py, PARTERRE_VENUE_PERIODIC_TASKS)."""

from celery import shared_task

from .services import refresh_typical_curve


@shared_task(name="analytics.refresh_typical_curve", ignore_result=True)
def refresh_typical_curve_task() -> int:
    """Daily per venue: yesterday's performances join the typical J−x curve. Idempotent:
    the curve is recomputed whole."""
    return refresh_typical_curve()


@shared_task(name="analytics.publish_cooperative_figures", ignore_result=True)
def publish_cooperative_figures_task() -> None:
    """Daily per venue: its aggregate figures of this season and the last, shared with the
    cooperative (tenants.figures says which). Idempotent: each season is published whole."""
    from .cooperative import publish_figures

    publish_figures()
