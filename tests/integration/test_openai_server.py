"""The `openai` LLM backend against a real OpenAI-compatible server (llama.cpp's, on SmolLM2)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from local_servers import ARTICLE, CHAT_MODEL, free_port, start_llama

from bot import Bot
from bot.backends.openai_api import OpenAILLM
from bot.prompt import Message
from bot.types import Answer
from common import BackendUnavailable, FakeEmbedder, Settings
from common.text import markers
from ingest import run

pytestmark = [pytest.mark.server, pytest.mark.slow]

MESSAGES = [Message("user", "In one sentence: what is dropout in neural networks?")]


@pytest.fixture(scope="module")
def fake_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("openai-index") / "index"
    run(
        [ARTICLE],
        Settings(_env_file=None, index_dir=folder, embed_backend="fake"),
        embedder=FakeEmbedder(),
        progress=False,
    )
    return folder


def openai_settings(index: Path, base_url: str, **overrides) -> Settings:
    return Settings(
        _env_file=None,
        index_dir=index,
        embed_backend="fake",
        llm_backend="openai",
        llm_model=CHAT_MODEL,
        openai_base_url=base_url,
        **{"max_tokens": 32, **overrides},
    )


def test_the_answer_streams_in_several_pieces(llama_server):
    llm = OpenAILLM(CHAT_MODEL, llama_server.url, "not-needed", timeout=30)

    pieces = list(llm.stream(MESSAGES, max_tokens=24, temperature=0))

    assert len(pieces) > 3
    assert all(isinstance(p, str) and p for p in pieces)
    assert "".join(pieces).strip()


def test_the_bot_answers_end_to_end_through_the_server(llama_server, fake_index):
    bot = Bot(openai_settings(fake_index, llama_server.url), embedder=FakeEmbedder())

    items = list(bot.stream("What is dropout and how is it useful?"))

    *pieces, answer = items
    assert len(pieces) > 3 and all(isinstance(p, str) for p in pieces)
    assert isinstance(answer, Answer) and not answer.refused
    assert answer.draft == "".join(pieces)
    assert answer.passages[0].question == "What is Dropout and how is it useful?"
    assert answer.citations and set(markers(answer.text)) == {c.n for c in answer.citations}
    assert bot.llm.name == CHAT_MODEL and answer.timings["first_token"] > 0


def test_a_down_server_is_a_one_line_error_within_the_timeout_and_the_next_question_works_once_it_is_up(
    fake_index, tmp_path
):
    port = free_port()
    settings = openai_settings(fake_index, f"http://127.0.0.1:{port}/v1", request_timeout=20.0)
    bot = Bot(settings, embedder=FakeEmbedder())

    started = time.monotonic()
    with pytest.raises(
        BackendUnavailable, match=rf"^The LLM server at http://127.0.0.1:{port}/v1 failed: APIConnectionError"
    ) as e:
        bot.ask("What is dropout and how is it useful?")
    assert time.monotonic() - started < settings.request_timeout  # refused at once; one quick retry
    assert "\n" not in str(e.value)

    server = start_llama(port, tmp_path / "llama.log")
    try:
        answer = bot.ask("What is dropout and how is it useful?")
    finally:
        server.stop()
    assert not answer.refused and answer.draft.strip()


def test_a_server_that_never_answers_times_out(fake_index, llama_server):
    bot = Bot(openai_settings(fake_index, llama_server.url, request_timeout=1.0), embedder=FakeEmbedder())

    llama_server.pause()
    started = time.monotonic()
    try:
        with pytest.raises(BackendUnavailable, match=r"failed: APITimeoutError: Request timed out"):
            bot.ask("What is dropout and how is it useful?")
    finally:
        llama_server.resume()
    assert time.monotonic() - started < 6.0  # one try plus one retry, each bounded by the timeout


def test_a_server_that_dies_mid_answer_ends_the_stream_with_a_one_line_error(fake_index, tmp_path):
    server = start_llama(free_port(), tmp_path / "llama.log")
    try:
        bot = Bot(openai_settings(fake_index, server.url, max_tokens=400), embedder=FakeEmbedder())
        stream = bot.stream("What is dropout and how is it useful?")
        assert isinstance(next(stream), str)
        server.process.kill()
        with pytest.raises(BackendUnavailable, match=rf"^The LLM server at {server.url} failed: APIConnectionError"):
            list(stream)
    finally:
        server.stop()
