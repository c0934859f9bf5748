"""The production deployment files agree with the code and the settings (no Docker engine).

docker-compose.yml and .env.example are read as data and checked against what they name (the
WSGI application, the Celery app, the settings' required variables); production settings are
imported in a subprocess with a controlled environment, as a container would. What the files
merely say (service names, images, restart policies) is not restated here. The image's pg_dump
is checked in tests/tenants/test_schema_clone.py.
"""

import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
PRODUCTION = ROOT / "config" / "settings" / "production.py"
APP_SERVICES = ("web", "worker", "beat", "migrate")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _command(service: dict) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else [str(p) for p in command]


def _environment(service: dict) -> dict:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return env


def _required_variables() -> tuple[str, ...]:
    """The REQUIRED tuple of production.py, read from the source (importing it would raise)."""
    match = re.search(r"^REQUIRED = \(([^)]*)\)", PRODUCTION.read_text(), re.MULTILINE)
    assert match, "production.py no longer defines REQUIRED = (...)"
    names = tuple(re.findall(r'"([A-Z_]+)"', match.group(1)))
    assert names
    return names


def _env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep, f".env.example: not NAME=value: {line!r}"
        values[name.strip()] = value.strip().strip("\"'")
    return values


# --- docker-compose.yml -----------------------------------------------------------------------
# Checked against something other than the file itself: the code the commands name, the
# settings module, the volumes and the example environment.
def test_the_commands_compose_runs_name_code_that_exists(compose):
    """gunicorn's WSGI target, `celery -A`'s app and the migration command, resolved with the
    settings module the services run, in a production-like environment."""
    services = compose["services"]
    modules = {_environment(services[name])["DJANGO_SETTINGS_MODULE"] for name in APP_SERVICES}
    assert len(modules) == 1, modules
    web = _command(services["web"])
    [wsgi] = [part for part in web if re.fullmatch(r"[\w.]+:\w+", part)]
    celery_apps = {_command(services[name])[2] for name in ("worker", "beat")}
    migrate = _command(services["migrate"])
    management_command = migrate[migrate.index("manage.py") + 1]
    code = f"""
import importlib
import django
django.setup()
from celery.app.utils import find_app
from django.conf import settings
from django.core.management import get_commands
module, attribute = {wsgi!r}.split(":")
assert callable(getattr(importlib.import_module(module), attribute)), {wsgi!r}
for name in {sorted(celery_apps)!r}:
    find_app(name)
assert {management_command!r} in get_commands(), {management_command!r}
assert not settings.DEBUG
"""
    result = _run_settings(modules.pop(), _complete_env(), code)
    assert result.returncode == 0, result.stderr


def test_media_lives_in_a_named_volume(compose):
    for name in ("web", "worker", "beat"):
        service = compose["services"][name]
        media_root = _environment(service)["MEDIA_ROOT"]
        mounts = {v.split(":")[1]: v.split(":")[0] for v in service["volumes"]}
        assert mounts.get(media_root) in compose["volumes"], name


def test_the_env_example_points_at_the_compose_services(compose):
    env = _env_example()
    database = urlsplit(env["DATABASE_URL"])
    assert database.hostname == "postgres"
    assert database.password == env["POSTGRES_PASSWORD"]
    assert (
        database.path.lstrip("/") == compose["services"]["postgres"]["environment"]["POSTGRES_DB"]
    )
    assert urlsplit(env["REDIS_URL"]).hostname == "redis"


# --- .env.example and production settings ---------------------------------------------------
def test_env_example_lists_every_required_variable():
    names = set(_env_example())
    missing = [name for name in _required_variables() if name not in names]
    assert not missing, f".env.example lacks {missing}"
    assert {"EMAIL_URL", "ALLOWED_HOSTS", "POSTGRES_PASSWORD"} <= names


def _run_settings(module: str, env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    """`code` in a fresh interpreter with only `env` (and PATH) and the settings `module`."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DJANGO_SETTINGS_MODULE": module}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _import_production(env: dict[str, str]) -> subprocess.CompletedProcess:
    return _run_settings("config.settings.production", env, "import django; django.setup()")


def _complete_env() -> dict[str, str]:
    env = _env_example()
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    return env


def test_production_refuses_to_start_and_names_every_missing_variable():
    result = _import_production({})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    for name in _required_variables():
        assert name in result.stderr, name


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "PARTERRE_BASE_DOMAIN"])
def test_production_names_the_one_variable_that_is_missing(missing):
    env = _complete_env()
    del env[missing]
    result = _import_production(env)
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert message.endswith(f"missing environment variable(s): {missing}")


def test_the_example_file_alone_does_not_start_production():
    """Its SECRET_KEY is empty on purpose: nobody deploys with a published key."""
    result = _import_production(_env_example())
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].endswith("variable(s): SECRET_KEY")


def test_production_refuses_a_short_secret_key():
    result = _import_production({**_complete_env(), "SECRET_KEY": "too-short"})
    assert result.returncode != 0
    assert "SECRET_KEY is too short" in result.stderr
