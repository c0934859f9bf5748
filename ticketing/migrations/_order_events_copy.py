"""The copy of OrderEvent rows into the audit trail, shared by migrations 0004 and 0005 (a
module whose name starts with "_" is not a migration)."""

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
