"""Fakes shared by the UI tests (a plain module, so test files import it by a unique name)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
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


def start_app(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    """`python app.py` on a free port; returns the process and its URL once `/v1/models` answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, **env, "BOT_PORT": str(port)},
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert app.poll() is None, log.read_text()[-2000:]
        try:
            if httpx.get(url + "/v1/models", timeout=2).status_code == 200:
                return app, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    app.kill()
    raise AssertionError("the app did not serve within 300 s")
