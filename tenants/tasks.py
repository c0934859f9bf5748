"""Cooperative-level Celery tasks: the heartbeat and the per-venue fan-out.

The fan-out runs in the public schema, lists active venues and sends one task per venue inside
`tenant_context`, so each task carries its venue's schema. Each venue's task is independent:
a slow or failing venue delays nobody else. A random countdown spreads venues over a window so
they don't all hit the database in the same second.
"""

import logging
import random
import time

from celery import current_app, shared_task
from django.conf import settings
from django_redis import get_redis_connection
from django_tenants.utils import tenant_context

from tenants.models import Venue

logger = logging.getLogger(__name__)


@shared_task(name="tenants.heartbeat", ignore_result=True)
def heartbeat() -> None:
    from tenants.views.system import HEARTBEAT_KEY

    get_redis_connection("default").set(HEARTBEAT_KEY, time.time(), ex=3600)


def active_venues():
    return Venue.objects.exclude(schema_name="public").filter(status=Venue.Status.ACTIVE)


def fan_out(task_name: str, *, args: tuple = (), jitter_seconds: int | None = None) -> int:
    """Send `task_name` once per active venue; returns how many were sent.

    Through Celery's `current_app` (the project's tenant-aware app, made the default one by
    config.celery), so that tenants does not import config."""
    jitter = settings.PARTERRE_FANOUT_JITTER_SECONDS if jitter_seconds is None else jitter_seconds
    sent = 0
    for venue in active_venues().only("pk", "schema_name", "status"):
        with tenant_context(venue):
            countdown = random.uniform(0, jitter) if jitter else None  # noqa: S311
            current_app.send_task(task_name, args=list(args), countdown=countdown)
        sent += 1
    return sent


@shared_task(name="tenants.fan_out_periodic", ignore_result=True)
def fan_out_periodic() -> None:
    """Called every minute by beat; sends each venue task whose period has come."""
    now = int(time.time())
    for name, spec in settings.PARTERRE_VENUE_PERIODIC_TASKS.items():
        if now // 60 % max(1, spec["every"] // 60) == 0:
            count = fan_out(spec["task"])
            logger.info("fan-out %s to %d venues", name, count)
