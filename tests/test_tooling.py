"""The developer commands themselves (Makefile)."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_migration_check_of_make_lint_needs_no_database():
    """`make lint` runs before `make test` creates anything (CI, a fresh clone): its
    `makemigrations --check` must neither connect nor warn that the database is missing."""
    makefile = (ROOT / "Makefile").read_text()
    [settings_module] = re.findall(
        r"DJANGO_SETTINGS_MODULE=(\S+) \$\(PY\) manage.py makemigrations --check", makefile
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/parterre_no_such_database",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "does not exist" not in result.stderr
    assert "consistent migration history" not in result.stderr
