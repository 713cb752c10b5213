"""The README documents every setting as `common/settings.py` defines it, the layout as it is, and the commands."""

import re
from pathlib import Path
from typing import Literal, get_args, get_origin

from common.paths import shown
from common.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def section(title: str) -> str:
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def readme_rows() -> dict[str, tuple[str, str]]:
    rows = re.findall(r"^\| `(BOT_\w+)` \| (.*?) \| (.*?) \|$", section("Settings"), re.M)
    return {name: (default, meaning) for name, default, meaning in rows}


def expected_row(name: str) -> tuple[str, str]:
    """Default as written in the table (a folder in the project by its relative path), and the field's description;
    a backend choice lists its names."""
    field = Settings.model_fields[name]
    value = shown(field.default) if isinstance(field.default, Path) else field.default
    default = {None: "(unset)", "": "(empty)"}.get(value, f"`{value}`")
    meaning = field.description or ""
    if get_origin(field.annotation) is Literal:
        meaning = f"{meaning.rstrip('.')}: {', '.join(f'`{v}`' for v in get_args(field.annotation))}."
    return default.replace("`(", "(").replace(")`", ")"), meaning


def test_the_settings_table_matches_the_settings_class_row_by_row():
    expected = {f"BOT_{name.upper()}": expected_row(name) for name in Settings.model_fields}
    assert readme_rows() == expected


def layout() -> dict[str, str]:
    block = section("Layout").split("```")[1]
    return dict(re.findall(r"^(\S+)\s+(.*)$", block, re.M))


def test_the_layout_names_every_package_and_each_of_its_modules():
    entries = layout()
    packages = sorted(p.parent.name + "/" for p in ROOT.glob("*/__init__.py"))
    assert [p for p in packages if p not in entries] == []
    assert [e for e in entries if not (ROOT / e).exists()] == []
    unnamed = [
        f"{package}{module.stem}"
        for package in packages
        for module in sorted((ROOT / package).glob("*.py"))
        if not module.stem.startswith("_") and not re.search(rf"\b{module.stem}\b", entries[package])
    ]
    assert unnamed == []


def test_the_two_commands_are_documented():
    assert "make run" in README and "make test" in README
