"""The server the rush goes through (gunicorn on a free loopback port, production settings
less HTTPS) and what it costs in CPU, with PostgreSQL and the load generator beside it."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection

from .buyers import ApiClient


class CpuMeter:
    """CPU seconds used by the server's workers, the PostgreSQL sessions of the benchmark's
    database and this process, and how busy the whole machine was (Linux /proc; other
    systems print n/a). Shows where the time goes, other people's processes included."""

    def __init__(self, server_pid: int, database: str):
        self.server_pid = server_pid
        self.database = database
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def _proc_cpu(self, pid: int) -> float:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / self.tick  # utime + stime

    def _children(self) -> list[int]:
        found = []
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    with open(f"/proc/{entry.name}/stat") as stat:
                        if int(stat.read().rsplit(")", 1)[1].split()[1]) == self.server_pid:
                            found.append(int(entry.name))
                except (OSError, ValueError, IndexError):
                    continue
        return found

    def _backends(self) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.database],
            )
            return [row[0] for row in cursor.fetchall()]

    @staticmethod
    def _machine() -> tuple[float, float]:
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        idle = values[3] + values[4]
        return sum(values) - idle, sum(values)

    def snapshot(self) -> dict | None:
        if not os.path.exists(f"/proc/{self.server_pid}/stat"):
            return None
        workers = [self.server_pid, *self._children()]
        backends = self._backends()
        busy, total = self._machine()
        return {
            "server": sum(self._proc_cpu(p) for p in workers),
            "postgres": sum(self._proc_cpu(p) for p in backends),
            "client": time.process_time(),
            "busy": busy / self.tick,
            "total": total / self.tick,
        }

    @staticmethod
    def report(before: dict | None, after: dict | None, requests: int) -> str:
        if not before or not after or not requests:
            return "CPU per request: n/a"
        used = {k: after[k] - before[k] for k in before}
        ours = used["server"] + used["postgres"] + used["client"]
        cores = os.cpu_count() or 1
        share = 100 / used["total"] if used["total"] else 0.0
        return (
            f"CPU per request: server {1000 * used['server'] / requests:.1f} ms, PostgreSQL "
            f"{1000 * used['postgres'] / requests:.1f} ms, load generator "
            f"{1000 * used['client'] / requests:.1f} ms; the {cores} cores were "
            f"{used['busy'] * share:.0f} % busy, {max(0.0, used['busy'] - ours) * share:.0f} "
            "% of it with other processes"
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Server:
    port: int
    pid: int


@contextlib.contextmanager
def running_server(
    *, db_url: str, workers: int, worker_class: str, threads: int, cache_prefix: str, say
) -> Iterator[Server]:
    """gunicorn on a free loopback port, stopped (by its own pid) when the block ends."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.bench",
        "DATABASE_URL": db_url,
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "PARTERRE_BASE_DOMAIN": settings.PARTERRE_BASE_DOMAIN,
        "DEFAULT_FROM_EMAIL": "bench@bench.test",
        "CACHE_KEY_PREFIX": cache_prefix,
        "CONN_MAX_AGE": "60",
        "SECURE_SSL_REDIRECT": "False",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        f"--worker-class={worker_class}",
        "--backlog=2048",
        "--log-level=warning",
        "--timeout=120",
        "--graceful-timeout=10",
        # gunicorn turns a sync worker with --threads > 1 into gthread: pass it only there.
        *([f"--threads={threads}"] if worker_class == "gthread" else []),
    ]
    with tempfile.TemporaryFile(mode="w+") as log:
        server = subprocess.Popen(
            command, env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            say(
                f"gunicorn pid {server.pid} on 127.0.0.1:{port}: {workers} {worker_class} "
                "workers" + (f" × {threads} threads" if worker_class == "gthread" else "")
            )
            yield Server(port=port, pid=server.pid)
        except BaseException:
            log.seek(0)
            tail = log.read()[-3000:]
            if tail.strip():
                say("gunicorn output:\n" + tail)
            raise
        finally:
            if server.poll() is None:
                server.terminate()
                try:
                    server.wait(20)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()


def wait_until_ready(port: int, host: str, key: str, timeout: float = 90.0) -> None:
    """Until the API answers an authenticated request (workers up, database reachable)."""
    client = ApiClient(port, host, key, performance=0)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if client.get("/api/v1/me/") == 200:
                return
            time.sleep(0.2)
    finally:
        client.close()
    raise CommandError(f"The server did not answer on port {port} within {timeout:.0f} s.")
