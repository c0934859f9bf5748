"""Imports flow one way: tenants ← crm ← ticketing ← campaigns ← analytics (an app imports only
itself and the apps to its left); `config` and `demo` wire them together and may import any.

Every .py file of every app is parsed, so an import inside a function counts as much as one at
the top, and `importlib.import_module` (or `__import__`, `import_string`) in app code, the way
an upward arrow hides from a reader, fails too.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["tenants", "crm", "ticketing", "campaigns", "analytics"]
# Above every app: settings, URLs, Celery, the dev stack; the demo seeding.
WIRING = {"config", "demo"}
NOT_CODE = {"tests", "docs", "static", "templates", "media", "staticfiles"}
DYNAMIC_IMPORTS = {"import_module", "__import__", "import_string"}

# Known violations in modules being rewritten right now, to be gone after the ticketing re-cut.
# (file relative to the root, imported top-level package). Keep it short and shrinking.
ALLOWED: set[tuple[str, str]] = set()


def project_packages() -> set[str]:
    return {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in NOT_CODE and not path.parent.name.startswith(".")
    }


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every import statement in the file, at any depth."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
    return found


def dynamic_imports(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(), filename=str(path))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in DYNAMIC_IMPORTS:
                lines.append(node.lineno)
    return lines


def app_files(app: str) -> list[Path]:
    return sorted((ROOT / app).rglob("*.py"))


def test_every_project_package_has_a_place_in_the_layers():
    unplaced = project_packages() - set(LAYERS) - WIRING
    assert not unplaced, (
        f"{sorted(unplaced)}: add each to LAYERS (where it sits in the one-way order) or to "
        "WIRING in tests/test_layering.py"
    )


@pytest.mark.parametrize("app", LAYERS)
def test_an_app_imports_only_the_apps_to_its_left(app):
    allowed = set(LAYERS[: LAYERS.index(app) + 1])
    forbidden = (project_packages() | set(LAYERS) | WIRING) - allowed
    violations, allow_listed = [], set()
    for path in app_files(app):
        relative = str(path.relative_to(ROOT))
        for line, module in imported_modules(path):
            top = module.split(".")[0]
            if top not in forbidden:
                continue
            if (relative, top) in ALLOWED:
                allow_listed.add((relative, top))
                continue
            violations.append(f"{relative}:{line} imports {module}")
    assert not violations, f"{app} may import only {sorted(allowed)}:\n" + "\n".join(violations)
    stale = {entry for entry in ALLOWED if entry[0].startswith(f"{app}/")} - allow_listed
    assert not stale, f"no longer needed in ALLOWED, remove: {sorted(stale)}"


@pytest.mark.parametrize("app", LAYERS)
def test_no_app_imports_by_name_at_run_time(app):
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in app_files(app)
        for line in dynamic_imports(path)
    ]
    assert not found, "dynamic imports hide the direction of a dependency:\n" + "\n".join(found)


def test_the_checker_sees_imports_inside_functions_and_relative_ones(tmp_path, monkeypatch):
    """The parser itself: a hidden upward import must be found wherever it is written."""
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    app = tmp_path / "crm"
    (app / "sub").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "sub" / "__init__.py").write_text("")
    code = (
        "import os\n"
        "def f():\n"
        "    from ticketing.models import Order\n"
        "    from ..services import x\n"
        "    from . import y\n"
        "    import importlib\n"
        "    importlib.import_module('campaigns.demo')\n"
    )
    (app / "sub" / "mod.py").write_text(code)
    modules = [module for _line, module in imported_modules(app / "sub" / "mod.py")]
    assert modules == ["os", "ticketing.models", "crm.services", "crm.sub", "importlib"]
    assert dynamic_imports(app / "sub" / "mod.py") == [7]
