"""The production deployment files agree with the settings (no Docker engine needed).

docker-compose.yml, the Dockerfile and .env.example are read as data; production settings are
imported in a subprocess with a controlled environment, as a container would.
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
DOCKERFILE = ROOT / "Dockerfile"
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
def test_compose_has_every_service(compose):
    assert set(compose["services"]) >= {"web", "worker", "beat", "migrate", "postgres", "redis"}


def test_web_runs_gunicorn_with_production_settings(compose):
    web = compose["services"]["web"]
    command = _command(web)
    assert command[0] == "gunicorn"
    assert "config.wsgi:application" in command
    assert any("8000" in part for part in command)
    workers = [p for p in command if p.startswith("--workers") or p == "-w"]
    assert workers, "gunicorn should run several workers"
    assert _environment(web)["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert any(str(port).endswith("8000") for port in web["ports"])


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_worker_and_beat_run_celery_on_the_config_app(compose, name):
    service = compose["services"][name]
    command = _command(service)
    assert command[:3] == ["celery", "-A", "config"]
    assert command[3] == name
    assert _environment(service)["DJANGO_SETTINGS_MODULE"] == "config.settings.production"


def test_migrate_runs_once_before_the_application_starts(compose):
    services = compose["services"]
    migrate = services["migrate"]
    assert "migrate_schemas" in _command(migrate)
    assert migrate["restart"] == "no"
    assert "migrate" not in migrate["depends_on"]
    for name in ("web", "worker", "beat"):
        dependency = services[name]["depends_on"]["migrate"]
        assert dependency["condition"] == "service_completed_successfully", name


def test_application_services_share_one_image_and_the_env_file(compose):
    services = compose["services"]
    images = {services[name].get("image") for name in APP_SERVICES}
    builds = {str(services[name].get("build")) for name in APP_SERVICES}
    assert len(images) == 1 and None not in images
    assert builds == {"."}
    for name in APP_SERVICES:
        assert services[name]["env_file"] in (".env", [".env"]), name
        assert _environment(services[name])["DJANGO_SETTINGS_MODULE"] == (
            "config.settings.production"
        )
        for dependency in ("postgres", "redis"):
            assert services[name]["depends_on"][dependency]["condition"] == "service_healthy"


def test_media_lives_in_a_named_volume(compose):
    for name in ("web", "worker", "beat"):
        service = compose["services"][name]
        media_root = _environment(service)["MEDIA_ROOT"]
        mounts = {v.split(":")[1]: v.split(":")[0] for v in service["volumes"]}
        assert mounts.get(media_root) in compose["volumes"], name


@pytest.mark.parametrize(
    ("name", "image", "data_dir"),
    [("postgres", "postgres:16", "/var/lib/postgresql/data"), ("redis", "redis:7", "/data")],
)
def test_postgres_and_redis_have_healthchecks_and_volumes(compose, name, image, data_dir):
    service = compose["services"][name]
    assert service["image"] == image
    assert service["healthcheck"]["test"]
    volume, _sep, path = service["volumes"][0].partition(":")
    assert path == data_dir
    assert volume in compose["volumes"]


def test_the_env_example_points_at_the_compose_services(compose):
    env = _env_example()
    database = urlsplit(env["DATABASE_URL"])
    assert database.hostname == "postgres"
    assert database.password == env["POSTGRES_PASSWORD"]
    assert (
        database.path.lstrip("/") == compose["services"]["postgres"]["environment"]["POSTGRES_DB"]
    )
    assert urlsplit(env["REDIS_URL"]).hostname == "redis"


# --- Dockerfile -------------------------------------------------------------------------------
def test_dockerfile_builds_the_application_image():
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.MULTILINE)
    instructions = re.sub(r"\\\n", " ", text).splitlines()  # join continuation lines
    apt = [line for line in instructions if line.startswith("RUN") and "apt-get install" in line]
    assert apt, "the Dockerfile installs no Debian package"
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0"):
        assert package in apt[0].split(), package
    assert re.search(r"^RUN pip install \.", text, re.MULTILINE)
    assert "collectstatic --noinput" in text
    # Build context stays free of secrets and local state.
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", ".local", ".git"} <= set(ignored)


# --- .env.example and production settings ---------------------------------------------------
def test_env_example_lists_every_required_variable():
    names = set(_env_example())
    missing = [name for name in _required_variables() if name not in names]
    assert not missing, f".env.example lacks {missing}"
    assert {"EMAIL_URL", "ALLOWED_HOSTS", "POSTGRES_PASSWORD"} <= names


def _import_production(env: dict[str, str]) -> subprocess.CompletedProcess:
    code = (
        "import django, os; "
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings.production'; "
        "django.setup()"
    )
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


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


def test_a_complete_environment_starts_production():
    result = _import_production(_complete_env())
    assert result.returncode == 0, result.stderr
