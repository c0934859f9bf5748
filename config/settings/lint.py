"""`make lint`: `makemigrations --check` compares the models with the migration files, which
needs no database. With a real backend Django would also connect to check the applied
history, and warn when the database does not exist yet (a fresh clone, CI before the tests)."""

from .test import *

DATABASES = {"default": {"ENGINE": "django.db.backends.dummy"}}
