"""Test settings: real PostgreSQL and Redis, fast hashing, mail kept in memory."""

from .base import *

DEBUG = False
SECRET_KEY = "test-secret-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PARTERRE_SMS_BACKEND = "locmem"
CELERY_TASK_ALWAYS_EAGER = False
# Tasks that tests send (e.g. the dispatch a committed sale asks for) go to a queue of this run,
# never to a development worker sharing the Redis server; tests that run a worker name theirs.
CELERY_TASK_DEFAULT_QUEUE = "parterre-test-" + env.str("PARTERRE_TEST_DB", default="test")
PARTERRE_FANOUT_JITTER_SECONDS = 0
# Per run and per xdist worker: two workers' venues share schema names (and show ids), so a
# shared folder lets one worker's test delete the other's pictures.
MEDIA_ROOT = (
    BASE_DIR
    / ".local"
    / "test-media"
    / env.str("PARTERRE_TEST_DB", default="test")
    / env.str("PYTEST_XDIST_WORKER", default="main")
)
# Each xdist worker gets its own cache namespace so parallel runs never share keys.
CACHES["default"]["KEY_PREFIX"] = "-".join(
    [
        "parterre",
        env.str("PARTERRE_TEST_DB", default="test"),
        env.str("PYTEST_XDIST_WORKER", default="main"),
    ]
)
LOGGING["root"]["level"] = "WARNING"
# Lets two suites run side by side on one server (e.g. two checkouts): PARTERRE_TEST_DB=name.
DATABASES["default"]["TEST"] = {"NAME": env.str("PARTERRE_TEST_DB", default="test_parterre")}
PARTERRE_OFFLINE_TEST_PAYMENTS = True
# Pages rendered for each request: tests see their writes at once (the tests of the shared
# pages turn it on).
PARTERRE_STOREFRONT_PAGE_TTL_S = 0
