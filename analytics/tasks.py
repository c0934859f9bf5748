"""Celery entry points of analytics; per-venue periodic work is fanned out by tenants.tasks
(config/settings/base.py, PARTERRE_VENUE_PERIODIC_TASKS)."""

from celery import shared_task

from .services import refresh_typical_curve


@shared_task(name="analytics.refresh_typical_curve", ignore_result=True)
def refresh_typical_curve_task() -> int:
    """Daily per venue: yesterday's performances join the typical J−x curve. Idempotent:
    the curve is recomputed whole."""
    return refresh_typical_curve()


@shared_task(name="analytics.refresh_audience", ignore_result=True)
def refresh_audience_task() -> int:
    """Hourly per venue: the audience page's tables (analytics.audience). Idempotent: they
    are recomputed whole."""
    from .audience import refresh_audience

    return refresh_audience()
