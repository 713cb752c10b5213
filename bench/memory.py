"""This process's memory, read where the benchmark's children can import it without loading anything.

Kept apart from `bench.measure` (which imports the bot) so a child process measuring an embedder's
peak does not raise that peak by importing the serving code.
"""

from __future__ import annotations

import re
import resource
import sys
from pathlib import Path


def current_rss_mb() -> float:
    """This process's resident memory now (not its peak), from /proc; 0 where there is none."""
    kilo = _status_kb("VmRSS")
    return 0.0 if kilo is None else kilo / 1024


def maxrss_mb() -> float:
    """This process's peak RSS. On Linux VmHWM, which starts afresh at exec; `ru_maxrss` keeps the
    peak of the process that spawned it, so every child would report its parent's."""
    kilo = _status_kb("VmHWM")
    if kilo is not None:
        return kilo / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS, KiB on Linux


def _status_kb(field: str) -> int | None:
    """A `kB` field of /proc/self/status, None where there is no /proc."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    match = re.search(rf"^{field}:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) if match else None
