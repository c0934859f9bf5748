"""Order history joins the one audit trail: every OrderEvent row is copied into
accounts.AuditEvent (object "ticketing.order" + the order's id; same code, actor, name, data
and time). Copying, not moving: the sale keeps writing OrderEvent until it writes the audit
trail itself, and the migration that drops OrderEvent copies again whatever is still missing
(the copy skips events already there, so running it twice copies nothing twice)."""

from django.db import migrations

from ._order_events_copy import COPY_ORDER_EVENTS


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_audit_trail"),
        ("ticketing", "0003_payment_change"),
    ]

    operations = [migrations.RunSQL(COPY_ORDER_EVENTS, migrations.RunSQL.noop)]
