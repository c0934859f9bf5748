"""The CRM's two statements on the sale path, each one round trip instead of several.

An order with a buyer is on the hot path of an on-sale rush; written with the ORM, a new
buyer costs an INSERT of the contact, of its "created" timeline event and of its outbox
event, and recording the purchase an INSERT of the timeline event and an UPDATE of the
contact's counters: five round trips while the order's seats stay locked. Here:

- `create_contact`: the contact, its timeline event and its outbox event in one statement
  (data-modifying CTEs; the later rows take the new contact's id);
- `report_once`: the timeline event (once per dedupe key) and the counters in one statement.

Every concrete field is written as the ORM would (`pre_save`, then `get_db_prep_save`), each
value cast to its column's type; tests/crm/test_statements.py compares the rows with the
ORM's.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import sql

from tenants.events.models import Event

from .models import Contact, TimelineEvent

_CONTACT_CONFLICT = "(email_normalized) WHERE NOT (email_normalized = '')"


def _columns(obj, *, computed: dict[str, str] | None = None) -> tuple[str, str, list]:
    """(column list, value list, params) of a new row: each value `%s::type`, or the SQL of
    `computed[field name]` (which may hold one %s for the field's own value)."""
    computed = computed or {}
    quote = connection.ops.quote_name
    names, values, params = [], [], []
    for f in obj._meta.concrete_fields:
        if f.primary_key:
            continue
        names.append(quote(f.column))
        expression = computed.get(f.name, "%s")
        if "%s" in expression:
            params.append(f.get_db_prep_save(f.pre_save(obj, True), connection))
            expression = expression.replace("%s", f"%s::{f.cast_db_type(connection)}")
        values.append(expression)
    return ", ".join(names), ", ".join(values), params


def _saved(obj, pk: int) -> None:
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias


def create_contact(contact: Contact, created: TimelineEvent, event: Event | None) -> bool:
    """INSERT the new contact unless its email is taken (a concurrent buyer: False, nothing
    written), with its timeline event and outbox event pointing at it. Sets the primary keys
    and the contact ids on the instances."""
    c_cols, c_vals, c_params = _columns(contact)
    t_cols, t_vals, t_params = _columns(created, computed={"contact": "c.id"})
    parts = [
        f"WITH c AS (INSERT INTO crm_contact ({c_cols}) VALUES ({c_vals}) "  # noqa: S608
        f"ON CONFLICT {_CONTACT_CONFLICT} DO NOTHING RETURNING id), "
        f"t AS (INSERT INTO crm_timelineevent ({t_cols}) SELECT {t_vals} FROM c RETURNING id)"
    ]
    params = [*c_params, *t_params]
    if event is not None:
        e_cols, e_vals, e_params = _columns(
            event,
            computed={
                "key": "(%s || c.id)",
                "data": "(%s || jsonb_build_object('contact_id', c.id))",
            },
        )
        parts.append(
            f", e AS (INSERT INTO events_event ({e_cols}) SELECT {e_vals} FROM c "  # noqa: S608
            "RETURNING id)"
        )
        params += e_params
    returned = "(SELECT id FROM e)" if event is not None else "NULL"
    with connection.cursor() as cursor:
        cursor.execute(
            f"{''.join(parts)} SELECT c.id, (SELECT id FROM t), {returned} FROM c",  # noqa: S608
            params,
        )
        row = cursor.fetchone()
    if row is None:
        return False
    contact_id, created_id, event_id = row
    _saved(contact, contact_id)
    created.contact_id = contact_id
    _saved(created, created_id)
    if event is not None:
        event.key = f"{event.key}{contact_id}"
        event.data = {**event.data, "contact_id": contact_id}
        _saved(event, event_id)
    return True


def report_once(event: TimelineEvent, counts: dict) -> tuple[bool, bool]:
    """INSERT the timeline event unless its (code, contact, dedupe key) is recorded already,
    and only then apply `counts` (field → expression) to its contact. Returns (inserted,
    contact found); a contact that does not exist leaves its just-inserted event for the
    caller to remove (the foreign key is checked at commit)."""
    t_cols, t_vals, t_params = _columns(event)
    update = Contact.objects.filter(pk=event.contact_id).query.chain(sql.UpdateQuery)
    update.add_update_values(counts)
    u_sql, u_params = update.get_compiler(connection=connection).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH t AS (INSERT INTO crm_timelineevent ({t_cols}) VALUES ({t_vals}) "  # noqa: S608
            "ON CONFLICT (code, contact_id, dedupe_key) DO NOTHING RETURNING id), "
            f"u AS ({u_sql} AND EXISTS (SELECT 1 FROM t) RETURNING 1) "
            "SELECT (SELECT id FROM t), (SELECT count(*) FROM u)",
            [*t_params, *u_params],
        )
        inserted_id, updated = cursor.fetchone()
    if inserted_id is None:
        return False, True
    _saved(event, inserted_id)
    return True, bool(updated)
