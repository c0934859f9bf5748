"""Celery entry points of analytics; per-venue periodic work is fanned out by tenants.tasks
(config/settings/base.py, PARTERRE_VENUE_PERIODIC_TASKS)."""

from celery import shared_task

from .communication_refresh import refresh_communication
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


@shared_task(name="analytics.refresh_recent_communication", ignore_result=True)
def refresh_recent_communication_task() -> int:
    """Every quarter of an hour per venue: the figures that still move. Idempotent."""
    return refresh_communication(full=False)


@shared_task(name="analytics.refresh_all_communication", ignore_result=True)
def refresh_all_communication_task() -> int:
    """Daily per venue: every campaign's figures recomputed. Idempotent."""
    return refresh_communication(full=True)


from .goals.tasks import send_goal_digest_task  # noqa: E402, F401 (the monthly goals digest)


@shared_task(name="analytics.refresh_funnel", ignore_result=True)
def refresh_funnel_task() -> int:
    """Hourly per venue: the checkout funnel's days that are over join its aggregate.
    Idempotent: each day's rows are replaced whole."""
    from .funnel_services import refresh_funnel_days

    return refresh_funnel_days()


@shared_task(name="analytics.publish_cooperative_figures", ignore_result=True)
def publish_cooperative_figures_task() -> None:
    """Daily per venue: its aggregate figures of this season and the last, shared with the
    cooperative (tenants.figures says which). Idempotent: each season is published whole."""
    from .cooperative import publish_figures

    publish_figures()
