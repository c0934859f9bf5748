"""Development settings used by `make run`."""

from .base import *

DEBUG = env.bool("DEBUG", default=True)
# Links (invitations, demo logins) name the port `make run` serves on: PORT, as devstack does.
PARTERRE_PORT_SUFFIX = env.str("PARTERRE_PORT_SUFFIX", default=f":{env.int('PORT', default=8000)}")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
# The demo sells with the offline test payment (no money moves).
PARTERRE_OFFLINE_TEST_PAYMENTS = env.bool("PARTERRE_OFFLINE_TEST_PAYMENTS", default=True)
# Every email is kept under .local/mail/ and shown on /dev/mail/ (tenants.devmail), never sent.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="tenants.devmail.CapturingEmailBackend")
PARTERRE_DEV_MAIL_DIR = env.str("PARTERRE_DEV_MAIL_DIR", default=str(BASE_DIR / ".local" / "mail"))
