"""A long-running server gives freed memory back to the system after each answer."""

from __future__ import annotations

import subprocess
import sys

import pytest

from common import heap

pytestmark = pytest.mark.skipif(heap._glibc() is None, reason="glibc only")

# 50 buffers of 2 MB with small live allocations between them, freed after a 3 MB buffer raised
# glibc's dynamic mmap threshold: prints the RSS (MB) still held after the free, then after a trim.
FRAGMENT = """
import sys, psutil
from common import heap
if sys.argv[1] == "bound":
    assert heap.bound()  # False would mean the settings did not take
rss = lambda: psutil.Process().memory_info().rss / 2**20
blob = bytearray(3 << 20); del blob
before = rss()
blocks, pins = [], []
for _ in range(50):
    blocks.append(bytearray(2 << 20))
    pins.append(bytearray(4096))
del blocks
print(rss() - before)
heap.release()
print(rss() - before)
"""

# 40 MB held only by a reference cycle, as llama-cpp-python's sampler holds its native memory
CYCLE = """
import psutil
from common import heap
rss = lambda: psutil.Process().memory_info().rss / 2**20
heap.freeze()
before = rss()
class Sampler:
    def __init__(self):
        self.buffer = bytearray(40 << 20)
        self.close = lambda: self
sampler = Sampler()
del sampler
print(rss() - before)
heap.release()
print(rss() - before)
"""


def held_mb(mode: str, script: str = FRAGMENT) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", script, mode], capture_output=True, text=True, check=True).stdout
    freed, trimmed = map(float, out.split())
    return freed, trimmed


def test_glibc_alone_holds_freed_buffers_that_a_release_returns():
    freed, trimmed = held_mb("plain")
    assert freed > 50  # the case the server guards against
    assert trimmed < 10


def test_a_bounded_heap_returns_large_buffers_when_freed():
    freed, trimmed = held_mb("bound")
    assert freed < 10
    assert trimmed < 10


def test_release_frees_memory_held_by_a_reference_cycle():
    dropped, released = held_mb("", CYCLE)
    assert dropped > 30  # a cycle outlives `del` until a collection
    assert released < 10
