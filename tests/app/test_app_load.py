"""Load through the UI's queue: 32 concurrent API calls, each answered with the answer to its own question, p95 reported."""

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from gradio_client import Client

from bot.backends.fake import FakeLLM

QUESTIONS = ["What is data augmentation?", "What is early stopping?", "What is stride?", "Explain gradient checking"]


class SlowFakeLLM(FakeLLM):
    """The fake model at a realistic pace: each piece takes a few milliseconds."""

    def stream(self, messages, *, max_tokens, temperature):
        for piece in super().stream(messages, max_tokens=max_tokens, temperature=temperature):
            time.sleep(0.005)
            yield piece


@pytest.mark.slow
def test_32_concurrent_questions_are_each_answered_with_their_own_answer(make_bot, serve, record_property):
    bot = make_bot(llm=SlowFakeLLM(), concurrency_limit=2)
    url = serve(bot)
    asked = [f"{QUESTIONS[i % 4]} (#{i})" for i in range(32)]

    def ask(question: str) -> tuple[dict, float]:
        started = time.perf_counter()
        answer = Client(url, verbose=False).predict(question, None, api_name="/ask")
        return answer, time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(ask, asked))
    alone = [bot.ask(question) for question in asked]  # the same questions one at a time, no server

    # every user got the answer to their own question: crossed or lost replies would differ here
    assert [answer["question"] for answer, _ in results] == asked
    assert [(answer["text"], answer["outcome"]) for answer, _ in results] == [(a.text, a.outcome) for a in alone]
    assert [[c["id"] for c in answer["citations"]] for answer, _ in results] == [
        [c.passage.id for c in a.citations] for a in alone
    ]
    assert all(answer["outcome"] == "answered" for answer, _ in results)
    latencies = np.array([seconds for _, seconds in results])
    p50, p95 = np.percentile(latencies, [50, 95])
    record_property("p50_s", round(float(p50), 3))
    record_property("p95_s", round(float(p95), 3))
    print(f"32 concurrent /ask calls: p50 {p50:.2f} s, p95 {p95:.2f} s")
