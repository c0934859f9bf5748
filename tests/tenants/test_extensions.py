"""The PostgreSQL extensions the apps rely on exist in the public schema (migration
tenants.0004) and work from a venue's schema, whose search_path ends with public."""

import pytest
from django.db import connection, transaction

from tests.helpers import in_venue

pytestmark = pytest.mark.django_db

EXTENSIONS = {"pg_trgm", "unaccent", "btree_gist"}


def test_the_extensions_are_installed_in_the_public_schema():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.extname, n.nspname FROM pg_extension e "
            "JOIN pg_namespace n ON n.oid = e.extnamespace"
        )
        installed = dict(cursor.fetchall())
    assert {name: installed.get(name) for name in EXTENSIONS} == dict.fromkeys(EXTENSIONS, "public")


def test_the_extensions_work_from_a_venue_schema(venue_a):
    with in_venue(venue_a), connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        assert cursor.fetchone()[0].startswith(venue_a.schema_name)
        cursor.execute("SELECT unaccent('Éloïse Hervé'), similarity('Lefebvre', 'Lefèbvre')")
        plain, score = cursor.fetchone()
        assert plain == "Eloise Herve"
        assert 0 < score < 1
        # btree_gist: an exclusion constraint mixing equality (a plain integer) and overlap.
        with transaction.atomic():
            cursor.execute(
                "CREATE TEMP TABLE booking (seat int, during tstzrange, "
                "EXCLUDE USING gist (seat WITH =, during WITH &&)) ON COMMIT DROP"
            )
            cursor.execute(
                "INSERT INTO booking VALUES (1, '[2026-01-01 20:00+00, 2026-01-01 22:00+00)'), "
                "(2, '[2026-01-01 20:00+00, 2026-01-01 22:00+00)')"
            )
