"""The sale writes its history to the audit trail (accounts.AuditEvent) now: OrderEvent leaves
the models. Expand, then contract: during a deploy, processes still running the previous
release may write OrderEvent rows, so the table stays for this release; this migration copies
what is still missing (the copy of 0004, which skips what is there) and lets the table go of
its foreign keys so orders can be deleted whatever it holds. A later release copies one last
time and drops the table."""

from django.db import migrations

from ._order_events_copy import COPY_ORDER_EVENTS

RELEASE_FOREIGN_KEYS = """
DO $$
DECLARE c text;
BEGIN
    FOR c IN SELECT conname FROM pg_constraint
             WHERE conrelid = 'ticketing_orderevent'::regclass AND contype = 'f'
    LOOP
        EXECUTE format('ALTER TABLE ticketing_orderevent DROP CONSTRAINT %I', c);
    END LOOP;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("ticketing", "0004_order_events_to_audit_trail")]

    operations = [
        migrations.RunSQL(COPY_ORDER_EVENTS, migrations.RunSQL.noop),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="OrderEvent")],
            database_operations=[migrations.RunSQL(RELEASE_FOREIGN_KEYS, migrations.RunSQL.noop)],
        ),
    ]
