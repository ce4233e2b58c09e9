"""The layers stay apart: data flows platform -> adapter -> core -> store, never backwards.

Rules (docs/architecture.md): `norms` imports nothing of ours; `moderation` never imports `bot`, a platform
library or SQL, and reaches `storage` only through its public package; `storage` never imports `moderation` or
`bot`; nothing outside `storage` builds SQL.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLATFORM_LIBS = {"discord", "telegram", "aiohttp", "fastapi", "starlette", "uvicorn"}
SQL_LIBS = {"sqlalchemy", "asyncpg", "aiosqlite", "sqlite3", "psycopg", "alembic"}

FORBIDDEN = {
    "norms": {"storage", "moderation", "bot"} | PLATFORM_LIBS | SQL_LIBS,
    "moderation": {"bot"} | PLATFORM_LIBS | SQL_LIBS,
    "storage": {"moderation", "bot"} | PLATFORM_LIBS,
    "bot": SQL_LIBS,
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _files(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_forbidden_imports(package: str) -> None:
    """Each layer imports only what the architecture allows."""
    bad = [
        f"{path.relative_to(ROOT)}:{line}: imports {name}"
        for path in _files(package)
        for line, name in _imports(path)
        if name.split(".")[0] in FORBIDDEN[package]
    ]
    assert bad == []


def test_moderation_uses_only_the_public_storage_api() -> None:
    """The core imports `storage`, never `storage.models` or `storage.tx` internals."""
    bad = [
        f"{path.relative_to(ROOT)}:{line}: imports {name}"
        for path in _files("moderation")
        for line, name in _imports(path)
        if name.startswith("storage.")
    ]
    assert bad == []


def test_core_does_not_reach_into_the_session() -> None:
    """The core calls `Tx` methods; it never touches the SQLAlchemy session behind it (`tx.s`)."""
    bad = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in _files("moderation")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "tx.s." in line
    ]
    assert bad == []


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    """The import scanner really finds imports (so an empty result above means something)."""
    sample = tmp_path / "x.py"
    sample.write_text("import discord\nfrom sqlalchemy import select\nfrom . import sibling\n")
    assert [name for _, name in _imports(sample)] == ["discord", "sqlalchemy"]


FEATURES = sorted(
    p.name
    for p in (ROOT / "moderation").iterdir()
    if p.is_dir() and (p / "__init__.py").exists() and p.name not in ("kernel", "data")
)


def _runtime_imports(path: Path) -> list[tuple[int, str]]:
    """Imports that run when the module loads (not those under `if TYPE_CHECKING:`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(n.lineno for stmt in node.body for n in ast.walk(stmt) if hasattr(n, "lineno"))
    return [(line, name) for line, name in _imports(path) if line not in typing_only]


def test_the_kernel_knows_no_feature() -> None:
    """`moderation/kernel/` is the machinery every feature uses (events, actions, commands, permissions, forms,
    services); it never imports a feature folder or the core, not even for types (`if TYPE_CHECKING:`), so a
    feature can be read, moved or deleted on its own and the kernel type-checks without them."""
    bad = [
        f"{path.relative_to(ROOT)}:{line}: imports {name}"
        for path in _files("moderation/kernel")
        for line, name in _imports(path)
        if name.startswith("moderation") and not name.startswith("moderation.kernel")
    ]
    assert bad == []


def test_nothing_in_the_core_imports_the_composition() -> None:
    """`moderation/core.py` composes the parts (directory, services, dispatcher) for the adapters; no module
    under `moderation/` imports it, not even for types: they are handed `Services` (issue 22). Reaching back
    into the object that calls you is how 26 modules once formed one import cycle (`bench/import_cycles.py`)."""
    bad = [
        f"{path.relative_to(ROOT)}:{line}: imports {name}"
        for path in _files("moderation")
        if path != ROOT / "moderation" / "core.py"
        for line, name in _imports(path)
        if name == "moderation.core" or name.startswith("moderation.core.")
    ]
    bad += [
        f"{path.relative_to(ROOT)}:{node.lineno}: imports core from moderation"
        for path in _files("moderation")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom)
        and node.module == "moderation"
        and any(a.name == "core" for a in node.names)
    ]
    assert bad == []


def test_the_core_has_no_import_cycle() -> None:
    """Counting type-only imports, no modules of `moderation` import each other in a circle except the kernel's
    command registry and `Invocation` (a handler's type names the invocation it gets; the invocation reads
    release ids with the registry's parser)."""
    from bench.import_cycles import cycles, graph

    assert cycles(graph("moderation")) in ([], [["moderation.kernel.commands", "moderation.kernel.invocation"]])


def test_commands_modules_are_leaves() -> None:
    """A feature's `commands.py` is imported only by the one list of them (`moderation/handlers.py`): shared
    behaviour lives in the feature's other modules, so no command's code is reached through another command."""
    bad = [
        f"{path.relative_to(ROOT)}:{line}: imports {name}"
        for package in ("moderation", "bot")
        for path in _files(package)
        if path != ROOT / "moderation" / "handlers.py"
        for line, name in _imports(path)
        if name.startswith("moderation.") and name.endswith(".commands") and name != "moderation.kernel.commands"
    ]
    assert bad == []


def test_every_feature_folder_is_on_the_map() -> None:
    """docs/architecture.md names every folder of `moderation/`, so a newcomer finds a command in one hop."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [name for name in [*FEATURES, "kernel"] if f"moderation/{name}/" not in text]
    assert missing == []
