"""The floors the README draws, each importing only from the floors below it (or itself).

common <- ingest <- bot <- ui <- app <- eval; the benchmark and the tools stand beside the regression
test on the top floor, above what they use, and import none of each other. Imports inside functions
count too. The bot reads the index through `ingest.store` alone.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FLOORS = {"common": 0, "ingest": 1, "bot": 2, "ui": 3, "app": 4, "eval": 5, "bench": 5, "tools": 5}


def sources(package: str) -> list[Path]:
    return [ROOT / "app.py"] if package == "app" else sorted((ROOT / package).rglob("*.py"))


def imports(path: Path) -> set[str]:
    """Every first-party module `path` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name.split(".")[0] in FLOORS}


@pytest.mark.parametrize("package", list(FLOORS))
def test_each_floor_imports_only_from_the_floors_below(package):
    upward = sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sources(package)
        for name in imports(path)
        if (top := name.split(".")[0]) != package and FLOORS[top] >= FLOORS[package]
    )
    assert upward == []


def test_bot_imports_no_ingestion_module_but_the_store():
    used = {name for path in sources("bot") for name in imports(path) if name.split(".")[0] == "ingest"}
    assert used <= {"ingest.store"}
