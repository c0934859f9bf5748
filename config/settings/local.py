"""Development settings used by `make run`."""

from .base import *

DEBUG = env.bool("DEBUG", default=True)
# Links (invitations, demo logins) name the port `make run` serves on: PORT, as devstack does.
PARTERRE_PORT_SUFFIX = env.str("PARTERRE_PORT_SUFFIX", default=f":{env.int('PORT', default=8000)}")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
