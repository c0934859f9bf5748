"""Indexes for the contact search (crm.search): accent- and case-insensitive, typo-tolerant.

`unaccent()` is only STABLE (its dictionary could change), so PostgreSQL refuses it in an index
expression. `crm_unaccent(text)` is an IMMUTABLE wrapper that names the function and its
dictionary with their schema, so it means the same thing whatever the search_path. It is
created in the venue's schema (this app's migrations run for the template and every venue;
a venue cloned from the template's pg_dump snapshot gets it and the indexes from the dump).

The indexes:
- name: trigram GIN on lower(crm_unaccent(first_name || ' ' || last_name)) — substring
  (LIKE '%…%') and typo-tolerant word similarity (`<%`);
- email_normalized and phone (E.164): trigram GIN — substring matching;
- postcode: btree with pattern operators — prefix matching ("49" finds 49100).
The expression in crm.search must stay exactly the one indexed here.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION crm_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$
"""

INDEXES = [
    (
        "crm_contact_name_trgm",
        "USING gin ((lower(crm_unaccent(first_name || ' ' || last_name))) public.gin_trgm_ops)",
    ),
    ("crm_contact_email_trgm", "USING gin (email_normalized public.gin_trgm_ops)"),
    ("crm_contact_phone_trgm", "USING gin (phone public.gin_trgm_ops)"),
    ("crm_contact_postcode_prefix", "(postcode varchar_pattern_ops)"),
]


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]

    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS crm_unaccent(text)"),
        *(
            migrations.RunSQL(
                f"CREATE INDEX {name} ON crm_contact {definition}",
                f"DROP INDEX IF EXISTS {name}",
            )
            for name, definition in INDEXES
        ),
    ]
