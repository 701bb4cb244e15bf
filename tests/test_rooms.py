"""The house rules of imports, read from the source: core imports no other room, the faces (webapp, bot, sync)
import only core, and demo weight stays out of the product: only the composition root and the tests import it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# A room is a top-level package of the repository.
ROOMS = sorted(p.parent.name for p in ROOT.glob("*/__init__.py"))

# Which other rooms each room may import. tests may import anything and have no entry.
MAY_IMPORT: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "webapp": frozenset({"core"}),
    "bot": frozenset({"core"}),
    "sync": frozenset({"core"}),
    "demo": frozenset({"core"}),
    "sql": frozenset(),
    "amazing_store": frozenset({"core", "webapp", "bot", "sync", "demo"}),
}


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in the file, top-level or not, relative ones made absolute."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            found.append((node.lineno, ".".join((*base, *filter(None, [node.module])))))
    return found


def _crossings(room: str) -> list[tuple[str, str]]:
    """("path:line", imported module) for each import of another room from this room's code."""
    crossings = []
    for path in sorted((ROOT / room).rglob("*.py")):
        for line, module in _imports(path):
            target = module.split(".")[0]
            if target in ROOMS and target != room:
                crossings.append((f"{path.relative_to(ROOT)}:{line}", module))
    return crossings


@pytest.mark.parametrize("room", [r for r in ROOMS if r != "tests"])
def test_a_room_imports_only_the_rooms_it_may(room: str) -> None:
    assert room in MAY_IMPORT, f"{room}/ is a new room: say in MAY_IMPORT which rooms it may import"
    forbidden = [
        f"{where} imports {module}"
        for where, module in _crossings(room)
        if module.split(".")[0] not in MAY_IMPORT[room]
    ]
    assert not forbidden, "\n".join(forbidden)


def test_only_the_composition_root_and_the_tests_import_demo() -> None:
    importers = [
        f"{where} imports {module}"
        for room in ROOMS
        if room not in ("amazing_store", "tests", "demo")
        for where, module in _crossings(room)
        if module.split(".")[0] == "demo"
    ]
    assert not importers, "\n".join(importers)


def test_the_sandboxes_import_nothing_else_of_the_project() -> None:
    """They answer as the platforms' specs say, so our sync is tested against the specs, not against itself."""
    outside = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / "demo" / "sandboxes").rglob("*.py"))
        for line, module in _imports(path)
        if module.split(".")[0] in ROOMS and not module.startswith("demo.sandboxes")
    ]
    assert not outside, "\n".join(outside)
