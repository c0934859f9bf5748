"""The embedded, project-local PostgreSQL and Redis that `make run` / `make test` start when
DATABASE_URL / REDIS_URL are not set."""

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

    # A second call reuses the running servers instead of starting new ones.
    assert devstack.service_env() == env | {}

    # Stopped servers come back on the next call, with the data folder kept.
    devstack.stop_postgres()
    devstack.stop_redis()
    again = devstack.service_env()
    with psycopg.connect(again["DATABASE_URL"].replace("postgres://", "postgresql://")) as conn:
        assert conn.execute("SELECT 1").fetchone()[0] == 1
    assert redis.Redis.from_url(again["REDIS_URL"]).ping()


def test_given_urls_are_used_and_nothing_is_started(local_dir, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example:5432/x")
    monkeypatch.setenv("REDIS_URL", "redis://cache.example:6379/0")
    env = devstack.service_env()
    assert env["DATABASE_URL"] == "postgres://u@db.example:5432/x"
    assert env["REDIS_URL"] == "redis://cache.example:6379/0"
    assert not (local_dir / "pg").exists() and not (local_dir / "redis").exists()
