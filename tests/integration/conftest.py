"""Fixtures for the integration tests: real local servers, always stopped in teardown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from local_servers import ARTICLE, Server, free_port, start_chroma, start_llama


@pytest.fixture(scope="session")
def excerpt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The article's first 13 questions, for tests whose embedder is slow on this CPU."""
    blocks = ARTICLE.read_text(encoding="utf-8").split("\n---\n")
    path = tmp_path_factory.mktemp("excerpt") / "excerpt.md"
    path.write_text("\n---\n".join(blocks[:14]), encoding="utf-8")
    return path


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[Server]:
    """A Chroma server of this test's own, on an empty folder."""
    server = start_chroma(tmp_path / "chroma", free_port(), tmp_path / "chroma.log")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The chat model behind an OpenAI-compatible API, shared by one test module."""
    server = start_llama(free_port(), tmp_path_factory.mktemp("llama") / "server.log")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def embedding_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The same GGUF serving `/v1/embeddings`, shared by one test module."""
    server = start_llama(free_port(), tmp_path_factory.mktemp("llama-embed") / "server.log", embedding=True)
    yield server
    server.stop()
