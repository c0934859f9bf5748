"""Venue schemas are created by replaying a pg_dump snapshot of the template
(tenants.schema_clone), with django-tenants' clone_schema as the fallback; `migrate_schemas`
skips venue schemas that have nothing to apply.

Every test runs in the test's transaction (rolled back), so created schemas and snapshots
vanish with it. The one test that must change the committed template cleans up after itself."""

import io
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import override_settings

from crm.models import Contact
from crm.search import search_contacts
from tenants import schema_clone
from tenants.models import TemplateSnapshot, Venue
from tenants.schema_clone import (
    PLACEHOLDER,
    SnapshotUnavailable,
    clone_template,
    expected_tenant_migrations,
    rewrite_dump,
    schemas_with_pending_migrations,
    sql_statements,
)
from tenants.services import create_venue
from tests.helpers import committed, in_venue

pytestmark = pytest.mark.django_db

TEMPLATE = settings.TENANT_BASE_SCHEMA
ROOT = Path(__file__).resolve().parents[2]


def _rows(query: str, schema: str) -> set[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, [schema])
        return set(cursor.fetchall())


def catalog(schema: str) -> dict[str, set[tuple]]:
    """Names and kinds of everything in a schema, as the catalogs list them."""
    return {
        "relations": _rows(
            "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = %s",
            schema,
        ),
        # The schema's own name goes (ON <schema>.table, <schema>.crm_unaccent(…)): the clone's
        # indexes call the clone's functions.
        "indexes": {
            (table, name, definition.replace(f"{schema}.", ""))
            for table, name, definition in _rows(
                "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %s",
                schema,
            )
        },
        "functions": _rows(
            "SELECT p.proname, pg_get_function_identity_arguments(p.oid), p.provolatile, "
            "p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = %s",
            schema,
        ),
        "constraints": _rows(
            "SELECT c.conname, c.contype, rel.relname FROM pg_constraint c "
            "JOIN pg_namespace n ON n.oid = c.connamespace "
            "JOIN pg_class rel ON rel.oid = c.conrelid WHERE n.nspname = %s",
            schema,
        ),
        "foreign_keys": _rows(
            "SELECT c.conname, target.relname, target_ns.nspname = n.nspname "
            "FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
            "JOIN pg_class target ON target.oid = c.confrelid "
            "JOIN pg_namespace target_ns ON target_ns.oid = target.relnamespace "
            "WHERE c.contype = 'f' AND n.nspname = %s",
            schema,
        ),
        "columns": _rows(
            "SELECT table_name, column_name, data_type, is_nullable, is_identity, "
            "identity_generation, column_default FROM information_schema.columns "
            "WHERE table_schema = %s",
            schema,
        ),
        # Names only: a template's sequence may move on without its rows changing (nextval in
        # a rolled-back transaction); what matters is checked in assert_same_as_template.
        "sequences": _rows(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = %s",
            schema,
        ),
    }


def table_rows(schema: str, table: str, columns: str) -> set[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT {columns} FROM "{schema}".{table}')
        return set(cursor.fetchall())


def assert_same_as_template(schema: str) -> None:
    template, clone = catalog(TEMPLATE), catalog(schema)
    for kind in template:
        assert clone[kind] == template[kind], kind
    assert template["indexes"] and template["constraints"] and template["sequences"]
    assert ("crm_unaccent", "text", "i") in {row[:3] for row in template["functions"]}
    for table, columns in [
        ("django_migrations", "app, name"),
        ("django_content_type", "id, app_label, model"),
        ("auth_permission", "id, content_type_id, codename"),
    ]:
        assert table_rows(schema, table, columns) == table_rows(TEMPLATE, table, columns), table
        # The copied rows' ids are behind the copied sequence: the next insert will not clash.
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT (SELECT max(id) FROM "{schema}".{table}), last_value '
                "FROM pg_sequences WHERE schemaname = %s AND sequencename = %s",
                [schema, f"{table}_id_seq"],
            )
            max_id, last_value = cursor.fetchone()
        assert max_id and last_value >= max_id, table


def search_path() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        return cursor.fetchone()[0]


@pytest.fixture
def no_warnings_yet(monkeypatch):
    """Each test sees its own "warn once"."""
    monkeypatch.setattr(schema_clone, "_warned", set())


# --- The snapshot path -----------------------------------------------------------------------
def test_a_snapshot_clone_has_exactly_the_templates_objects_and_rows():
    assert TemplateSnapshot.objects.exists()  # made by migrate when the test database was set up
    with transaction.atomic():
        clone = clone_template("v_clone_same")
    assert clone.method == "snapshot"
    assert_same_as_template("v_clone_same")


def test_a_created_venue_works_identity_columns_included(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        venue = create_venue(name="Clone", slug="clone-rows", admin_email="a@clone.fr").venue
    assert_same_as_template(venue.schema_name)
    with in_venue(venue):
        first = Contact.objects.create(first_name="Ada", email="ada@example.org")
        second = Contact.objects.create(first_name="Bob", email="bob@example.org")
        assert second.pk == first.pk + 1
        from django.contrib.auth.models import Group, Permission

        group = Group.objects.create(name="Guichet")
        group.permissions.add(Permission.objects.get(codename="view_contact"))
        assert group.permissions.get().content_type.app_label == "crm"


def test_the_session_is_left_as_it_was(venue_a):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = '7s'")
    before = search_path()
    with transaction.atomic():
        assert clone_template("v_clone_session").method == "snapshot"
    assert search_path() == before
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")  # the dump sets it to 0 for itself
        assert cursor.fetchone()[0] == "7s"
        cursor.execute("SHOW client_min_messages")
        assert cursor.fetchone()[0] == "notice"
    # Same transaction, same connection: public models are still found.
    assert Venue.objects.filter(slug="alpha").exists()
    assert connection.schema_name == "public"


def test_clone_template_refuses_to_run_outside_a_transaction():
    connection.in_atomic_block = False  # as under autocommit, without leaving the test's one
    try:
        with pytest.raises(RuntimeError, match="inside the transaction"):
            clone_template("v_clone_no_tx")
    finally:
        connection.in_atomic_block = True


def test_a_missing_snapshot_is_made_and_stored():
    TemplateSnapshot.objects.all().delete()
    with transaction.atomic():
        assert clone_template("v_clone_made").method == "snapshot"
    snapshot = TemplateSnapshot.objects.get()
    assert re.fullmatch(r"\d+(\.\d+)?", snapshot.pg_dump_version)
    assert snapshot.fingerprint == schema_clone.fingerprint(
        schema_clone.applied_migrations(TEMPLATE)
    )
    assert TEMPLATE not in snapshot.sql
    assert "\\restrict" not in snapshot.sql and "search_path" not in snapshot.sql
    assert_same_as_template("v_clone_made")


def test_only_the_latest_snapshots_are_kept():
    TemplateSnapshot.objects.all().delete()
    for number in range(3):
        TemplateSnapshot.objects.create(fingerprint=f"old-{number}", sql="", pg_dump_version="1")
    current = schema_clone.snapshot_template()
    kept = set(TemplateSnapshot.objects.values_list("fingerprint", flat=True))
    assert len(kept) == schema_clone.KEEP_SNAPSHOTS
    assert current.fingerprint in kept


def test_a_new_snapshot_is_made_when_the_template_changes(venue_a):
    """A deploy added a migration to the template: its fingerprint changes, and the next
    clone dumps it again (pg_dump reads committed data, hence a committed change here)."""
    before = set(TemplateSnapshot.objects.values_list("fingerprint", flat=True))
    row = ("crm", "9999_fingerprint_test")

    def record(sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql.format(template=TEMPLATE), row)

    insert = "INSERT INTO {template}.django_migrations (app, name, applied) VALUES (%s, %s, now())"
    delete = "DELETE FROM {template}.django_migrations WHERE app = %s AND name = %s"
    committed(venue_a, lambda: record(insert))
    try:
        with transaction.atomic():
            assert clone_template("v_clone_changed").method == "snapshot"
        new = set(TemplateSnapshot.objects.values_list("fingerprint", flat=True)) - before
        assert len(new) == 1
        assert row in table_rows("v_clone_changed", "django_migrations", "app, name")
    finally:
        committed(venue_a, lambda: record(delete))


# --- The fallback: django-tenants' clone_schema ------------------------------------------------
def _without_snapshots():
    TemplateSnapshot.objects.all().delete()


def test_without_pg_dump_the_clone_schema_fallback_is_used(monkeypatch, caplog, no_warnings_yet):
    _without_snapshots()
    monkeypatch.setattr(schema_clone, "locate_pg_dump", lambda: None)
    with caplog.at_level("WARNING", logger="tenants.schema_clone"):
        with transaction.atomic():
            assert clone_template("v_clone_fallback").method == "clone_schema"
        with transaction.atomic():
            assert clone_template("v_clone_fallback2").method == "clone_schema"
    warnings = [r for r in caplog.records if "pg_dump not found" in r.getMessage()]
    assert len(warnings) == 1  # once per process, not at every creation
    assert not TemplateSnapshot.objects.exists()
    assert search_path().startswith("public")
    # Same tables, sequences and rows. Not the same names: clone_schema renames unique
    # constraints (and their indexes) to PostgreSQL's defaults, e.g. crm_timeline_unique_dedupe
    # becomes crm_timelineevent_code_contact_id_dedupe_key_key, which a later migration
    # removing that constraint by name would not find. One more reason it is only a fallback.
    template, clone = catalog(TEMPLATE), catalog("v_clone_fallback")
    assert {r for r in clone["relations"] if r[1] in "rS"} == {
        r for r in template["relations"] if r[1] in "rS"
    }
    assert table_rows("v_clone_fallback", "django_migrations", "app, name") >= {
        row for row in expected_tenant_migrations()
    }


def test_create_venue_works_without_pg_dump(monkeypatch, no_warnings_yet):
    _without_snapshots()
    monkeypatch.setattr(schema_clone, "locate_pg_dump", lambda: None)
    created = create_venue(name="Sans dump", slug="sans-dump", admin_email="a@sans.fr")
    assert created.schema_method == "clone_schema"
    venue = created.venue
    with in_venue(venue):
        ada = Contact.objects.create(first_name="Ada")
        assert search_contacts("adà") == [ada]  # its own crm_unaccent and search indexes


def test_a_pg_dump_older_than_the_server_is_not_used(monkeypatch, no_warnings_yet):
    _without_snapshots()
    monkeypatch.setattr(schema_clone, "pg_dump_version", lambda binary: "9.6")
    with transaction.atomic():
        assert clone_template("v_clone_old_dump").method == "clone_schema"


def test_a_failing_pg_dump_is_not_used(no_warnings_yet, tmp_path):
    _without_snapshots()
    broken = tmp_path / "pg_dump"
    broken.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 99.0'; exit 0\n")
    broken.chmod(0o755)  # claims a version, then produces no dump at all
    with override_settings(PARTERRE_PG_DUMP=str(broken)), transaction.atomic():
        assert clone_template("v_clone_bad_dump").method == "clone_schema"


def test_a_snapshot_that_fails_to_replay_falls_back(no_warnings_yet):
    snapshot = schema_clone.current_snapshot()
    TemplateSnapshot.objects.filter(pk=snapshot.pk).update(sql="SELECT * FROM no_such_table;")
    with transaction.atomic():
        assert clone_template("v_clone_replay_fails").method == "clone_schema"
    assert Venue.objects.filter(slug="alpha").exists()  # the transaction is still usable


# --- Finding pg_dump and talking to it ----------------------------------------------------------
def test_pg_dump_setting_wins(tmp_path):
    binary = tmp_path / "my_pg_dump"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    with override_settings(PARTERRE_PG_DUMP=str(binary)):
        assert schema_clone.locate_pg_dump() == str(binary)
    with override_settings(PARTERRE_PG_DUMP=str(tmp_path / "missing")):
        assert schema_clone.locate_pg_dump() is None


def test_the_password_goes_through_the_environment_not_the_command_line(monkeypatch, tmp_path):
    params = {**connection.get_connection_params(), "password": "s3cret", "sslmode": "prefer"}
    monkeypatch.setattr(connection, "get_connection_params", lambda: params)
    binary = tmp_path / "pg_dump"
    binary.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 99.1'\n")
    binary.chmod(0o755)
    seen = {}
    real_run = subprocess.run

    def spy(command, **kwargs):
        if "--version" in command:
            return real_run(command, **kwargs)
        seen.update(command=command, env=kwargs["env"])
        return subprocess.CompletedProcess(command, 1, "", "boom")

    monkeypatch.setattr(schema_clone.subprocess, "run", spy)
    with (
        override_settings(PARTERRE_PG_DUMP=str(binary)),
        pytest.raises(SnapshotUnavailable, match="exited with 1: boom"),
    ):
        schema_clone.dump_template(TEMPLATE)
    assert not any("s3cret" in part for part in seen["command"])
    assert seen["command"][1:3] == [f'--schema="{TEMPLATE}"', "--inserts"]
    assert seen["env"]["PGPASSWORD"] == "s3cret"
    assert seen["env"]["PGSSLMODE"] == "prefer"
    assert seen["env"]["PGDATABASE"] == connection.settings_dict["NAME"]


# --- Rewriting a dump (no database) -----------------------------------------------------------
DUMP = """--
-- PostgreSQL database dump
--

\\restrict abc123

SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SET transaction_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;

CREATE SCHEMA venue_template;

CREATE TABLE venue_template.note (
    id bigint NOT NULL,
    body text NOT NULL -- a comment; with a quote '
);
ALTER TABLE venue_template.note ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME venue_template.note_id_seq
);
CREATE TABLE venue_template.xvenue_template (id bigint);
CREATE INDEX note_body_idx ON venue_template.note USING btree (body);
ALTER TABLE ONLY venue_template.note
    ADD CONSTRAINT note_pkey PRIMARY KEY (id);
CREATE FUNCTION venue_template.f() RETURNS text AS $body$ SELECT 'a;b'; $body$ LANGUAGE sql;
INSERT INTO venue_template.django_migrations VALUES (1, 'crm', '0001_initial', '2026-01-01');
INSERT INTO venue_template.django_migrations VALUES (2, 'it''s', 'x', '2026-01-01');
INSERT INTO venue_template.note VALUES (1, 'see venue_template.note;
SET role = admin;
\\unrestrict not-a-command
-- not a comment');
SELECT pg_catalog.setval('venue_template.note_id_seq', 1, true);

\\unrestrict abc123
"""


def test_a_dump_is_rewritten_for_any_schema_name():
    script = rewrite_dump(
        DUMP,
        template="venue_template",
        known_settings={"statement_timeout", "check_function_bodies", "client_encoding"},
    )
    sql = script.sql
    assert "\\restrict abc123" not in sql and "\\unrestrict abc123" not in sql
    assert "PostgreSQL database dump" not in sql
    assert "search_path" not in sql and "CREATE SCHEMA" not in sql
    assert "SET LOCAL statement_timeout = 0;" in sql
    assert "SET LOCAL check_function_bodies = false;" in sql
    assert "client_encoding" not in sql  # the driver's business
    assert "transaction_timeout" not in sql  # unknown to this server (a newer pg_dump's)
    assert script.local_settings == ["statement_timeout", "check_function_bodies"]
    assert f"CREATE TABLE {PLACEHOLDER}.note (" in sql
    assert f"SEQUENCE NAME {PLACEHOLDER}.note_id_seq" in sql
    assert f"CREATE TABLE {PLACEHOLDER}.xvenue_template (id bigint);" in sql
    assert f"ON {PLACEHOLDER}.note USING btree" in sql
    assert f"pg_catalog.setval('{PLACEHOLDER}.note_id_seq', 1, true)" in sql
    assert f"CREATE FUNCTION {PLACEHOLDER}.f()" in sql and "SELECT 'a;b';" in sql
    # A row's text is data: kept verbatim, even lines that look like commands or comments.
    assert (
        f"INSERT INTO {PLACEHOLDER}.note VALUES (1, 'see venue_template.note;\n"
        "SET role = admin;\n\\unrestrict not-a-command\n-- not a comment');"
    ) in sql
    assert script.fingerprint == schema_clone.fingerprint([("crm", "0001_initial"), ("it's", "x")])


def test_statements_are_split_outside_quotes_only():
    statements = list(
        sql_statements(
            "SELECT 'a;b'; SELECT \"x;y\" FROM t; -- c;\nSELECT $$ ; $$;\n"
            "SELECT E'it\\'s;'; SELECT a$b$c FROM t;"
        )
    )
    assert statements == [
        "SELECT 'a;b';",
        'SELECT "x;y" FROM t;',
        "SELECT $$ ; $$;",
        "SELECT E'it\\'s;';",
        "SELECT a$b$c FROM t;",
    ]


@pytest.mark.parametrize(
    "dump, error",
    [
        (f"CREATE TABLE venue_template.{PLACEHOLDER} (id int);", "contains"),
        ("SET SESSION AUTHORIZATION 'x';", "unexpected statement"),
        ("SELECT pg_catalog.set_config('role', 'x', false);", "unexpected statement"),
        ("CREATE TABLE venue_template.t (id int);", "no django_migrations rows"),
        ("INSERT INTO venue_template.t VALUES ('unterminated);", "unterminated"),
    ],
)
def test_dumps_that_cannot_be_replayed_safely_are_refused(dump, error):
    with pytest.raises(SnapshotUnavailable, match=error):
        rewrite_dump(dump, template="venue_template", known_settings=set())


# --- migrate_schemas skips venues with nothing to apply ---------------------------------------
# A leaf (nothing depends on it) that is easy to undo for real: drop its table.
LEAF_MIGRATION = ("sessions", "0001_initial")


def _forget(schema: str, migration: tuple[str, str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = %s',
            list(migration),
        )


def test_pending_schemas_are_found_in_one_go(venue_a, venue_b):
    assert LEAF_MIGRATION in expected_tenant_migrations()
    assert schemas_with_pending_migrations(["v_alpha", "v_beta"]) == []
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "v_empty_schema"')
    _forget("v_beta", LEAF_MIGRATION)
    names = ["v_alpha", "v_beta", "v_no_such_schema", "v_empty_schema"]
    assert schemas_with_pending_migrations(names) == names[1:]
    assert schemas_with_pending_migrations(names, batch=1) == names[1:]


def test_migrate_schemas_migrates_only_venues_with_something_to_apply(capsys):
    venue = create_venue(name="Throwaway", slug="throwaway", admin_email="a@throw.fr").venue
    _forget(venue.schema_name, LEAF_MIGRATION)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE "{venue.schema_name}".django_session')
    venues = Venue.objects.exclude(schema_name="public").count()

    out = io.StringIO()
    call_command("migrate_schemas", interactive=False, verbosity=1, stdout=out)
    connection.set_schema_to_public()
    assert f"{venues - 1} venue schemas up to date, 1 to migrate" in out.getvalue()
    printed = capsys.readouterr().out
    assert f":{venue.schema_name}]" in printed and ":v_alpha]" not in printed
    assert LEAF_MIGRATION in table_rows(venue.schema_name, "django_migrations", "app, name")
    assert table_rows(venue.schema_name, "django_session", "count(*)") == {(0,)}  # re-created
    assert schemas_with_pending_migrations([venue.schema_name]) == []

    call_command("migrate_schemas", interactive=False, verbosity=1, stdout=out, all_venues=True)
    connection.set_schema_to_public()
    printed = capsys.readouterr().out
    assert ":v_alpha]" in printed and ":v_beta]" in printed


@pytest.mark.parametrize(
    "options, skips",
    [
        ({}, True),
        ({"tenant": True}, True),
        ({"all_venues": True}, False),
        ({"schema_name": "v_alpha"}, False),
        ({"app_label": "crm"}, False),
        ({"fake": True}, False),
        ({"plan": True}, False),
        ({"prune": True}, False),
        ({"check_unapplied": True}, False),
    ],
)
def test_which_runs_skip_up_to_date_venues(options, skips):
    from tenants.management.commands.migrate_schemas import Command

    assert Command.skips_up_to_date_venues(options) is skips


# --- Deployment: the image's pg_dump matches the compose file's server -------------------------
def test_the_image_installs_the_pg_dump_of_the_compose_servers_version():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    server_major = compose["services"]["postgres"]["image"].split(":")[1].split(".")[0]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(rf"^ARG PG_MAJOR={server_major}$", dockerfile, re.MULTILINE)
    assert "postgresql-client-${PG_MAJOR}" in dockerfile
    assert "PARTERRE_PG_DUMP=/usr/lib/postgresql/${PG_MAJOR}/bin/pg_dump" in dockerfile
