"""Fakes shared by the UI tests (a plain module, so test files import it by a unique name)."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from bot.backends.fake import FakeLLM

# Supported by the "Dying ReLU problem" passage, so grounding keeps it as generated.
RELU_ANSWER = (
    "If x is less than 0, the ReLU function returns 0 [1]. "
    "The dying ReLU problem occurs when neurons output 0 for all inputs [1]."
)


class SlowLLM(FakeLLM):
    """A FakeLLM that waits `delay` seconds before each piece and says when it has started."""

    def __init__(self, responses: list[str] | None = None, delay: float = 0.05, **kwargs) -> None:
        super().__init__(responses, **kwargs)
        self.delay = delay
        self.started = threading.Event()
        self.produced = 0  # pieces generated so far, to see a generation stop

    def stream(self, messages, *, max_tokens, temperature):
        self.started.set()
        for piece in super().stream(messages, max_tokens=max_tokens, temperature=temperature):
            time.sleep(self.delay)
            self.produced += 1
            yield piece


def chromium() -> str | None:
    """Debian's Chromium, where `make browser` installs it (or wherever PATH has it); None when absent."""
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")


NEEDS_CHROMIUM = pytest.mark.skipif(
    chromium() is None, reason="Chromium is not installed: run `make browser` (apt-get install chromium)"
)
