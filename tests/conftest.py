"""Shared fixtures: isolated settings, the real article, the fake and the real small models."""

from __future__ import annotations

from pathlib import Path

import pytest

from common import FakeEmbedder, Settings

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "data" / "article.md"


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test writes under its own tmp dir and ignores the developer's BOT_* variables."""
    import os

    for name in list(os.environ):
        if name.startswith("BOT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BOT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("BOT_EMBED_MODEL", "minilm")  # fast tests; test_default_preset runs the default


@pytest.fixture
def article() -> Path:
    return ARTICLE


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for the fake embedder and fake LLM, indexed under tmp_path."""
    return Settings(
        _env_file=None,
        index_dir=tmp_path / "index",
        data_dir=tmp_path / "data",
        embed_backend="fake",
        llm_backend="fake",
    )


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def real_embedder():
    """The packaged all-MiniLM-L6-v2, loaded once per test session."""
    from common.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()
