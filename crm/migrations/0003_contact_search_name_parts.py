"""Typo tolerance for the contact search: trigram GIN indexes on the unaccented first and last
names, each on its own.

A word of the query is compared with each name by trigram similarity (`%`, pg_trgm's default
threshold 0.3): "Marzin" finds Martin (0.4), "Lefxvre" finds Lefèvre. Word similarity (`<%`)
against the whole name, indexed by 0002, needs 0.6 by default: one wrong letter in the middle
of a six-letter name falls under it, and changing the threshold would cost a statement per
search or a per-connection setting. 0002's index still serves substring matches.
"""

from django.db import migrations

INDEXES = [
    (
        "crm_contact_first_name_trgm",
        "USING gin ((lower(crm_unaccent(first_name))) public.gin_trgm_ops)",
    ),
    (
        "crm_contact_last_name_trgm",
        "USING gin ((lower(crm_unaccent(last_name))) public.gin_trgm_ops)",
    ),
]


class Migration(migrations.Migration):
    dependencies = [("crm", "0002_contact_search")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {name} ON crm_contact {definition}",
            f"DROP INDEX IF EXISTS {name}",
        )
        for name, definition in INDEXES
    ]
