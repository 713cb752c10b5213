"""UI fixtures: the article indexed once with the fake embedder, fake bots, and apps on free ports."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app import serve as serve_app
from bot import Bot
from bot.backends.fake import FakeLLM
from common import FakeEmbedder, Settings
from ingest import run

ARTICLE = Path(__file__).resolve().parents[2] / "data" / "article.md"


@pytest.fixture(scope="session")
def app_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The article indexed once per session with the fake embedder."""
    folder = tmp_path_factory.mktemp("app-index")
    settings = Settings(
        _env_file=None, index_dir=folder / "index", data_dir=folder / "data", embed_backend="fake", llm_backend="fake"
    )
    run([ARTICLE], settings, embedder=FakeEmbedder(), progress=False)
    return settings


@pytest.fixture
def make_bot(app_index: Settings, tmp_path: Path) -> Callable[..., Bot]:
    """Bots over the fake index whose feedback goes to this test's tmp dir; keywords override settings."""

    def make(llm: FakeLLM | None = None, **overrides) -> Bot:
        return Bot(app_index, llm=llm or FakeLLM(), embedder=FakeEmbedder(), data_dir=tmp_path / "data", **overrides)

    return make


@pytest.fixture
def fake_bot(make_bot: Callable[..., Bot]) -> Bot:
    return make_bot()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serve() -> Iterator[Callable[[Bot], str]]:
    """Serve `bot` (the UI and the `/v1` API) on a free port in a background thread; returns its URL."""
    running = []

    def start(bot: Bot, **overrides) -> str:
        settings = Settings(**{**bot.settings.model_dump(), "port": free_port(), **overrides})
        demo, url = serve_app(bot, settings, prevent_thread_lock=True, quiet=True)
        running.append(demo)
        return url

    yield start
    for demo in running:
        demo.close()
