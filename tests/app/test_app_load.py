"""Load through the UI's queue: 32 concurrent API calls, all answered, none lost, p95 reported."""

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
def test_32_concurrent_questions_are_all_answered(make_bot, serve, record_property):
    url = serve(make_bot(llm=SlowFakeLLM(), concurrency_limit=2))

    def ask(i: int) -> tuple[str, dict, float]:
        started = time.perf_counter()
        answer = Client(url, verbose=False).predict(f"{QUESTIONS[i % 4]} (#{i})", None, api_name="/ask")
        return QUESTIONS[i % 4], answer, time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(ask, range(32)))

    assert len(results) == 32
    assert all(answer["text"] and not answer["refused"] and answer["citations"] for _, answer, _ in results)
    latencies = np.array([seconds for _, _, seconds in results])
    p50, p95 = np.percentile(latencies, [50, 95])
    record_property("p50_s", round(float(p50), 3))
    record_property("p95_s", round(float(p95), 3))
    print(f"32 concurrent /ask calls: p50 {p50:.2f} s, p95 {p95:.2f} s")
