"""The answer queue every front end of one app shares: at most `running` answers at once, `waiting` more.

The chat UI and the `/v1` API both generate through one `Bot` on one CPU, so they take turns here. A
caller that finds the queue full is told so at once (the API answers 429) instead of waiting unbounded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from common import heap


class QueueFull(Exception):
    """Every turn is taken and the waiting line is full."""


class AnswerSlots:
    """Turns to generate an answer: `running` at once, and up to `waiting` callers blocked for one."""

    def __init__(self, running: int, waiting: int) -> None:
        self.running = running
        self.waiting = waiting
        self._free = threading.Semaphore(running)
        self._lock = threading.Lock()
        self._holders = 0  # running plus waiting

    def enter(self) -> None:
        """Join the line, or raise `QueueFull` when it is full; pair with `wait` and `leave`."""
        with self._lock:
            if self._holders >= self.running + self.waiting:
                raise QueueFull(f"{self._holders} answers are running or waiting; try again shortly.")
            self._holders += 1

    def wait(self, cancelled: Callable[[], bool] = lambda: False) -> bool:
        """Block until a turn is free; False (and out of line) when `cancelled()` turns true first."""
        while not self._free.acquire(timeout=0.1):
            if cancelled():
                self._leave_line()
                return False
        return True

    def leave(self) -> None:
        """Give the turn back after `wait` returned True (and the answer's freed heap to the system)."""
        heap.release()
        self._free.release()
        self._leave_line()

    def _leave_line(self) -> None:
        with self._lock:
            self._holders -= 1

    @contextmanager
    def turn(self) -> Iterator[None]:
        """A turn for the UI: it waits without a limit, since Gradio's own queue already bounds it."""
        with self._lock:
            self._holders += 1
        self.wait()
        try:
            yield
        finally:
            self.leave()
