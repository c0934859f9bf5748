"""Settings shared by every environment. Everything that varies comes from the environment."""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)

# Every venue is served on <slug>.<PARTERRE_BASE_DOMAIN>; the base host serves the cooperative.
PARTERRE_BASE_DOMAIN = env.str("PARTERRE_BASE_DOMAIN", default="localhost")
PARTERRE_PORT_SUFFIX = env.str("PARTERRE_PORT_SUFFIX", default="")  # e.g. ":8000" in development
PARTERRE_SCHEME = env.str("PARTERRE_SCHEME", default="http")
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[PARTERRE_BASE_DOMAIN, f".{PARTERRE_BASE_DOMAIN}"]
)

# --- Applications -------------------------------------------------------------------------
# Public schema (the cooperative). `accounts` (users, sessions, tokens, audit) exists in both
# lists on purpose: cooperative admins log in on the base host and every venue has its own
# staff table in its own schema, so a venue's session or token can never match another's.
SHARED_APPS = [
    # `tenants` comes first so its migrate_schemas (which also migrates the template) wins.
    "tenants",
    "django_tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "tenants.accounts",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "tenants.accounts",
    "tenants.events",
    "crm",
    "ticketing",
    "campaigns",
    "analytics",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]
# Above every app, for its `seed_demo` command only: no models, so in neither schema list.
INSTALLED_APPS += ["demo"]

TENANT_MODEL = "tenants.Venue"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# New venues are cloned from this migrated, data-free schema instead of running every migration.
TENANT_BASE_SCHEMA = "venue_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
# pg_dump used to snapshot that template (tenants.schema_clone); must be the server's major
# version or newer. Empty: pg_dump on PATH. `make run` / `make test` set it to the embedded dev
# server's own pg_dump when they start that server (config.devstack).
PARTERRE_PG_DUMP = env.str("PARTERRE_PG_DUMP", default="")
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# Set search_path once per tenant switch rather than before every query (halves round trips).
TENANT_LIMIT_SET_CALLS = True

MIDDLEWARE = [
    "tenants.middleware.VenueMiddleware",
    "tenants.accounts.middleware.AuditContextMiddleware",  # who acts, for the audit trail
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.parterre",
            ],
        },
    }
]

# --- Data stores --------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/parterre")
}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        # Every cache key carries the venue's schema: venues never read each other's entries.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="parterre"),
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
    }
}

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 7 * 24 * 3600  # invitation links stay valid a week
# Payments. The offline test provider (an order paid at once, no money moves) serves the demo,
# the tests and the benchmarks; production keeps it off unless an instance is a demo.
PARTERRE_OFFLINE_TEST_PAYMENTS = env.bool("PARTERRE_OFFLINE_TEST_PAYMENTS", default=False)
# Stripe (ticketing/payments): each venue enters its own keys in its settings (the money goes
# to the venue). Instance-wide *test* keys (sk_test_…) let a demo use Stripe's test mode.
PARTERRE_STRIPE_SECRET_KEY = env.str("PARTERRE_STRIPE_SECRET_KEY", default="")
PARTERRE_STRIPE_PUBLISHABLE_KEY = env.str("PARTERRE_STRIPE_PUBLISHABLE_KEY", default="")
PARTERRE_STRIPE_WEBHOOK_SECRET = env.str("PARTERRE_STRIPE_WEBHOOK_SECRET", default="")
# Where the stripe library sends API calls ("" = api.stripe.com; tests: localstripe) and the one
# script a storefront page loads from outside (Stripe requires it to collect card details).
PARTERRE_STRIPE_API_BASE = env.str("PARTERRE_STRIPE_API_BASE", default="")
PARTERRE_STRIPE_JS_URL = env.str("PARTERRE_STRIPE_JS_URL", default="https://js.stripe.com/v3/")
# Minutes a cart is kept, from the moment the buyer goes to pay (card entry, 3-D Secure).
PARTERRE_PAYMENT_MINUTES = env.int("PARTERRE_PAYMENT_MINUTES", default=15)
# Encrypts secrets stored in venue schemas (tenants/crypto.py: Stripe keys, the ticket-signing
# key); comma-separated keys rotate (the first encrypts); empty: derived from SECRET_KEY.
PARTERRE_FIELD_KEY = env.str("PARTERRE_FIELD_KEY", default="")
# The public storefront sells online; off, its pages still show the programme.
PARTERRE_STOREFRONT_ENABLED = env.bool("PARTERRE_STOREFRONT_ENABLED", default=True)
# Seconds a public storefront page (programme, show, performance) is shared by every visitor
# with nothing of their own on it (ticketing/views/storefront.py); 0 renders each one.
PARTERRE_STOREFRONT_PAGE_TTL_S = env.int("PARTERRE_STOREFRONT_PAGE_TTL_S", default=2)
# Login attempts allowed per minute, per email and per client address.
PARTERRE_LOGIN_RATE = env.str("PARTERRE_LOGIN_RATE", default="5/m")
PARTERRE_LOGIN_IP_RATE = env.str("PARTERRE_LOGIN_IP_RATE", default="30/m")
# Storefront sign-in links asked for, per address and per client address (spectator space).
PARTERRE_SIGNIN_LINK_RATE = env.str("PARTERRE_SIGNIN_LINK_RATE", default="5/h")
PARTERRE_SIGNIN_LINK_IP_RATE = env.str("PARTERRE_SIGNIN_LINK_IP_RATE", default="30/h")
RATELIMIT_USE_CACHE = "default"
# Where the client address is read for the per-address login limit (production reads the
# proxy's X-Forwarded-For, see tenants.accounts.network.client_ip).
RATELIMIT_IP_META_KEY = env.str("RATELIMIT_IP_META_KEY", default="REMOTE_ADDR")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 3600
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- I18n ---------------------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "config" / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "media"))
MEDIA_URL = "/media/"
# Uploaded files land under MEDIA_ROOT/<schema>/ and are served by a view that checks the host.
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"

# --- Email --------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# Text messages (tenants.sms): the console backend keeps them for /dev/sms/; a provider's
# adapter in production.
PARTERRE_SMS_BACKEND = env.str("PARTERRE_SMS_BACKEND", default="console")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Parterre <no-reply@parterre.localhost>")
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
# Bulk sends (campaigns/sending): a connection of their own, e.g. a provider's SMTP relay
# (smtp+tls://user:password@smtp.example.org:587) or an anymail backend
# ("anymail.backends.brevo.EmailBackend" with ANYMAIL = {...}); docs/sending.md.
PARTERRE_BULK_EMAIL_URL = env.str("PARTERRE_BULK_EMAIL_URL", default="")
PARTERRE_BULK_EMAIL_BACKEND = env.str("PARTERRE_BULK_EMAIL_BACKEND", default="")
# Senders working on one campaign at a time (each a Celery task holding a place).
PARTERRE_CAMPAIGN_SENDERS = env.int("PARTERRE_CAMPAIGN_SENDERS", default=2)
# Shorter than an order email's claim lease (ticketing.services.tickets.CLAIM_LEASE).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=60)
# Providers' tracking webhooks (bounces, complaints) through django-anymail, mounted on each
# venue's host at /m/hooks/<postmark|mailgun|brevo>/tracking/ (campaigns/tracking/webhooks.py):
# HTTP basic auth "user:password" for all, plus Mailgun's signing key. A provider whose
# settings are empty answers 404 (an unsigned webhook could unsubscribe anyone).
# A provider's other settings for anymail, as JSON: ANYMAIL='{"BREVO_API_KEY": "…"}'.
ANYMAIL = {
    "WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", default=""),
    "MAILGUN_WEBHOOK_SIGNING_KEY": env.str("MAILGUN_WEBHOOK_SIGNING_KEY", default=""),
    **env.json("ANYMAIL", default={}),
}

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.accounts.api_auth.VenueTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tenants.accounts.permissions.HasVenueRole"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "tenants.api.exception_handler",
    # JSON only, bounded in size and depth (tenants.parsers.JSONParser).
    "DEFAULT_PARSER_CLASSES": ["tenants.parsers.JSONParser"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Parterre API",
    "DESCRIPTION": "Ticketing and audience relations for one venue. The host name selects the "
    "venue; authenticate with `Authorization: Token <key>` (tokens are created in the venue "
    "settings).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI served from our own static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ConsentChannelEnum": "crm.models.Consent.Channel",
        "ContactSourceEnum": "crm.models.Source",
    },
}

# --- Celery -------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True  # a crashed worker's task is delivered again, not lost
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Periodic per-venue work: each entry names a task run once per active venue by the fan-out.
PARTERRE_VENUE_PERIODIC_TASKS = {
    "accounts.clear_expired_sessions": {"task": "accounts.clear_expired_sessions", "every": 3600},
    "ticketing.release_expired_holds": {"task": "ticketing.release_expired_holds", "every": 60},
    "ticketing.cancel_abandoned_payments": {
        "task": "ticketing.cancel_abandoned_payments",
        "every": 60,
    },
    # Reservations and phone sales: seats back on sale at the deadline, a reminder before.
    "ticketing.release_expired_reservations": {
        "task": "ticketing.release_expired_reservations",
        "every": 60,
    },
    "ticketing.remind_reservations": {"task": "ticketing.remind_reservations", "every": 300},
    # The outbox: events a crashed process left undispatched, consumer and webhook retries.
    "events.sweep": {"task": "events.sweep", "every": 60},
    "crm.take_integrity_snapshot": {"task": "crm.take_integrity_snapshot", "every": 86400},
    "crm.flag_inactive_contacts": {"task": "crm.flag_inactive_contacts", "every": 86400},
    # Duplicate candidates of the whole base (new contacts are re-scored as they come).
    "crm.refresh_duplicates": {"task": "crm.refresh_duplicates", "every": 86400},
    # Order emails whose task was lost or whose worker died after claiming them.
    "ticketing.retry_order_emails": {"task": "ticketing.retry_order_emails", "every": 60},
    # Recency scores, "lapsed" and a new season's criteria (crm/criteria.py).
    "crm.refresh_time_based": {"task": "crm.refresh_time_based", "every": 3600},
    # The sales ledger's day, month and year closings, signed (ticketing/ledger/closings.py).
    "ticketing.close_ledger_periods": {"task": "ticketing.close_ledger_periods", "every": 3600},
    # Sales-ledger entries recorded and not chained yet (ticketing/ledger/services.py).
    "ticketing.chain_ledger": {"task": "ticketing.chain_ledger", "every": 60},
    # Spent and expired sign-in links of the spectator space (they keep an email address).
    "crm.purge_sign_in_links": {"task": "crm.purge_sign_in_links", "every": 900},
    # Drop-off alerts: daily, but the detection and the staff digest happen once a week
    # (unique week rows, campaigns/dropoff/services.py).
    "campaigns.detect_dropoffs": {"task": "campaigns.detect_dropoffs", "every": 86400},
    # Journeys: due steps of every journey (campaigns/journeys/services.py).
    "campaigns.run_due_journeys": {"task": "campaigns.run_due_journeys", "every": 60},
    # The venue's typical J−x sales curve, with yesterday's performances (analytics/).
    "analytics.refresh_typical_curve": {"task": "analytics.refresh_typical_curve", "every": 86400},
    # The audience page's tables, recomputed whole (analytics/audience.py).
    "analytics.refresh_audience": {"task": "analytics.refresh_audience", "every": 3600},
    # The communication figures (analytics/communication_refresh.py): the recent campaigns
    # and journeys every quarter of an hour, everything once a day.
    "analytics.refresh_recent_communication": {
        "task": "analytics.refresh_recent_communication",
        "every": 900,
    },
    "analytics.refresh_all_communication": {
        "task": "analytics.refresh_all_communication",
        "every": 86400,
    },
    # The goals' monthly digest to the admins: daily, sent once a month (unique month row).
    "analytics.send_goal_digest": {"task": "analytics.send_goal_digest", "every": 86400},
    # The checkout funnel's days that are over, into its aggregate (analytics/funnel.py).
    "analytics.refresh_funnel": {"task": "analytics.refresh_funnel", "every": 3600},
    # The venue's aggregate figures shared with the cooperative (analytics/cooperative.py).
    "analytics.publish_cooperative_figures": {
        "task": "analytics.publish_cooperative_figures",
        "every": 86400,
    },
    # Campaigns (campaigns/sending): scheduled sends whose time has come; claims of dead
    # workers back to pending, stalled sends restarted, finished ones closed.
    "campaigns.start_due_campaigns": {"task": "campaigns.start_due_campaigns", "every": 60},
    "campaigns.sweep_sending": {"task": "campaigns.sweep_sending", "every": 60},
}
PARTERRE_FANOUT_JITTER_SECONDS = env.int("PARTERRE_FANOUT_JITTER_SECONDS", default=30)
# Outgoing webhooks go to public HTTPS addresses only (SSRF guard). Tests turn these on for a
# receiver on 127.0.0.1; production never should.
PARTERRE_WEBHOOKS_ALLOW_PRIVATE = env.bool("PARTERRE_WEBHOOKS_ALLOW_PRIVATE", default=False)
PARTERRE_WEBHOOKS_ALLOW_HTTP = env.bool("PARTERRE_WEBHOOKS_ALLOW_HTTP", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
