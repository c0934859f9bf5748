"""Development settings used by `make run`."""

from .base import *

DEBUG = env.bool("DEBUG", default=True)
# Links (invitations, demo logins) name the port `make run` serves on: PORT, as devstack does.
PARTERRE_PORT_SUFFIX = env.str("PARTERRE_PORT_SUFFIX", default=f":{env.int('PORT', default=8000)}")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
# The demo sells with the offline test payment (no money moves).
PARTERRE_OFFLINE_TEST_PAYMENTS = env.bool("PARTERRE_OFFLINE_TEST_PAYMENTS", default=True)
