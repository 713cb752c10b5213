"""The llama.cpp backend keeps the prompt head cached and runs on one worker thread, without
letting either change what the model says."""

from __future__ import annotations

import threading

import pytest

from bot.backends.llamacpp import LlamaCppLLM
from bot.prompt import Message, build_messages
from common.models import default_gguf

pytestmark = pytest.mark.slow

SYSTEM = build_messages("x", [])[0]
QUESTIONS = ["What is dropout?", "Why does my loss become NaN?", "What is a ReLU?"]


def load() -> LlamaCppLLM:
    return LlamaCppLLM(default_gguf(), n_ctx=2048, n_threads=2, n_gpu_layers=0, seed=0)


def chat(question: str) -> list[Message]:
    return [SYSTEM, Message("user", f"Question: {question}")]


def answer(llm: LlamaCppLLM, question: str, max_tokens: int = 24) -> str:
    return "".join(llm.stream(chat(question), max_tokens=max_tokens, temperature=0))


@pytest.fixture(scope="module")
def llm() -> LlamaCppLLM:
    return load()


def test_the_shared_head_is_evaluated_once_and_kept(llm):
    answer(llm, QUESTIONS[0], max_tokens=2)
    head = llm._head
    assert head and len(head) > 50  # the system prompt at least
    answer(llm, QUESTIONS[1], max_tokens=2)
    assert llm._head is head
    assert list(llm.model.input_ids[: len(head)]) == head


def test_an_answer_does_not_depend_on_the_question_before_it(llm):
    in_order = [answer(llm, q) for q in QUESTIONS]
    reversed_order = [answer(llm, q) for q in reversed(QUESTIONS)][::-1]
    fresh = load()
    assert in_order == reversed_order == [answer(fresh, q) for q in QUESTIONS]


def test_a_stream_closed_early_stops_and_leaves_the_model_usable(llm):
    full = answer(llm, QUESTIONS[0], max_tokens=24)
    stream = llm.stream(chat(QUESTIONS[0]), max_tokens=24, temperature=0)
    first = next(stream)
    stream.close()
    assert full.startswith(first)
    assert answer(llm, QUESTIONS[0], max_tokens=24) == full


def test_callers_on_other_threads_get_the_same_answers(llm):
    expected = {q: answer(llm, q) for q in QUESTIONS}
    got: dict[str, str] = {}
    threads = [threading.Thread(target=lambda q=q: got.__setitem__(q, answer(llm, q))) for q in QUESTIONS]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == expected


def test_a_model_error_reaches_the_caller_and_the_next_question_still_works(llm):
    too_long = [SYSTEM, Message("user", "word " * 3000)]
    with pytest.raises(ValueError, match="context window"):
        list(llm.stream(too_long, max_tokens=8, temperature=0))
    assert answer(llm, QUESTIONS[0])


def test_messages_without_a_system_turn_are_answered_from_an_empty_cache(llm):
    plain = [Message("user", "What is dropout?")]
    first = "".join(llm.stream(plain, max_tokens=12, temperature=0))
    answer(llm, QUESTIONS[1])
    assert "".join(llm.stream(plain, max_tokens=12, temperature=0)) == first


def test_warming_evaluates_the_head_ahead_and_changes_no_answer(llm):
    warmed = load()
    warmed.warm(chat(""))
    assert warmed._head and warmed.model.n_tokens == len(warmed._head)  # evaluated before any question
    assert [answer(warmed, q) for q in QUESTIONS] == [answer(llm, q) for q in QUESTIONS]


def test_the_heads_saved_state_lets_the_next_process_skip_it_and_changes_no_answer(tmp_path):
    def fresh() -> LlamaCppLLM:
        return LlamaCppLLM(default_gguf(), n_ctx=2048, n_threads=2, n_gpu_layers=0, seed=0, state_dir=tmp_path)

    first = fresh()
    evaluated = [answer(first, q) for q in QUESTIONS]
    (saved,) = tmp_path.glob("head-*.bin")

    second = fresh()
    second.model.eval = None  # the head must come from the file: evaluating anything fails
    second._restore_head(chat(QUESTIONS[0]))
    assert second.model.n_tokens == len(first._head)
    del second.model.eval
    assert [answer(second, q) for q in QUESTIONS] == evaluated

    saved.write_bytes(b"not a state file")
    third = fresh()
    assert [answer(third, q) for q in QUESTIONS] == evaluated
    assert saved.stat().st_size > 100_000  # rebuilt


def test_loading_a_model_leaves_what_other_threads_print_alone():
    """The bot loads its models on a background thread while the chat or the server prints."""
    import os
    import sys
    import time

    def streams() -> tuple[int, int, int]:
        return id(sys.stdout), os.fstat(1).st_ino, os.fstat(2).st_ino

    before, seen, loaded = streams(), [], threading.Event()

    def watch() -> None:
        while not loaded.is_set():
            seen.append(streams())
            time.sleep(0.002)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        load()
    finally:
        loaded.set()
        watcher.join()

    assert len(seen) > 10 and set(seen) == {before}
