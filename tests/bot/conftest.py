"""Bots over the real article: a fast one (fake embedder, fake LLM) and, for slow tests, the real models."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import Bot
from bot.backends.fake import FakeLLM
from common import FakeEmbedder, Settings
from ingest import run

ARTICLE = Path(__file__).resolve().parents[2] / "data" / "article.md"


@pytest.fixture(scope="session")
def fake_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The article indexed once per session with the fake embedder."""
    folder = tmp_path_factory.mktemp("fake-index")
    settings = Settings(_env_file=None, index_dir=folder / "index", embed_backend="fake", llm_backend="fake")
    run([ARTICLE], settings, embedder=FakeEmbedder(), progress=False)
    return settings


@pytest.fixture
def fake_llm() -> FakeLLM:
    return FakeLLM()


@pytest.fixture
def fake_bot(fake_index: Settings, fake_llm: FakeLLM) -> Bot:
    return Bot(fake_index, llm=fake_llm, embedder=FakeEmbedder())


@pytest.fixture(scope="session")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The article indexed once per session with the packaged MiniLM embedder."""
    folder = tmp_path_factory.mktemp("real-index")
    settings = Settings(_env_file=None, index_dir=folder / "index", embed_model="minilm")
    run([ARTICLE], settings, progress=False)
    return settings


@pytest.fixture(scope="session")
def real_bot(real_index: Settings) -> Bot:
    """The product as shipped: MiniLM, hybrid retrieval, the default model preset through llama.cpp."""
    return Bot(real_index)
