"""Ingestion and the bot against a real Chroma server (`BOT_CHROMA_URL`), started per test."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from local_servers import ARTICLE, ROOT, Server, free_port, start_chroma

from bot import Bot
from bot.backends.fake import FakeLLM
from bot.types import Answer
from common import BackendUnavailable, FakeEmbedder, IndexMissing, Settings
from ingest import run

pytestmark = [pytest.mark.server, pytest.mark.slow]

QUESTIONS = ["What is dropout?", "why does my loss become nan", "dying relu", "how do I pick a batch size?"]


def remote(server: Server, **overrides) -> Settings:
    return Settings(_env_file=None, chroma_url=server.url, embed_backend="fake", llm_backend="fake", **overrides)


def untimed(answer: Answer) -> Answer:
    return replace(answer, timings={})


def test_ingest_twice_then_the_bot_retrieves_exactly_as_with_a_local_folder(chroma_server, tmp_path):
    settings = remote(chroma_server)

    first = run([ARTICLE], settings, embedder=FakeEmbedder(), progress=False)
    second = run([ARTICLE], settings, embedder=FakeEmbedder(), progress=False)

    assert (first.added, first.unchanged) == (157, 0)
    assert (second.added, second.updated, second.removed, second.unchanged) == (0, 0, 0, 157)
    local = Settings(_env_file=None, index_dir=tmp_path / "index", embed_backend="fake", llm_backend="fake")
    run([ARTICLE], local, embedder=FakeEmbedder(), progress=False)
    server_bot = Bot(settings, llm=FakeLLM(), embedder=FakeEmbedder())
    folder_bot = Bot(local, llm=FakeLLM(), embedder=FakeEmbedder())
    for question in QUESTIONS:
        assert server_bot.retrieve(question) == folder_bot.retrieve(question)
    assert untimed(server_bot.ask("What is dropout?")) == untimed(folder_bot.ask("What is dropout?"))


def test_the_ingest_cli_writes_to_the_server_named_by_bot_chroma_url(chroma_server):
    def ingest() -> dict:
        env = {
            "BOT_CHROMA_URL": chroma_server.url,
            "BOT_EMBED_BACKEND": "fake",
            "PATH": str(Path(sys.executable).parent),
        }
        done = subprocess.run(
            [sys.executable, "-m", "ingest", str(ARTICLE), "--json"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=50,
            check=True,
        )
        return json.loads(done.stdout)

    assert ingest()["added"] == 157
    assert ingest()["added"] == 0
    assert Bot(remote(chroma_server), llm=FakeLLM(), embedder=FakeEmbedder()).retrieve("dropout", k=1)


def test_a_server_that_goes_away_gives_a_one_line_error_and_the_bot_recovers_when_it_returns(chroma_server, tmp_path):
    settings = remote(chroma_server)
    run([ARTICLE], settings, embedder=FakeEmbedder(), progress=False)
    bot = Bot(settings, llm=FakeLLM(), embedder=FakeEmbedder())
    before = bot.retrieve("What is dropout?")

    chroma_server.stop()
    for call in (lambda: bot.retrieve("What is dropout?"), lambda: bot.ask("What is dropout?")):
        with pytest.raises(BackendUnavailable, match=rf"^Chroma server at {chroma_server.url} stopped answering") as e:
            call()
        assert "\n" not in str(e.value)

    port = int(chroma_server.url.rsplit(":", 1)[1])
    back = start_chroma(tmp_path / "chroma", port, tmp_path / "chroma-again.log")
    try:
        assert bot.retrieve("What is dropout?") == before
    finally:
        back.stop()


def test_a_hung_server_times_out_with_a_one_line_error(chroma_server):
    settings = remote(chroma_server, request_timeout=2.0)
    run([ARTICLE], settings, embedder=FakeEmbedder(), progress=False)
    bot = Bot(settings, llm=FakeLLM(), embedder=FakeEmbedder())

    chroma_server.pause()
    started = time.monotonic()
    with pytest.raises(BackendUnavailable, match=r"stopped answering \(ReadTimeout"):
        bot.retrieve("What is dropout?")
    assert time.monotonic() - started < 10
    chroma_server.resume()
    assert bot.retrieve("What is dropout?", k=1)


def test_a_rebuild_by_the_ingest_job_tells_a_running_replica_to_restart(chroma_server):
    settings = remote(chroma_server)
    run([ARTICLE], settings, embedder=FakeEmbedder(), progress=False)
    replica = Bot(settings, llm=FakeLLM(), embedder=FakeEmbedder())

    run([ARTICLE], settings, embedder=FakeEmbedder(), progress=False, rebuild=True)

    with pytest.raises(IndexMissing, match=r"^Collection 'article' was rebuilt or removed .*restart the app"):
        replica.retrieve("What is dropout?")
    restarted = Bot(settings, llm=FakeLLM(), embedder=FakeEmbedder())
    assert restarted.retrieve("What is dropout?")[0].question == "What is Dropout and how is it useful?"


def test_opening_a_server_that_is_not_running_is_a_one_line_error():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(BackendUnavailable, match=rf"^Chroma server at {url} is not answering"):
        Bot(Settings(_env_file=None, chroma_url=url, embed_backend="fake", llm_backend="fake"), embedder=FakeEmbedder())


def test_the_real_embedder_works_against_the_server(chroma_server, real_embedder, excerpt):
    settings = Settings(_env_file=None, chroma_url=chroma_server.url, llm_backend="fake")

    assert run([excerpt], settings, embedder=real_embedder, progress=False).added == 13
    bot = Bot(settings, llm=FakeLLM(), embedder=real_embedder)
    passages = bot.retrieve("some of my relu units output 0 for every input and never recover - what is this?")
    assert "Dying ReLU problem" in [p.question for p in passages]
