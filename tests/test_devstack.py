"""The embedded, project-local PostgreSQL and Redis that `make run` / `make test` start when
DATABASE_URL / REDIS_URL are not set."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import redis

from config import devstack


@pytest.fixture
def local_dir(tmp_path, monkeypatch):
    folder = tmp_path / "local"
    monkeypatch.setattr(devstack, "LOCAL", folder)
    monkeypatch.setattr(devstack, "STATE", folder / "services.json")
    yield folder
    devstack.stop_postgres()
    devstack.stop_redis()


@pytest.mark.slow
def test_embedded_servers_start_answer_and_restart(local_dir, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    env = devstack.service_env()
    assert env["DATABASE_URL"].startswith("postgres://postgres@127.0.0.1:")
    with psycopg.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://")) as conn:
        assert conn.execute("SELECT current_database()").fetchone()[0] == "parterre"
    assert redis.Redis.from_url(env["REDIS_URL"]).ping()

    # The embedded server ships the contrib extensions the migrations create, and its own
    # pg_dump (handed to the processes it serves) is of the server's major version.
    with psycopg.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://")) as conn:
        available = {
            row[0] for row in conn.execute("SELECT name FROM pg_available_extensions").fetchall()
        }
        assert {"pg_trgm", "unaccent", "btree_gist"} <= available
        server_major = conn.info.server_version // 10000
    dump = subprocess.run(
        [env["PARTERRE_PG_DUMP"], "--version"], capture_output=True, text=True, check=True
    )
    assert f"(PostgreSQL) {server_major}." in dump.stdout

    # A second call reuses the running servers instead of starting new ones.
    assert devstack.service_env() == env | {}

    # Stopped servers come back on the next call, with the data folder kept.
    devstack.stop_postgres()
    devstack.stop_redis()
    again = devstack.service_env()
    with psycopg.connect(again["DATABASE_URL"].replace("postgres://", "postgresql://")) as conn:
        assert conn.execute("SELECT 1").fetchone()[0] == 1
    assert redis.Redis.from_url(again["REDIS_URL"]).ping()


@pytest.mark.slow
def test_a_data_folder_of_another_major_version_is_set_aside(local_dir, monkeypatch, capsys):
    """e.g. .local/pg/data made by the PostgreSQL 16 of the pgserver wheel used before: the
    server cannot open it, so it is moved aside (not deleted) and a new one is made."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # not started: not needed here
    old = local_dir / "pg" / "data"
    old.mkdir(parents=True)
    (old / "PG_VERSION").write_text("9\n")
    (old / "base").mkdir()
    env = devstack.service_env()
    with psycopg.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://")) as conn:
        assert conn.execute("SELECT 1").fetchone()[0] == 1
    [aside] = (local_dir / "pg").glob("data-pg9-*")
    assert (aside / "PG_VERSION").read_text() == "9\n" and (aside / "base").is_dir()
    assert (old / "PG_VERSION").read_text().strip() == devstack._pg_major()
    assert f"moved it to {aside}" in capsys.readouterr().out


def test_given_urls_are_used_and_nothing_is_started(local_dir, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example:5432/x")
    monkeypatch.setenv("REDIS_URL", "redis://cache.example:6379/0")
    monkeypatch.delenv("PARTERRE_PG_DUMP", raising=False)
    env = devstack.service_env()
    assert env["DATABASE_URL"] == "postgres://u@db.example:5432/x"
    assert env["REDIS_URL"] == "redis://cache.example:6379/0"
    assert "PARTERRE_PG_DUMP" not in env  # that server's pg_dump is whatever is on PATH
    assert not (local_dir / "pg").exists() and not (local_dir / "redis").exists()


def test_the_embedded_servers_pg_dump_goes_to_the_processes_it_serves(local_dir, monkeypatch):
    """tenants.schema_clone reads PARTERRE_PG_DUMP; for the embedded server it must be the
    wheel's own pg_dump (the system's may be older than the server), unless one was set."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("PARTERRE_PG_DUMP", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://cache.example:6379/0")
    monkeypatch.setattr(devstack, "ensure_postgres", lambda state: "postgres://embedded/x")
    binary = Path(devstack.service_env()["PARTERRE_PG_DUMP"])
    assert binary == devstack.pg_bin_dir() / "pg_dump" and binary.is_file()

    monkeypatch.setenv("PARTERRE_PG_DUMP", "/opt/pg/bin/pg_dump")
    assert devstack.service_env()["PARTERRE_PG_DUMP"] == "/opt/pg/bin/pg_dump"


def test_links_follow_the_port_the_server_uses():
    env = devstack.server_env({"PATH": "/usr/bin"}, 8123)
    assert env["PARTERRE_PORT_SUFFIX"] == ":8123"
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.local"
    assert env["PATH"] == "/usr/bin"
    assert devstack.site_url(env, "quai") == "http://quai.localhost:8123/"
    # Set explicitly (a proxy in front), the suffix wins, in printed links too.
    proxied = {"PARTERRE_PORT_SUFFIX": "", "PARTERRE_BASE_DOMAIN": "parterre.test"}
    env = devstack.server_env(proxied, 8123)
    assert env["PARTERRE_PORT_SUFFIX"] == ""
    assert devstack.site_url(env) == "http://parterre.test/"


def test_run_on_another_port_gives_every_process_that_port(monkeypatch, capsys):
    """`PORT=8123 make run`: seed_demo (demo logins), web, worker and beat (invitation emails)
    all get the suffix, and the printed addresses use it."""
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.delenv("PARTERRE_PORT_SUFFIX", raising=False)
    monkeypatch.setattr(devstack, "check_weasyprint", lambda: None)
    monkeypatch.setattr(devstack, "service_env", lambda: dict(os.environ))
    managed, started = [], []
    monkeypatch.setattr(devstack, "_manage", lambda env, *args: managed.append((args, env)))

    class Exited:
        def __init__(self, cmd, env, cwd):
            started.append((cmd, env))

        def poll(self):
            return 0

        def wait(self, timeout):
            return 0

    monkeypatch.setattr(devstack.subprocess, "Popen", Exited)
    monkeypatch.setattr(devstack.signal, "signal", lambda *args: None)

    assert devstack.main(["run"]) == 0

    assert [args[0] for args, _env in managed] == ["migrate_schemas", "seed_demo"]
    envs = [env for _args, env in managed] + [env for _cmd, env in started]
    assert {env["PARTERRE_PORT_SUFFIX"] for env in envs} == {":8123"}
    assert started[0][0][-1] == "0.0.0.0:8123"  # web
    out = capsys.readouterr().out
    assert "http://quai.localhost:8123/" in out and "http://localhost:8123/" in out
    assert ":8000" not in out


def test_local_settings_derive_the_suffix_from_port():
    env = {k: v for k, v in os.environ.items() if k != "PARTERRE_PORT_SUFFIX"}
    env |= {"PORT": "8123", "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    code = "from django.conf import settings; print(settings.PARTERRE_PORT_SUFFIX)"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=devstack.ROOT, capture_output=True, text=True
    )
    assert out.stdout.strip() == ":8123", out.stderr
