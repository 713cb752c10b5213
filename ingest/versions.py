"""Index versions in a folder: each build is a `v-*` subfolder and `current` points at one.

A reader opens whatever `current` names and keeps it open; a writer builds a new version beside
it and swaps the link with one `os.replace`, which is atomic on POSIX. So questions asked during
a re-ingest are answered from the old version, and a crash mid-ingest leaves it whole.
Deliberately not handled: two writers at once (the second swap wins; both versions are valid).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

CURRENT = "current"
KEEP = 3


def current_version(index_dir: Path) -> Path | None:
    """The folder `current` points at, or None when no index was published yet."""
    link = Path(index_dir) / CURRENT
    if not link.is_symlink():
        return None
    target = (link.parent / os.readlink(link)).resolve()
    return target if target.is_dir() else None


def live_version(index_dir: Path) -> Path | None:
    """The version a reader opens for `index_dir`: where its `current` link points, or `index_dir` itself
    when it is that link (followed, so re-ingests are picked up) or one `v-*` version folder (pinned).

    People copy `data/index/current` from a listing; refusing it would be a trap, not a safeguard.
    """
    found = current_version(index_dir)
    if found is not None:
        return found
    return Path(index_dir).resolve() if is_version(index_dir) else None


def is_version(folder: Path) -> bool:
    """True for a published version folder, or a link to one (the `current` link itself)."""
    resolved = Path(folder).resolve()
    return resolved.is_dir() and resolved.name.startswith("v-")


def new_version(index_dir: Path, copy_of: Path | None = None) -> Path:
    """A fresh, unpublished version folder, optionally starting as a copy of `copy_of`."""
    folder = Path(index_dir) / f"v-{time.time_ns()}"
    if copy_of is not None:
        shutil.copytree(copy_of, folder)
    else:
        folder.mkdir(parents=True)
    return folder


def publish(index_dir: Path, version: Path) -> None:
    """Point `current` at `version` atomically, then prune versions nobody should still need."""
    index_dir = Path(index_dir)
    staging = index_dir / f".{CURRENT}-{os.getpid()}-{time.time_ns()}"
    staging.symlink_to(version.name)
    os.replace(staging, index_dir / CURRENT)
    _prune(index_dir, keep=version)


def discard(version: Path) -> None:
    shutil.rmtree(version, ignore_errors=True)


def _prune(index_dir: Path, keep: Path) -> None:
    """Remove all but the newest `KEEP` versions; older readers had time to move on."""
    versions = sorted((p for p in index_dir.glob("v-*") if p.is_dir()), key=lambda p: p.name)
    for old in versions[:-KEEP]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)
