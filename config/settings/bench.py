"""Settings of the server `bench_onsale` starts on loopback: production, minus what needs a
TLS proxy in front (HTTPS redirect, HSTS), with persistent database connections and quiet logs.

Production's checks still apply: SECRET_KEY, DATABASE_URL, REDIS_URL, PARTERRE_BASE_DOMAIN and
DEFAULT_FROM_EMAIL must be set (the benchmark sets them for the server it starts).
"""

import os

# The rush pays with the offline test provider (before production's checks read it).
os.environ.setdefault("PARTERRE_OFFLINE_TEST_PAYMENTS", "true")

from .production import *

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
PARTERRE_SCHEME = "http"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# Nothing to deliver from a benchmark; invitations and receipts are dropped.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PARTERRE_SMS_BACKEND = "locmem"
LOGGING["root"]["level"] = env.str("LOG_LEVEL", default="WARNING")
