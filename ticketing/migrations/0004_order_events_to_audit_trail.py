"""Order history joins the one audit trail: every OrderEvent row is copied into
accounts.AuditEvent (object "ticketing.order" + the order's id; same code, actor, name, data
and time). Copying, not moving: the sale keeps writing OrderEvent until it writes the audit
trail itself, and the migration that drops OrderEvent copies again whatever is still missing
(the copy skips events already there, so running it twice copies nothing twice)."""

from django.db import migrations

COPY_ORDER_EVENTS = """
INSERT INTO accounts_auditevent
    (code, object_type, object_id, actor_kind, actor_id, api_token_id, actor_label, changes,
     data, created_at)
SELECT e.code, 'ticketing.order', e.order_id,
       CASE WHEN e.actor_label = 'spectator' THEN 'spectator'
            WHEN e.actor_id IS NULL AND e.actor_label IN ('', 'system') THEN 'system'
            ELSE 'user' END,
       e.actor_id, NULL, e.actor_label, '{}'::jsonb, e.data, e.created_at
FROM ticketing_orderevent e
WHERE NOT EXISTS (
    SELECT 1 FROM accounts_auditevent a
    WHERE a.object_type = 'ticketing.order' AND a.object_id = e.order_id
      AND a.code = e.code AND a.created_at = e.created_at
)
ORDER BY e.id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_audit_trail"),
        ("ticketing", "0003_payment_change"),
    ]

    operations = [migrations.RunSQL(COPY_ORDER_EVENTS, migrations.RunSQL.noop)]
