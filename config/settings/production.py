"""Production settings: refuse to start when a required variable is missing, and name it."""

import os

from django.core.exceptions import ImproperlyConfigured

REQUIRED = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PARTERRE_BASE_DOMAIN", "DEFAULT_FROM_EMAIL")
_missing = [name for name in REQUIRED if not os.environ.get(name)]
if _missing:
    raise ImproperlyConfigured(
        "Parterre refuses to start: missing environment variable(s): " + ", ".join(_missing)
    )

from .base import *  # noqa: E402

DEBUG = False
# A storefront must have a way to take payment: each venue's Stripe keys, stored encrypted under
# PARTERRE_FIELD_KEY (tenants/crypto.py). Without that key an instance either keeps its
# storefront closed to sales or is a demo that says so.
if PARTERRE_STOREFRONT_ENABLED and not PARTERRE_OFFLINE_TEST_PAYMENTS and not PARTERRE_FIELD_KEY:
    raise ImproperlyConfigured(
        "Parterre refuses to start: the storefront has no payment provider. Set "
        "PARTERRE_FIELD_KEY (it encrypts each venue's Stripe keys; generate one with "
        'python -c "import secrets; print(secrets.token_urlsafe(32))"), or '
        "PARTERRE_STOREFRONT_ENABLED=false until online payment is set up, or "
        "PARTERRE_OFFLINE_TEST_PAYMENTS=true for a demo instance (no money moves)."
    )
if SECRET_KEY.startswith("dev-only") or len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("Parterre refuses to start: SECRET_KEY is too short or a dev key")
PARTERRE_SCHEME = "https"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = [f"https://*.{PARTERRE_BASE_DOMAIN}", f"https://{PARTERRE_BASE_DOMAIN}"]
# The proxy in front appends the client address to X-Forwarded-For.
RATELIMIT_IP_META_KEY = env.str(
    "RATELIMIT_IP_META_KEY", default="tenants.accounts.network.client_ip"
)
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")

# Static files are collected into the image and served by WhiteNoise, compressed.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"}
