"""Celery application. Tasks carry their venue's schema in a header (tenant-schemas-celery),
so a task sent inside `tenant_context(venue)` runs in that venue's schema."""

import os

from celery.signals import worker_ready
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = CeleryApp("parterre")
# The default app too, not only the current one of the thread that imported this module:
# `celery.current_app` (used by the apps, which don't import config) must be this tenant-aware
# app in every thread, e.g. runserver's request threads, or tasks would leave without their
# venue's schema. (Celery's Django fix-up does it too; we don't leave it to chance.)
app.set_default()
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(
    [
        "tenants",
        "tenants.accounts",
        "tenants.events",
        "crm",
        "crm.imports",
        "ticketing",
        "campaigns",
        "analytics",
    ]
)

app.conf.beat_schedule = {
    # Proves worker and beat are alive; read by /healthz.
    "heartbeat": {"task": "tenants.heartbeat", "schedule": 30.0},
    # Fans periodic per-venue work out to every active venue (see tenants.tasks).
    "venue-periodic": {"task": "tenants.fan_out_periodic", "schedule": 60.0},
}


@worker_ready.connect
def heartbeat_at_start(**kwargs) -> None:
    """/healthz reads the heartbeat that beat sends every 30 s; without this one, it says
    "no worker heartbeat seen" for the first half minute after the worker is up."""
    from tenants.tasks import heartbeat

    heartbeat()
