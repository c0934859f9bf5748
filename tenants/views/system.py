"""Health check and the venue-scoped media view."""

import mimetypes
import time
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import FileResponse, Http404, JsonResponse
from django.views.decorators.cache import never_cache
from django_redis import get_redis_connection

# Instance-wide (not a venue's): prefixed like the cache so two instances on one Redis differ.
HEARTBEAT_KEY = f"{settings.CACHES['default']['KEY_PREFIX']}:celery:heartbeat"
HEARTBEAT_MAX_AGE = 120


def _check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok"}


def _check_redis() -> dict:
    get_redis_connection("default").ping()
    return {"status": "ok"}


def _check_celery() -> dict:
    raw = get_redis_connection("default").get(HEARTBEAT_KEY)
    if raw is None:
        return {"status": "down", "detail": "no worker heartbeat seen"}
    age = time.time() - float(raw)
    status = "ok" if age <= HEARTBEAT_MAX_AGE else "down"
    return {"status": status, "heartbeat_age_s": round(age, 1)}


@never_cache
def healthz(request):
    checks = {}
    for name, check in (
        ("database", _check_database),
        ("redis", _check_redis),
        ("celery", _check_celery),
    ):
        try:
            checks[name] = check()
        except Exception as exc:  # a health check reports every failure, whatever it is
            checks[name] = {"status": "down", "detail": exc.__class__.__name__}
    healthy = all(c["status"] == "ok" for c in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "checks": checks},
        status=200 if healthy else 503,
    )


def media(request, schema: str, path: str):
    """Serve a file only from the folder of the venue the host names."""
    if schema != request.tenant.schema_name:
        raise Http404
    root = (Path(settings.MEDIA_ROOT) / request.tenant.schema_name).resolve()
    target = (root / path).resolve()
    if root not in target.parents or not target.is_file():
        raise Http404
    content_type, _ = mimetypes.guess_type(target.name)
    return FileResponse(target.open("rb"), content_type=content_type or "application/octet-stream")
