"""One stamp scheme for both model stores: what was verified of a file, and whether it still holds.

A stamp is a small JSON file beside (or inside) what it describes: the facts checked when the file was
made (its sha256, the preset it came from ...) plus the file's size and modification time then. While
size and time are unchanged the facts are trusted without hashing gigabytes again. The assembled GGUF
files (`common.models`) and the fetched embedder folders (`common.fetch`) both keep theirs this way.
Deliberately not done: detecting an edit that keeps size and modification time (hash the file for that).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_stamp(stamp: Path, target: Path, **facts: Any) -> None:
    """Record `facts` about `target`, with its size and modification time as they are now."""
    stat = Path(target).stat()
    Path(stamp).write_text(json.dumps({**facts, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}, indent=1))


def read_stamp(stamp: Path) -> dict[str, Any]:
    """What `stamp` records ({} when it is missing or unreadable)."""
    try:
        found = json.loads(Path(stamp).read_text())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def stamp_holds(stamp: Path, target: Path, **facts: Any) -> bool:
    """True when `stamp` records `facts` about `target` and `target` has not changed since (size, time)."""
    seen = read_stamp(stamp)
    if not Path(target).is_file() or any(seen.get(key) != value for key, value in facts.items()):
        return False
    stat = Path(target).stat()
    return seen.get("size") == stat.st_size and seen.get("mtime_ns") == stat.st_mtime_ns
