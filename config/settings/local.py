"""Development settings used by `make run`."""

from .base import *

DEBUG = env.bool("DEBUG", default=True)
PARTERRE_PORT_SUFFIX = env.str("PARTERRE_PORT_SUFFIX", default=":8000")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
