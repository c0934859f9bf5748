"""The CRM's two statements on the sale path, each one round trip instead of several.

An order with a buyer is on the hot path of an on-sale rush; written with the ORM, a new
buyer costs an INSERT of the contact, of its "created" timeline event and of its outbox
event, and recording the purchase an INSERT of the timeline event and an UPDATE of the
contact's counters: five round trips while the order's seats stay locked. Here:

- `create_contact`: the contact, its timeline event and its outbox event in one statement
  (data-modifying CTEs; the later rows take the new contact's id);
- `report_once`: the timeline event (once per dedupe key), the contact's counters and the
  behaviour tables (season, genre, quarter, affinity upserts) in one statement; then at most
  one more, `set_criteria`, when the contact's criteria or RFM scores change with it.

Every concrete field is written as the ORM would (`pre_save`, then `get_db_prep_save`), each
value cast to its column's type; tests/crm/test_statements.py compares the rows with the
ORM's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import sql
from django.db.models.expressions import RawSQL

from tenants.events.models import Event

from . import windows
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


@dataclass(frozen=True)
class Piece:
    """One more CTE of a report, named `name`. A data-modifying one writes only when the
    event was inserted and its contact counted: its SQL selects FROM u (the contact's
    UPDATE, which only happens then) or checks EXISTS (SELECT 1 FROM u)."""

    name: str
    sql: str
    params: list = field(default_factory=list)


@dataclass(frozen=True)
class Reported:
    """What `report_once` did: the event inserted (False: known already), its contact found,
    and, when inserted, the contact's new columns (`contact`: FACT_COLUMNS + criteria + rfm)
    and its season rows (`season`: the event's season's row after the report, `current`: the
    current season's row before it), each a dict or None."""

    inserted: bool
    known: bool
    contact: dict | None = None
    season: dict | None = None
    current: dict | None = None
    quarter_attendances: int | None = None  # the quarter's count after the report (piece q)


CONTACT_RETURNING = (
    "first_purchase_at",
    "last_purchase_at",
    "first_attended_at",
    "last_attended_at",
    "purchase_count",
    "amount_spent_cents",
    "referred_buyers",
    "criteria",
    "rfm_recency",
    "rfm_frequency",
    "rfm_monetary",
)
SEASON_COLUMNS = ("season", "purchases", "attendances", "spend_cents")


def report_once(
    event: TimelineEvent,
    counts: dict,
    *,
    before: list[Piece] = (),
    pieces: list[Piece] = (),
    current_season: str | None = None,
) -> Reported:
    """INSERT the timeline event unless its (code, contact, dedupe key) is recorded already,
    and only then apply `counts` (field → expression) to its contact and write `pieces` (the
    behaviour tables' upserts): one statement. `before` are read-only CTEs the counts may use
    (e.g. "is this the contact's first ticket at this performance?"). A piece named "s" is the
    event's season row (RETURNING SEASON_COLUMNS); `current_season` names the season whose
    row is read back as `current`. A contact that does not exist leaves its just-inserted
    event for the caller to remove (the foreign key is checked at commit)."""
    t_cols, t_vals, t_params = _columns(event)
    update = Contact.objects.filter(pk=event.contact_id).query.chain(sql.UpdateQuery)
    update.add_update_values(counts)
    u_sql, u_params = update.get_compiler(connection=connection).as_sql()
    returning = ", ".join(CONTACT_RETURNING)
    ctes = [f"{p.name} AS ({p.sql})" for p in before]
    ctes.append(
        f"t AS (INSERT INTO crm_timelineevent ({t_cols}) VALUES ({t_vals}) "  # noqa: S608
        "ON CONFLICT (code, contact_id, dedupe_key) DO NOTHING RETURNING id)"
    )
    ctes.append(f"u AS ({u_sql} AND EXISTS (SELECT 1 FROM t) RETURNING {returning})")  # noqa: S608
    ctes += [f"{p.name} AS ({p.sql})" for p in pieces]
    params = [*(v for p in before for v in p.params), *t_params, *u_params]
    params += [v for p in pieces for v in p.params]
    has_season = any(p.name == "s" for p in pieces)
    season_cols = ", ".join(f"s.{c}" for c in SEASON_COLUMNS) if has_season else "NULL"
    current_cols = ", ".join(f"cur.{c}" for c in SEASON_COLUMNS)
    has_quarter = any(p.name == "q" for p in pieces)
    quarter = "(SELECT attendances FROM q)" if has_quarter else "NULL"
    select = (
        f"SELECT (SELECT id FROM t), (SELECT count(*) FROM u), {quarter}, {', '.join(f'u.{c}' for c in CONTACT_RETURNING)}, "  # noqa: E501, S608
        f"{season_cols}, {current_cols} FROM (SELECT 1) AS one LEFT JOIN u ON true "
        + ("LEFT JOIN s ON true " if has_season else "")
        + "LEFT JOIN crm_seasonstats cur ON cur.contact_id = %s AND cur.season = %s"
    )
    params += [event.contact_id, current_season or ""]
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(ctes)} {select}", params)
        row = cursor.fetchone()
    inserted_id, updated = row[0], row[1]
    if inserted_id is None:
        return Reported(False, True)
    _saved(event, inserted_id)
    if not updated:
        return Reported(True, False)
    values = row[3:]
    contact = dict(zip(CONTACT_RETURNING, values[: len(CONTACT_RETURNING)], strict=True))
    values = values[len(CONTACT_RETURNING) :]
    season_values = values[: len(SEASON_COLUMNS)] if has_season else (None,)
    current_values = values[-len(SEASON_COLUMNS) :]
    season = (
        dict(zip(SEASON_COLUMNS, season_values, strict=True))
        if season_values[0] is not None
        else None
    )
    current = (
        dict(zip(SEASON_COLUMNS, current_values, strict=True))
        if current_values[0] is not None
        else None
    )
    return Reported(
        True, True, contact=contact, season=season, current=current, quarter_attendances=row[2]
    )


def set_criteria(
    contact_id: int,
    values: dict,
    event: TimelineEvent | None = None,
    outbox: Event | None = None,
) -> None:
    """UPDATE the contact's derived columns (`values`: criteria, rfm_*) and, when given,
    INSERT the timeline event saying what changed and its outbox event: one statement."""
    update = Contact.objects.filter(pk=contact_id).query.chain(sql.UpdateQuery)
    update.add_update_values(values)
    u_sql, u_params = update.get_compiler(connection=connection).as_sql()
    if event is None:
        with connection.cursor() as cursor:
            cursor.execute(u_sql, u_params)
        return
    t_cols, t_vals, t_params = _columns(event)
    parts = [
        f"WITH u AS ({u_sql} RETURNING 1), "  # noqa: S608
        f"t AS (INSERT INTO crm_timelineevent ({t_cols}) SELECT {t_vals} FROM u RETURNING id)"
    ]
    params = [*u_params, *t_params]
    if outbox is not None:
        e_cols, e_vals, e_params = _columns(outbox)
        parts.append(
            f", e AS (INSERT INTO events_event ({e_cols}) SELECT {e_vals} FROM u "  # noqa: S608
            "RETURNING id)"
        )
        params += e_params
    returned = "(SELECT id FROM e)" if outbox is not None else "NULL"
    with connection.cursor() as cursor:
        cursor.execute(f"{''.join(parts)} SELECT (SELECT id FROM t), {returned}", params)  # noqa: S608
        row = cursor.fetchone()
    if row[0] is not None:
        _saved(event, row[0])
    if outbox is not None and row[1] is not None:
        _saved(outbox, row[1])


# --- The behaviour tables' pieces of a report (see crm/behaviour.py for the rules) ---------
def first_at_performance(contact_id: int, performance_id: int | None) -> Piece:
    """CTE `f` (one row, n = 1 or 0): is this the contact's first ticket scanned at this
    performance? Read before the report's own event is inserted (a statement sees the rows
    of before it), so a companion's ticket counts one attendance per performance, not two.
    Without a performance, every ticket counts."""
    if performance_id is None:
        return Piece("f", "SELECT 1 AS n")
    return Piece(
        "f",
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM crm_timelineevent WHERE "
        "code = 'ticketing.attendance' AND performance_id = %s AND contact_id = %s) "
        "THEN 0 ELSE 1 END AS n",
        [performance_id, contact_id],
    )


FIRST = "(SELECT n FROM f)"


def season_upsert(
    contact_id: int,
    season: str,
    *,
    purchases: int = 0,
    tickets: int = 0,
    spend_cents: int = 0,
    attendances: str = "0",
) -> Piece:
    """CTE `s`: add to the contact's row of `season` (created at zero if needed). `attendances`
    is SQL (a number, or FIRST)."""
    return Piece(
        "s",
        "INSERT INTO crm_seasonstats (contact_id, season, purchases, tickets, spend_cents, "  # noqa: S608
        f"attendances) SELECT %s, %s, %s, %s, %s, {attendances} FROM u "
        "ON CONFLICT (contact_id, season) DO UPDATE SET "
        "purchases = crm_seasonstats.purchases + EXCLUDED.purchases, "
        "tickets = crm_seasonstats.tickets + EXCLUDED.tickets, "
        "spend_cents = crm_seasonstats.spend_cents + EXCLUDED.spend_cents, "
        "attendances = crm_seasonstats.attendances + EXCLUDED.attendances "
        f"RETURNING {', '.join(SEASON_COLUMNS)}",
        [contact_id, season, purchases, tickets, spend_cents],
    )


def season_decrease(
    contact_id: int,
    season: str,
    *,
    tickets: int,
    spend_cents: int,
    purchases: int = 0,
    name: str = "s",
) -> Piece:
    """CTE `s` (or `name`): a refund takes tickets and spend off its season, an exchange to
    another season also the order, floored at zero (a season crm has no row for has nothing
    to take off). Checks, not an upsert: a negative row would fail the columns' CHECK even on
    the conflict path."""
    return Piece(
        name,
        "UPDATE crm_seasonstats SET tickets = GREATEST(tickets - %s, 0), "  # noqa: S608
        "spend_cents = GREATEST(spend_cents - %s, 0), "
        "purchases = GREATEST(purchases - %s, 0) "
        "WHERE contact_id = %s AND season = %s AND EXISTS (SELECT 1 FROM u) "
        f"RETURNING {', '.join(SEASON_COLUMNS)}",
        [tickets, spend_cents, purchases, contact_id, season],
    )


def genre_decrease(contact_id: int, genres: list[str], *, purchases: int, name: str) -> Piece:
    """CTE `name`: an order exchanged to a show of other genres leaves these genres' counts,
    floored at zero."""
    return Piece(
        name,
        "UPDATE crm_genrestats SET purchases = GREATEST(purchases - %s, 0) "
        "WHERE contact_id = %s AND genre = ANY(%s::varchar(40)[]) AND EXISTS (SELECT 1 FROM u) "
        "RETURNING 1",
        [purchases, contact_id, list(genres)],
    )


def genre_upsert(
    contact_id: int,
    genres: list[str],
    *,
    purchases: int = 0,
    attendances: str = "0",
    purchased_at=None,
    attended_at=None,
    recent_genre: str = "",
) -> Piece:
    """CTE `g`: one row per genre of the show, counts added, last dates kept the latest.
    `recent_genre`: an attendance event of that genre (its timeline `genre`) counted in the
    recent window when it is not older than its start (crm/windows.py; needs the CTE
    `windows.WINDOW_CTE` among the report's `before`)."""
    recent = (
        f"CASE WHEN genre = %s AND %s::timestamptz >= {windows.WINDOW_START} THEN 1 ELSE 0 END"
        if recent_genre
        else "0"
    )
    recent_params = [recent_genre, attended_at] if recent_genre else []
    return Piece(
        "g",
        "INSERT INTO crm_genrestats (contact_id, genre, purchases, attendances, "  # noqa: S608
        "last_purchased_at, last_attended_at, recent_attendances) "
        f"SELECT %s, genre, %s, {attendances}, %s::timestamptz, %s::timestamptz, {recent} "
        "FROM u, unnest(%s::varchar(40)[]) AS genre "
        "ON CONFLICT (contact_id, genre) DO UPDATE SET "
        "purchases = crm_genrestats.purchases + EXCLUDED.purchases, "
        "attendances = crm_genrestats.attendances + EXCLUDED.attendances, "
        "recent_attendances = crm_genrestats.recent_attendances + EXCLUDED.recent_attendances, "
        "last_purchased_at = GREATEST(crm_genrestats.last_purchased_at, "
        "EXCLUDED.last_purchased_at), "
        "last_attended_at = GREATEST(crm_genrestats.last_attended_at, EXCLUDED.last_attended_at) "
        "RETURNING 1",
        [contact_id, purchases, purchased_at, attended_at, *recent_params, list(genres)],
    )


def affinity_add(
    contact_id: int,
    kind: str,
    keys: list[str],
    weight: float,
    *,
    now,
    scale: str = "1",
    name: str = "a",
) -> Piece:
    """CTE `a` (or `name`): add `weight` × `scale` (SQL: 1, or FIRST) to the contact's
    affinity for each key, floored at zero."""
    return Piece(
        name,
        "INSERT INTO crm_affinity (contact_id, kind, key, weight, updated_at) "  # noqa: S608
        f"SELECT %s, %s, key, GREATEST(%s * {scale}, 0), %s FROM u, "
        "unnest(%s::varchar(60)[]) AS key "
        "ON CONFLICT (contact_id, kind, key) DO UPDATE SET "
        f"weight = GREATEST(crm_affinity.weight + %s * {scale}, 0), "
        "updated_at = EXCLUDED.updated_at RETURNING 1",
        [contact_id, kind, weight, now, list(keys), weight],
    )


def quarter_upsert(contact_id: int, quarter, *, attendances: str = "1") -> Piece:
    """CTE `q`: count an attendance in its calendar quarter (RETURNING its count after)."""
    return Piece(
        "q",
        "INSERT INTO crm_quarterstats (contact_id, quarter, attendances) "  # noqa: S608
        f"SELECT %s, %s, {attendances} FROM u ON CONFLICT (contact_id, quarter) "
        "DO UPDATE SET attendances = crm_quarterstats.attendances + EXCLUDED.attendances "
        "RETURNING attendances",
        [contact_id, quarter],
    )


def genres_seen_with(genres: list[str]):
    """The contact's genres seen with these added (sorted, each once), for `counts`."""
    return RawSQL(
        "ARRAY(SELECT DISTINCT x FROM unnest(genres_seen || %s::varchar(40)[]) AS x ORDER BY x)",
        [list(genres)],
    )
