"""The one hand-written INSERT of the sale path: an order with its cart, tickets, payments, its
first audit entry and (when paid) its outbox event, written in one statement.

Why: written with the ORM, an order costs one round trip per table (cart, order, tickets,
payments, audit, outbox), each of them while the seats just taken stay locked; in one statement the
sale is ~25 % faster in an on-sale rush (README, "Measured figures"). How: each part becomes a
data-modifying CTE, the later ones pointing at the earlier ones' new ids:

    WITH h AS (INSERT INTO ticketing_hold (…) VALUES (…) RETURNING id),
         o AS (INSERT INTO ticketing_order (…, hold_id) VALUES (…, (SELECT id FROM h))
               RETURNING id),
         t AS (INSERT INTO ticketing_ticket (order_id, …) VALUES ((SELECT id FROM o), …), …
               RETURNING id)
    SELECT 0, id FROM h UNION ALL SELECT 1, id FROM o UNION ALL SELECT 2, id FROM t

Every concrete field of a model is written, its value prepared as Django's INSERT compiler
does (`pre_save` — auto_now_add, defaults already on the instance —, then `get_db_prep_save`).
`WRITTEN_FIELDS` lists the fields this module was written for: a model that gains a field
fails tests/ticketing/test_order_writer.py until someone checks that writing it this way is
right, and that test compares every written row field by field with what the ORM writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

# The fields of each model this writer inserts (every concrete field but the primary key).
WRITTEN_FIELDS: dict[str, tuple[str, ...]] = {
    "ticketing.hold": (
        "token",
        "performance",
        "status",
        "expires_at",
        "channel",
        "seat_count",
        "created_by",
        "contact",  # the known spectator of an abandoned cart (null for a sale made at once)
        "created_at",
    ),
    "ticketing.order": (
        "reference",
        "status",
        "channel",
        "contact",
        "sold_by",
        "hold",
        "currency",
        "total_cents",
        "fee_cents",
        "refunded_cents",
        "created_at",
        "paid_at",
        "pay_by",
        "invitation_reason",
        "invited_by",
        "buyer_postcode",
        "marketing_ref",
    ),
    "ticketing.ticket": (
        "order",
        "performance",
        "seat",
        "performance_zone",
        "tariff",
        "price_cents",
        "fee_cents",
        "venue_fee_cents",
        "tax_rate_bp",
        "status",
        "code",
        "exchanged_to",
        "checked_in_at",
        "created_at",
        "revoked_at",
        "holder_contact",
    ),
    "ticketing.orderextra": (
        "order",
        "extra",
        "quantity",
        "unit_price_cents",
        "tax_rate_bp",
        "status",
        "created_at",
    ),
    "ticketing.payment": (
        "order",
        "method",
        "amount_cents",
        "change_cents",
        "status",
        "provider_reference",
        "created_by",
        "created_at",
        "cash_session",
    ),
    "accounts.auditevent": (
        "code",
        "object_type",
        "object_id",
        "actor_kind",
        "actor",
        "api_token",
        "actor_label",
        "changes",
        "data",
        "created_at",
    ),
    "events.event": (
        "code",
        "version",
        "key",
        "data",
        "occurred_at",
        "actor_label",
        "actor",
        "dispatched_at",
    ),
}


@dataclass
class Rows:
    """New rows of one table. `refs`: field name → the name of an earlier (one-row) part
    whose new id it takes (a foreign key, or a plain id column such as an audit row's
    `object_id`). `json_refs`: JSON field name → {key: part}: keys added to that JSON value
    with an earlier part's new id (an outbox event's `order_id`)."""

    name: str
    objs: list
    refs: dict[str, str] = field(default_factory=dict)
    json_refs: dict[str, dict[str, str]] = field(default_factory=dict)


def model_key(model) -> str:
    return model._meta.label_lower


def insert_fields(model) -> list:
    """The fields written for `model`: every concrete field but the primary key."""
    return [f for f in model._meta.concrete_fields if not f.primary_key]


# The INSERT of one part, per (model, part name, foreign keys pointing at earlier parts,
# number of rows): an order's statement takes a handful of shapes, each built once.
_INSERT_SQL: dict[tuple, tuple[str, list]] = {}


def _value_sql(f, pointing: dict[str, str], json_refs: dict[str, tuple]) -> str:
    if f.attname in pointing:
        return f"(SELECT id FROM {pointing[f.attname]})"  # noqa: S608 (part names are ours)
    if f.name in json_refs:
        pairs = ", ".join(
            f"'{key}', (SELECT id FROM {ref})"  # noqa: S608 (keys and part names are ours)
            for key, ref in json_refs[f.name]
        )
        return f"(%s::jsonb || jsonb_build_object({pairs}))"
    return "%s"


def _insert_sql(model, name: str, refs: tuple, json_refs: tuple, rows: int) -> tuple:
    key = (model, name, refs, json_refs, rows)
    found = _INSERT_SQL.get(key)
    if found is None:
        opts = model._meta
        quote = connection.ops.quote_name
        fields = insert_fields(model)
        pointing = {opts.get_field(field_name).attname: ref for field_name, ref in refs}
        row = ", ".join(_value_sql(f, pointing, dict(json_refs)) for f in fields)
        columns = ", ".join(quote(f.column) for f in fields)
        values = ", ".join([f"({row})"] * rows)
        found = (
            f"{name} AS (INSERT INTO {quote(opts.db_table)} ({columns}) "  # noqa: S608
            f"VALUES {values} RETURNING {quote(opts.pk.column)})",
            [f for f in fields if f.attname not in pointing],
        )
        _INSERT_SQL[key] = found
    return found


def attach(obj, **related) -> None:
    """Point `obj`'s foreign keys at these instances (id and cached object) as assigning them
    would, without the database-routing checks of the descriptor: they cost more than the
    rest of building a ticket, and every object here lives in the venue's one database."""
    for name, value in related.items():
        fk = obj._meta.get_field(name)
        setattr(obj, fk.attname, None if value is None else value.pk)
        fk.set_cached_value(obj, value)


def insert_together(*parts: Rows) -> None:
    """Insert the new rows of several tables in one statement (see the module's doc). Sets
    the new primary keys and foreign keys on the instances (PostgreSQL returns rows in VALUES
    order, which bulk_create relies on too)."""
    parts = tuple(part for part in parts if part.objs)
    assert all(part.name.isidentifier() for part in parts)  # names are ours, never input
    statements, params = [], []
    for part in parts:
        model = type(part.objs[0])
        json_refs = tuple((name, tuple(keys.items())) for name, keys in part.json_refs.items())
        assert all(k.isidentifier() for _n, keys in json_refs for k, _r in keys)
        sql, fields = _insert_sql(
            model, part.name, tuple(part.refs.items()), json_refs, len(part.objs)
        )
        statements.append(sql)
        for obj in part.objs:
            params.extend(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields)
    returned = " UNION ALL ".join(
        f"SELECT {index}, id FROM {part.name}"  # noqa: S608
        for index, part in enumerate(parts)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(statements)} {returned}", params)
        rows = cursor.fetchall()
    new_ids: dict[int, list[int]] = {index: [] for index in range(len(parts))}
    for index, pk in rows:
        new_ids[index].append(pk)
    by_name = {}
    for index, part in enumerate(parts):
        for obj, pk in zip(part.objs, new_ids[index], strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias
            for name, ref in part.refs.items():
                if obj._meta.get_field(name).is_relation:
                    attach(obj, **{name: by_name[ref]})
                else:
                    setattr(obj, name, by_name[ref].pk)
            for name, keys in part.json_refs.items():
                setattr(
                    obj, name, {**getattr(obj, name), **{k: by_name[r].pk for k, r in keys.items()}}
                )
        by_name[part.name] = part.objs[0]
