"""Start real local servers for the integration tests: Chroma and llama.cpp's OpenAI-compatible one.

Each server is a subprocess bound to 127.0.0.1 on a free port, polled until it answers (with a
deadline); the fixtures in `conftest.py` always stop it. Server output goes to a log file whose
tail is shown when a server fails to start. Nothing here reaches beyond 127.0.0.1.
(A module of its own, not `conftest`: tests import from it, and `conftest` is not a unique name.)
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from common.models import default_gguf

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ROOT / "data" / "article.md"
BIN = Path(sys.executable).parent
LLAMA_SERVER = Path(__file__).with_name("llama_server.py")
CHAT_MODEL = "smollm2"
EMBED_MODEL = "smollm2-embed"
START_SECONDS = 45.0


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """One started server process; `url` is its base address."""

    process: subprocess.Popen
    url: str
    log: Path

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def wait_ready(self, health: str, deadline: float = START_SECONDS) -> Server:
        """Poll `health` until it answers 200, the process exits, or `deadline` seconds pass."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if self.process.poll() is not None:
                pytest.fail(f"Server exited with {self.process.returncode} while starting:\n{self.log_tail()}")
            try:
                if httpx.get(health, timeout=1.0).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"Server did not answer {health} within {deadline:.0f} s:\n{self.log_tail()}")

    def pause(self) -> None:
        """Freeze the process (it keeps its port but answers nothing), like a hung server."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        """Terminate the process (kill it if it lingers); safe to call twice."""
        if self.process.poll() is not None:
            return
        self.resume()  # a paused process cannot act on SIGTERM
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def _spawn(command: list[str], log: Path, url: str) -> Server:
    handle = log.open("ab")
    try:
        process = subprocess.Popen(
            command, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT, env=_child_env()
        )
    finally:
        handle.close()  # the child holds its own copy
    return Server(process, url, log)


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env["ANONYMIZED_TELEMETRY"] = "False"
    return env


def start_chroma(path: Path, port: int, log: Path) -> Server:
    """`chroma run` on `path` at 127.0.0.1:`port`, ready to use."""
    command = [str(BIN / "chroma"), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    server = _spawn(command, log, f"http://127.0.0.1:{port}")
    return server.wait_ready(f"{server.url}/api/v2/heartbeat")


def start_llama(port: int, log: Path, *, embedding: bool = False) -> Server:
    """llama.cpp's OpenAI-compatible server on the packaged SmolLM2 GGUF at 127.0.0.1:`port`.

    With `embedding`, the same GGUF serves `/v1/embeddings` with mean pooling (a causal model
    has no pooling of its own; without one the server returns one vector per token).
    """
    command = [
        sys.executable,
        str(LLAMA_SERVER),
        "--model",
        str(default_gguf()),
        "--model_alias",
        EMBED_MODEL if embedding else CHAT_MODEL,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_threads",
        "1",  # spinning threads collapse when the test machine's CPUs are busy (2 threads ran ~15x slower)
        "--n_threads_batch",
        "1",
        "--n_ctx",
        "4096",
        "--seed",
        "0",
        "--verbose",
        "false",
    ]
    if embedding:
        command += ["--embedding", "true", "--kv_overrides", "llama.pooling_type=int:1"]
    server = _spawn(command, log, f"http://127.0.0.1:{port}/v1")
    return server.wait_ready(f"{server.url}/models")
