"""Create a venue schema by replaying a SQL snapshot of the venue template.

django-tenants' `clone_schema` SQL function re-sends ~4,600 lines of function definitions on
every call, and its index-renaming step scans `pg_indexes` of the whole database once per
table, so cloning got slower with every venue (7 s at 200 venues, slower than migrating). A
venue schema is the template under another name, so instead:

- `snapshot_template()` dumps the template once with `pg_dump` (structure and rows: the
  migration records, content types and permissions), rewrites it to be replayed inside a
  transaction under any schema name, and stores it in the public schema (`TemplateSnapshot`),
  keyed by a fingerprint of the template's applied migrations;
- `clone_template()` creates the schema and runs that SQL in the caller's transaction: one
  round trip whose cost does not depend on the number of venues. Names of tables, indexes,
  constraints and sequences are exactly the template's.

When no usable pg_dump is found (missing, failing, or older than the server), cloning falls
back to django-tenants' function followed by a faked migration run, as before.

This module also answers "which schemas lack a tenant migration" for `migrate_schemas`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.loader import MigrationLoader

from .models import TemplateSnapshot

logger = logging.getLogger(__name__)

# Part of the fingerprint: bump it when the rewriting below changes, so that snapshots made by
# older code are not replayed.
SNAPSHOT_FORMAT = "1"
# Stands for the quoted name of the schema being created. Checked absent from every dump.
PLACEHOLDER = "__PARTERRE_TARGET_SCHEMA__"
KEEP_SNAPSHOTS = 2  # the current one and the previous one (old code during a deploy)
PG_DUMP_TIMEOUT_S = 120
# pg_dump writes SET statements for the session; the clone must not change the session (the
# connection caches its search_path, TENANT_LIMIT_SET_CALLS) and has no business changing the
# driver's encoding.
DROPPED_SETTINGS = {"client_encoding", "search_path"}
# libpq connection keywords and the environment variables pg_dump reads them from. Passing them
# through the environment keeps the password off the command line.
LIBPQ_ENVIRONMENT = {
    "host": "PGHOST",
    "hostaddr": "PGHOSTADDR",
    "port": "PGPORT",
    "dbname": "PGDATABASE",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "sslcrldir": "PGSSLCRLDIR",
    "sslsni": "PGSSLSNI",
    "requirepeer": "PGREQUIREPEER",
    "require_auth": "PGREQUIREAUTH",
    "channel_binding": "PGCHANNELBINDING",
    "gssencmode": "PGGSSENCMODE",
    "krbsrvname": "PGKRBSRVNAME",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


class SnapshotUnavailable(Exception):
    """No snapshot can be made here (no usable pg_dump, or a dump we cannot rewrite)."""


@dataclass(frozen=True)
class Clone:
    schema_name: str
    method: str  # "snapshot" or "clone_schema" (django-tenants' function, the fallback)


# --- Migrations: what the template and the venues have applied ----------------------------
def tenant_app_labels() -> set[str]:
    return {
        config.label for config in apps.get_app_configs() if config.name in settings.TENANT_APPS
    }


@cache
def expected_tenant_migrations() -> frozenset[tuple[str, str]]:
    """Every migration of a tenant app on disk, as (app, name): what a venue schema must have.

    The graph's nodes, not all files: a squashed migration stands for those it replaces.
    Cached for the life of the process (loading migrations takes a noticeable fraction of a
    second; they do not change under a running process)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    labels = tenant_app_labels()
    return frozenset(key for key in loader.graph.nodes if key[0] in labels)


def applied_migrations(schema_name: str) -> set[tuple[str, str]]:
    """The (app, name) rows of a schema's django_migrations (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT app, name FROM {connection.ops.quote_name(schema_name)}.django_migrations"  # noqa: S608
        )
        return set(cursor.fetchall())


def fingerprint(rows: Iterable[tuple[str, str]]) -> str:
    """Identifies a state of the template: its applied migrations (and the snapshot format)."""
    digest = hashlib.sha256(f"parterre-template-snapshot/{SNAPSHOT_FORMAT}\n".encode())
    for app, name in sorted(set(rows)):
        digest.update(f"{app}\t{name}\n".encode())
    return digest.hexdigest()


def schemas_with_pending_migrations(schema_names: Iterable[str], *, batch: int = 500) -> list[str]:
    """The schemas, among `schema_names` (order kept), that lack a tenant migration on disk.

    A schema without a django_migrations table (or without a schema at all) is pending. One
    catalog query, then one UNION ALL query per `batch` schemas."""
    names = list(dict.fromkeys(schema_names))
    expected = expected_tenant_migrations()
    if not names or not expected:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid "
            "WHERE c.relname = 'django_migrations' AND c.relkind IN ('r', 'p') "
            "AND n.nspname = ANY(%s)",
            [names],
        )
        with_table = {row[0] for row in cursor.fetchall()}
        complete: set[str] = set()
        candidates = [name for name in names if name in with_table]
        apps_, migration_names = zip(*sorted(expected), strict=True)
        for start in range(0, len(candidates), batch):
            chunk = candidates[start : start + batch]
            union = " UNION ALL ".join(
                f"SELECT {index} AS s, app, name FROM "  # noqa: S608 (quoted catalog names)
                f"{connection.ops.quote_name(schema)}.django_migrations"
                for index, schema in enumerate(chunk)
            )
            cursor.execute(
                f"SELECT s, count(DISTINCT (app, name)) FROM ({union}) AS applied "  # noqa: S608
                "WHERE (app, name) IN (SELECT * FROM unnest(%s::text[], %s::text[])) "
                "GROUP BY s",
                [list(apps_), list(migration_names)],
            )
            complete.update(
                chunk[index] for index, count in cursor.fetchall() if count == len(expected)
            )
    return [name for name in names if name not in complete]


# --- Finding pg_dump -------------------------------------------------------------------------
_warned: set[str] = set()


def _warn_once(key: str, message: str, *args) -> None:
    if key not in _warned:
        _warned.add(key)
        logger.warning(message, *args)


def locate_pg_dump() -> str | None:
    """The PARTERRE_PG_DUMP setting if set, else pg_dump on PATH.

    `make run` / `make test` set PARTERRE_PG_DUMP to the embedded server's own pg_dump when
    they start that server (config.devstack), so the order is: the variable you set, then the
    embedded server's binary, then PATH."""
    configured = getattr(settings, "PARTERRE_PG_DUMP", "")
    if configured:
        return shutil.which(configured)
    return shutil.which("pg_dump")


def pg_dump_version(binary: str) -> str:
    """e.g. "16.4" from `pg_dump (PostgreSQL) 16.4 (Debian 16.4-1.pgdg120+1)`."""
    output = subprocess.run(
        [binary, "--version"], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    match = re.search(r"\)\s*(\d+)(?:\.(\d+))?", output) or re.search(r"(\d+)\.(\d+)", output)
    if not match:
        raise SnapshotUnavailable(f"cannot read the version of {binary}: {output!r}")
    return ".".join(part for part in match.groups() if part)


def _server_major() -> int:
    connection.ensure_connection()
    return connection.pg_version // 10000


def _pg_dump_environment() -> dict[str, str]:
    env = dict(os.environ)
    for key, value in connection.get_connection_params().items():
        variable = LIBPQ_ENVIRONMENT.get(key)
        if variable and value not in (None, ""):
            env[variable] = str(value)
    return env


def dump_template(schema_name: str) -> tuple[str, str]:
    """(plain-SQL dump of the schema, pg_dump version). Raises SnapshotUnavailable."""
    binary = locate_pg_dump()
    if binary is None:
        raise SnapshotUnavailable(
            "pg_dump not found (set PARTERRE_PG_DUMP or install the PostgreSQL client)"
        )
    try:
        version = pg_dump_version(binary)
    except (OSError, subprocess.SubprocessError) as error:
        raise SnapshotUnavailable(f"{binary} --version failed: {error}") from error
    if int(version.split(".")[0]) < _server_major():
        raise SnapshotUnavailable(
            f"{binary} is version {version}, older than the server "
            f"({connection.pg_version // 10000}); pg_dump must be the server's version or newer"
        )
    command = [
        binary,
        # Double quotes: the name is matched literally, not as a pattern.
        f'--schema="{schema_name}"',
        "--inserts",
        "--no-owner",
        "--no-privileges",
        "--no-comments",
        "--no-tablespaces",
        # Rather than wait long for a migration holding the template's tables: the fallback.
        "--lock-wait-timeout=10000",
    ]
    try:
        result = subprocess.run(  # no shell; the password is in the environment
            command,
            capture_output=True,
            text=True,
            timeout=PG_DUMP_TIMEOUT_S,
            env=_pg_dump_environment(),
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise SnapshotUnavailable(f"{binary} failed: {error}") from error
    if result.returncode != 0:
        raise SnapshotUnavailable(
            f"{binary} exited with {result.returncode}: {result.stderr.strip()[:2000]}"
        )
    return result.stdout, version


# --- Rewriting a dump into a replayable script ------------------------------------------------
_GAP = re.compile(r"(?:\s+|--[^\n]*(?:\n|\Z)|\\[^\n]*(?:\n|\Z))*")  # blanks, comments, \meta
_SPECIAL = re.compile(r"""['";$]|--""")
_DOLLAR_TAG = re.compile(r"\$(?:[^\W\d]\w*)?\$")
_QUOTED = {
    "'": re.compile(r"(?:[^']|'')*'"),
    '"': re.compile(r'(?:[^"]|"")*"'),
    "E'": re.compile(r"(?:[^'\\]|\\.|'')*'", re.DOTALL),
}
_SET = re.compile(r"SET\s+([A-Za-z_][A-Za-z0-9_.]*)\s*(?:=|\s+TO\s)\s*(.*);", re.DOTALL)
_SET_SEARCH_PATH = re.compile(
    r"SELECT\s+pg_catalog\.set_config\('search_path',\s*'',\s*false\);", re.IGNORECASE
)


def _identifier_char(char: str) -> bool:
    return char.isalnum() or char in "_$"


def sql_statements(dump: str) -> Iterator[str]:
    """The SQL statements of a plain pg_dump script, without comments and psql meta-commands
    (`\\restrict` …), which are recognised only between statements, never inside a string
    (a row's text may well contain a line starting with a backslash or with `SET`)."""
    pos, end = 0, len(dump)
    while True:
        pos = _GAP.match(dump, pos).end()
        if pos >= end:
            return
        start = pos
        while True:
            match = _SPECIAL.search(dump, pos)
            if match is None:
                raise SnapshotUnavailable(
                    f"unterminated statement in the dump: {dump[start : start + 200]!r}"
                )
            token, at = match.group(), match.start()
            if token == ";":
                pos = match.end()
                yield dump[start:pos]
                break
            if token == "--":
                newline = dump.find("\n", at)
                pos = end if newline < 0 else newline
            elif token == "$":
                tag = _DOLLAR_TAG.match(dump, at)
                if tag is None or (at > 0 and _identifier_char(dump[at - 1])):
                    pos = at + 1
                else:
                    close = dump.find(tag.group(), tag.end())
                    if close < 0:
                        raise SnapshotUnavailable("unterminated dollar-quoted string in the dump")
                    pos = close + len(tag.group())
            else:
                escape_string = (
                    token == "'"
                    and at > 0
                    and dump[at - 1] in "eE"
                    and (at < 2 or not _identifier_char(dump[at - 2]))
                )
                kind = "E'" if escape_string else token
                closing = _QUOTED[kind].match(dump, at + 1)
                if closing is None:
                    raise SnapshotUnavailable("unterminated quoted text in the dump")
                pos = closing.end()


def _qualifier(schema_name: str) -> re.Pattern[str]:
    """`<schema>.` as pg_dump writes it (bare or double-quoted), not inside a longer name."""
    quoted = '"' + schema_name.replace('"', '""') + '"'
    return re.compile(rf'(?<![\w$"])(?:{re.escape(schema_name)}|{re.escape(quoted)})(?=\.)')


_QUOTED_TEXT = r"'((?:[^']|'')*)'"
_MIGRATION_ROW = re.compile(
    rf"INSERT INTO {PLACEHOLDER}\.django_migrations VALUES \(\d+, {_QUOTED_TEXT}, {_QUOTED_TEXT},"  # noqa: S608 (a regex)
)


@dataclass(frozen=True)
class Script:
    sql: str
    local_settings: list[str]
    fingerprint: str


def rewrite_dump(dump: str, *, template: str, known_settings: set[str]) -> Script:
    """Turn a pg_dump of `template` into a script that recreates it under PLACEHOLDER.

    - psql meta-commands and comments go; so do `set_config('search_path', …)` and the
      template's `CREATE SCHEMA` (the clone creates its own schema);
    - `SET x = y` becomes `SET LOCAL x = y` (dropped when the server does not know x, e.g. a
      newer pg_dump's setting), so nothing outlives the transaction; clone_template restores
      the previous values right after the script anyway;
    - the template's qualifier becomes PLACEHOLDER everywhere except in the rows' values;
    - the fingerprint is computed from the django_migrations rows in the dump itself, so a
      snapshot is always filed under the state it really holds.
    """
    if PLACEHOLDER in dump:
        raise SnapshotUnavailable(f"the template's dump contains {PLACEHOLDER}")
    qualifier = _qualifier(template)
    create_schema = re.compile(
        rf"CREATE\s+SCHEMA\s+(?:{re.escape(template)}|\"{re.escape(template)}\")\s*;"
    )
    statements: list[str] = []
    local_settings: list[str] = []
    for statement in sql_statements(dump):
        if _SET_SEARCH_PATH.fullmatch(statement) or create_schema.fullmatch(statement):
            continue
        if re.match(r"(SET|RESET)\b", statement, re.IGNORECASE):
            match = _SET.fullmatch(statement)
            if match is None:
                raise SnapshotUnavailable(f"unexpected statement in the dump: {statement[:200]!r}")
            name, value = match.group(1).lower(), match.group(2)
            if name in DROPPED_SETTINGS or name not in known_settings:
                continue
            statements.append(f"SET LOCAL {name} = {value};")
            if name not in local_settings:
                local_settings.append(name)
            continue
        if re.match(r"SELECT\s+pg_catalog\.set_config\b", statement, re.IGNORECASE):
            raise SnapshotUnavailable(f"unexpected statement in the dump: {statement[:200]!r}")
        if statement.startswith("INSERT INTO "):
            # Only the table name: the values are the rows' data, kept as they are.
            statements.append(qualifier.sub(PLACEHOLDER, statement, count=1))
        else:
            statements.append(qualifier.sub(PLACEHOLDER, statement))
    sql = "\n".join(statements) + "\n"
    rows = [
        (app.replace("''", "'"), name.replace("''", "'"))
        for app, name in _MIGRATION_ROW.findall(sql)
    ]
    if not rows:
        raise SnapshotUnavailable("the template's dump holds no django_migrations rows")
    return Script(sql=sql, local_settings=local_settings, fingerprint=fingerprint(rows))


# --- Snapshots -------------------------------------------------------------------------------
def _known_settings() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_settings")
        return {row[0] for row in cursor.fetchall()}


def snapshot_template() -> TemplateSnapshot:
    """Dump the template, rewrite it, store it (unless stored already) and return it.

    Raises SnapshotUnavailable when pg_dump is unusable. Safe to run concurrently: the second
    insert of a fingerprint does nothing. pg_dump reads the committed template."""
    template = settings.TENANT_BASE_SCHEMA
    dump, version = dump_template(template)
    script = rewrite_dump(dump, template=template, known_settings=_known_settings())
    with transaction.atomic():
        TemplateSnapshot.objects.bulk_create(
            [
                TemplateSnapshot(
                    fingerprint=script.fingerprint,
                    sql=script.sql,
                    local_settings=script.local_settings,
                    pg_dump_version=version,
                )
            ],
            ignore_conflicts=True,
        )
        keep = TemplateSnapshot.objects.order_by("-created_at", "-pk").values("pk")[:KEEP_SNAPSHOTS]
        TemplateSnapshot.objects.exclude(pk__in=keep).exclude(
            fingerprint=script.fingerprint
        ).delete()
    return TemplateSnapshot.objects.get(fingerprint=script.fingerprint)


def current_snapshot() -> TemplateSnapshot | None:
    """The snapshot of the template as it is now (as this transaction sees its applied
    migrations), made and stored if there is none yet. None (and a warning, once per process)
    when none can be made: the caller falls back to clone_schema."""
    current = fingerprint(applied_migrations(settings.TENANT_BASE_SCHEMA))
    snapshot = TemplateSnapshot.objects.filter(fingerprint=current).first()
    if snapshot is not None:
        return snapshot
    try:
        snapshot = snapshot_template()
    except SnapshotUnavailable as error:
        _warn_once(
            str(error),
            "No snapshot of the venue template (%s): venues are created with django-tenants' "
            "clone_schema, which is slower and slows down as venues are added.",
            error,
        )
        return None
    if snapshot.fingerprint != current:
        # pg_dump saw the committed template, this transaction sees another state of it.
        logger.warning(
            "The venue template changed while it was dumped; using clone_schema this time."
        )
        return None
    return snapshot


# --- Cloning ---------------------------------------------------------------------------------
def replay_snapshot(snapshot: TemplateSnapshot, schema_name: str) -> None:
    """CREATE SCHEMA and replay the snapshot in it, in the current transaction (a savepoint),
    leaving the session's settings as they were."""
    quoted = connection.ops.quote_name(schema_name)
    with transaction.atomic(), connection.cursor() as cursor:
        if snapshot.local_settings:
            cursor.execute(
                "SELECT name, current_setting(name) FROM unnest(%s::text[]) AS name",
                [snapshot.local_settings],
            )
            previous = cursor.fetchall()
        # No parameters: psycopg sends the whole script in one simple-protocol round trip.
        cursor.execute(f"CREATE SCHEMA {quoted};\n" + snapshot.sql.replace(PLACEHOLDER, quoted))
        if snapshot.local_settings:
            cursor.execute(
                "SELECT count(set_config(name, value, true)) "
                "FROM unnest(%s::text[], %s::text[]) AS s(name, value)",
                [[name for name, _ in previous], [value for _, value in previous]],
            )


def clone_with_clone_schema(schema_name: str) -> None:
    """The previous way (django-tenants): its clone_schema SQL function, then every tenant
    migration marked applied. Slower, and slower with every venue, but needs no pg_dump."""
    from django_tenants.clone import CloneSchema

    CloneSchema().clone_schema(settings.TENANT_BASE_SCHEMA, schema_name, "DATA")
    call_command(
        "migrate_schemas",
        tenant=True,
        fake=True,
        schema_name=schema_name,
        interactive=False,
        verbosity=0,
    )
    connection.set_schema_to_public()


def clone_template(schema_name: str) -> Clone:
    """Create schema `schema_name` as a copy of the venue template, inside the caller's
    transaction. The template must be current (tenants.services.ensure_template_schema)."""
    if not connection.in_atomic_block:
        raise RuntimeError("clone_template runs inside the transaction that creates the venue")
    snapshot = current_snapshot()
    if snapshot is not None:
        try:
            replay_snapshot(snapshot, schema_name)
        except DatabaseError as error:
            _warn_once(
                f"replay:{snapshot.fingerprint}",
                "Replaying template snapshot %s failed (%s); falling back to "
                "django-tenants' clone_schema.",
                snapshot.fingerprint[:12],
                error,
            )
        else:
            return Clone(schema_name, "snapshot")
    clone_with_clone_schema(schema_name)
    return Clone(schema_name, "clone_schema")
