"""PostgreSQL extensions the apps rely on, created once, in the public schema.

- pg_trgm and unaccent: contact search and duplicate detection (crm);
- btree_gist: exclusion constraints mixing equality and ranges (ticketing, later).

They live in `public` because every venue's search_path is "<venue schema>, public": one
installation serves every venue, and `pg_dump --schema=venue_template` (the venue snapshot)
neither copies nor needs them. All three are "trusted" extensions (PostgreSQL 13+), so the
database owner may create them without being a superuser.

tenants is a shared app: django-tenants' router already runs its migrations on the public
schema only; the check below keeps it so even if that changed.
"""

from django.db import migrations
from django_tenants.utils import get_public_schema_name

EXTENSIONS = ("pg_trgm", "unaccent", "btree_gist")


def create_extensions(apps, schema_editor):
    if schema_editor.connection.schema_name != get_public_schema_name():
        return
    for name in EXTENSIONS:
        schema_editor.execute(f"CREATE EXTENSION IF NOT EXISTS {name} SCHEMA public")


class Migration(migrations.Migration):
    dependencies = [("tenants", "0003_templatesnapshot")]
    # Not dropped on the way back: indexes and constraints of other apps may depend on them.
    operations = [migrations.RunPython(create_extensions, migrations.RunPython.noop)]
