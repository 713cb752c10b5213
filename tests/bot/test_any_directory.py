"""The product from any working directory: the folder defaults lie in the project, not in the current directory.

A notebook or a shell elsewhere must find the fetched embedder, the assembled models and the index
`make run` uses, without fetching or rebuilding anything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import Bot
from common import Settings, load_embedder
from common.paths import ARTICLE, DATA_DIR, INDEX_DIR, MODEL_DIR, PROJECT


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory outside the project, with the folder settings left at their defaults."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    for name in ("BOT_DATA_DIR", "BOT_INDEX_DIR", "BOT_MODEL_DIR"):
        monkeypatch.delenv(name, raising=False)
    return folder


def test_the_folder_defaults_lie_in_the_project_and_set_ones_win(elsewhere):
    defaults = Settings(_env_file=None)
    mine = Settings(_env_file=None, index_dir="mine", model_dir=elsewhere / "models")

    assert (defaults.data_dir, defaults.index_dir, defaults.model_dir) == (DATA_DIR, INDEX_DIR, MODEL_DIR)
    assert DATA_DIR == PROJECT / "data" and ARTICLE.is_file()
    assert (mine.index_dir, mine.model_dir) == (Path("mine"), elsewhere / "models")


def test_ingest_and_the_cli_run_from_another_directory(elsewhere, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env |= {
        "PYTHONPATH": str(PROJECT),  # an editable install does the same
        "BOT_INDEX_DIR": str(tmp_path / "index"),  # never the project's own index
        "BOT_EMBED_BACKEND": "fake",
        "BOT_LLM_BACKEND": "fake",
    }

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, *args], capture_output=True, text=True, cwd=elsewhere, env=env, timeout=120
        )

    ingested = run("-m", "ingest", "--json")  # no path: the project's article
    asked = run("-m", "bot", "--json", "What is dropout?")

    assert (ingested.returncode, ingested.stderr) == (0, "")
    assert json.loads(ingested.stdout)["records"] > 100
    assert (asked.returncode, asked.stderr) == (0, "")
    answer = json.loads(asked.stdout)
    assert answer["outcome"] == "answered"
    assert answer["citations"][0]["question"] == "What is Dropout and how is it useful?"
    assert answer["citations"][0]["source"] == "data/article.md"


def test_bot_opens_from_another_directory(elsewhere, fake_index, monkeypatch):
    monkeypatch.setenv("BOT_INDEX_DIR", str(fake_index.index_dir))
    monkeypatch.setenv("BOT_EMBED_BACKEND", "fake")
    monkeypatch.setenv("BOT_LLM_BACKEND", "fake")

    bot = Bot(preload=False)

    assert bot.settings.data_dir == DATA_DIR
    assert bot.retrieve("What is dropout?", k=1)[0].question == "What is Dropout and how is it useful?"


@pytest.mark.slow
def test_the_fetched_default_embedder_loads_from_another_directory(elsewhere, monkeypatch):
    monkeypatch.delenv("BOT_EMBED_MODEL")

    embedder = load_embedder(Settings(_env_file=None))

    assert embedder.folder == MODEL_DIR / "embeddinggemma"
    assert embedder.embed_query("What is dropout?").shape == (embedder.dimension,)
