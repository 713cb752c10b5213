"""The benchmark's measurements: each times one thing the way a user meets it and returns numbers.

`bench/run.py` chooses what to measure and assembles the JSON; this module holds the clocks:
a question through `Bot.stream` (time to first token, tokens/s by the model's own tokenizer), the
same question from a second thread, the identical prompt through bare llama.cpp, several questions
at once (straight to the Bot, and as clients of the Gradio app's queue), what each query-expansion
mode adds per question. What it costs before the first answer (ingest, cold start, assembly, fetch,
embedders) is measured in child processes by `bench.startup`.

Deliberately not here: targets, judging a number, printing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from bench.memory import current_rss_mb
from bot.core import Bot
from bot.llm import LLM
from bot.prompt import Message, build_messages
from bot.types import Answer, Status
from common.settings import Settings
from common.text import MARKER, markers, sentences

ANSWERED_WITH_EXPANSION = 8  # whole answers timed per expansion mode (the expansion alone on the rest)


@dataclass
class Run:
    """One question through the pipeline (or the raw model): what the clock and tokenizer saw."""

    question: str
    e2e: float
    ttft: float | None = None
    gen_tokens: int = 0
    gen_seconds: float = 0.0
    answer: Answer | None = None
    text: str = ""
    phases: dict[str, float] = field(default_factory=dict)


def token_counter(llm: LLM) -> Callable[[str], int]:
    """Tokens in `text` by the model's own tokenizer (words for backends without one)."""
    return llm.count_tokens


def timed_pipeline(bot: Bot, question: str, count: Callable[[str], int]) -> Run:
    """Ask `question` through `Bot.stream`, timing the first and last generated piece."""
    started = time.perf_counter()
    first = last = None
    pieces: list[str] = []
    answer = None
    for item in bot.stream(question):
        now = time.perf_counter()
        if isinstance(item, Answer):
            answer = item
        elif isinstance(item, Status):
            continue  # a stage before the draft: the first token is still to come
        else:
            first = first or now
            last = now
            pieces.append(item)
    e2e = time.perf_counter() - started
    assert answer is not None
    text = "".join(pieces)
    generation = {} if answer.refused else _generation(started, first, last, text, count)
    return Run(question, e2e, answer=answer, text=text, phases=dict(answer.timings), **generation)


def _generation(
    started: float, first: float | None, last: float | None, text: str, count: Callable[[str], int]
) -> dict[str, Any]:
    """`Run`'s generation fields from the clock readings: nothing when no piece came.

    Tokens are counted after the first piece, since the rate runs from the first piece to the last.
    """
    if first is None or last is None:
        return {}
    return {"ttft": first - started, "gen_tokens": max(count(text) - 1, 0), "gen_seconds": last - first}


def bench_threaded(bot: Bot, questions: list[str], count: Callable[[str], int]) -> list[Run]:
    """The same questions asked one at a time from a second thread, as a UI worker thread asks them.

    The main thread has already asked, so this shows whether a second calling thread slows
    generation down (llama.cpp's OpenMP pool is per calling thread; the backend's single worker
    thread is what keeps the rates equal).
    """
    out: list[Run] = []
    for question in questions:
        worker = threading.Thread(target=lambda q: out.append(timed_pipeline(bot, q, count)), args=(question,))
        worker.start()
        worker.join()
    return out


def raw_run(bot: Bot, run: Run, count: Callable[[str], int]) -> Run | None:
    """The pipeline's exact prompt for `run`, streamed by the bare `llama_cpp.Llama` (greedy, same
    max_tokens); None when the pipeline did not generate.

    The bench calls it right after each pipeline question, so both sides of the comparison meet the
    machine in the same state (in two blocks, a drift in the machine's speed between the blocks read
    as pipeline overhead). Like the pipeline's calls, it runs on the backend's worker thread from the
    evaluated prompt head (otherwise it would reuse the whole prompt the pipeline just evaluated).
    """
    if run.ttft is None or run.answer is None:
        return None
    shown = run.answer.passages[: bot.prompt_passages]
    messages = build_messages(run.answer.standalone_question, shown, bot.llm.family)
    return _raw_completion(bot.llm, messages, bot.settings.max_tokens, count)


def _raw_completion(llm: LLM, messages: list[Message], max_tokens: int, count: Callable[[str], int]) -> Run | None:
    started = time.perf_counter()
    first = last = None
    pieces = []
    stream = llm.raw_stream(messages, max_tokens=max_tokens)
    if stream is None:  # the backend has no bare engine to compare with
        return None
    for piece in stream:
        now = time.perf_counter()
        first = first or now
        last = now
        pieces.append(piece)
    e2e = time.perf_counter() - started
    text = "".join(pieces)
    return Run(messages[-1].content, e2e, text=text, **_generation(started, first, last, text, count))


def bench_load(bot: Bot, runs: list[Run], level: int) -> dict[str, float | None]:
    """`level` threads ask at the same moment; latency of each from its own start to its answer.

    `serial_s` is what the same questions took one after another in the timed pass, so
    `wall_s / serial_s` above 1 is time lost to running them together, not to queueing.
    """
    chosen = [runs[i % len(runs)] for i in range(level)]
    started = time.perf_counter()
    latencies = _at_once([partial(bot.ask, run.question) for run in chosen])
    wall = time.perf_counter() - started
    return {
        "p50": pct(latencies, 50),
        "p95": pct(latencies, 95),
        "wall_s": round(wall, 3),
        "serial_s": round(sum(r.e2e for r in chosen), 3),
        "answers_per_min": round(60 * level / wall, 2),
    }


def bench_ui_load(bot: Bot, runs: list[Run], levels: Sequence[int]) -> dict[str, dict[str, float | None]]:
    """The same load through the Gradio app: `level` API clients call `/ask` at the same moment.

    The app serves this bot on a free loopback port; its queue lets `BOT_CONCURRENCY_LIMIT`
    answers run at once and holds the rest, so these latencies include the wait in the queue.
    """
    import socket

    from gradio_client import Client

    from app import create_app, launch  # gradio is heavy: only this measurement pays for it

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(**{**bot.settings.model_dump(), "host": "127.0.0.1", "port": port})
    demo = create_app(bot)
    _, url, _ = launch(demo, settings, prevent_thread_lock=True, quiet=True)
    out = {}
    try:
        for level in levels:
            asks = [
                partial(Client(url, verbose=False).predict, runs[i % len(runs)].question, None, api_name="/ask")
                for i in range(level)
            ]
            latencies = _at_once(asks)
            out[str(level)] = {"p50": pct(latencies, 50), "p95": pct(latencies, 95)}
    finally:
        demo.close()
    return out


def _at_once(calls: list[Callable[[], Any]]) -> list[float]:
    """Run each call on its own thread, all released at the same moment; the seconds each took."""
    barrier = threading.Barrier(len(calls))

    def one(call: Callable[[], Any]) -> float:
        barrier.wait()
        started = time.perf_counter()
        call()
        return time.perf_counter() - started

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(one, calls))


def bench_expansion(
    bot: Bot, mode: Mapping[str, Any], questions: list[str], count: Callable[[str], int]
) -> dict[str, Any]:
    """What one query-expansion mode costs per question: its model's load and memory, whole answers with
    it (expansion included) on the first questions, and the expansion alone on the rest (the answer
    model is `bot`'s, shared)."""
    expanding = Bot(Settings(**{**bot.settings.model_dump(), **mode}), llm=bot.llm, embedder=bot.embedder)
    rss = current_rss_mb()
    tick = time.perf_counter()
    expander = expanding.expander  # loads the expansion model, when it is not the answer model
    load_s = time.perf_counter() - tick
    # Whole answers first: the expander keeps what it wrote, so each question is expanded once, in one place.
    runs = [timed_pipeline(expanding, q, count) for q in questions[:ANSWERED_WITH_EXPANSION]]
    seconds, tokens = [], []
    for question in questions[ANSWERED_WITH_EXPANSION:]:
        tick = time.perf_counter()
        text = expander.expand(question)
        seconds.append(time.perf_counter() - tick)
        tokens.append(count(text))
    return {
        "model": expander.llm.name,
        "separate_model": expander.llm is not bot.llm,
        "load_s": round(load_s, 3),
        "added_rss_mb": round(current_rss_mb() - rss, 1),
        "expand_s_p50": pct(seconds, 50),
        "expand_s_p95": pct(seconds, 95),
        "expand_tokens_p50": pct(tokens, 50),
        "e2e_s_p50": pct([r.e2e for r in runs], 50),
        "ttft_ms_p50": pct([r.ttft * 1e3 for r in runs if r.ttft is not None], 50),
        "n_expanded": len(seconds),
        "n_answered": len(runs),
    }


def bench_judge(bot: Bot, runs: Sequence[Run]) -> dict[str, float | None]:
    """The judge's cost on its own: each answered sentence judged again against its cited passage, timed.

    The first sentence of a passage pays for putting the passage in the cache (its state file, saved when
    the answer was checked), each further one only for its own tokens; both are reported.
    """
    judge = bot.judge
    if judge is None:
        return {"judge_first_ms_p50": None, "judge_next_ms_p50": None, "judge_sentences": 0}
    first, further = [], []
    for run in runs:
        if run.answer is None or run.answer.outcome != "answered" or not run.answer.judge:
            continue
        cited = {c.n: c.passage for c in run.answer.citations}
        previous = None
        for sentence in sentences(run.answer.text):
            numbers = [n for n in markers(sentence) if n in cited]
            if not numbers:
                continue
            passage = cited[numbers[0]]
            judge.forget()  # the score itself, not the judge's memo of it
            tick = time.perf_counter()
            judge.support(passage.text, MARKER.sub("", sentence).strip())
            (further if previous == passage.id else first).append((time.perf_counter() - tick) * 1e3)
            previous = passage.id
    return {
        "judge_first_ms_p50": pct(first, 50),
        "judge_next_ms_p50": pct(further, 50),
        "judge_sentences": len(first) + len(further),
    }


def pct(values: Sequence[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if len(values) else None


def rate(runs: Sequence[Run]) -> float | None:
    """Pooled tokens/s: all tokens after the first over all the time they took."""
    seconds = sum(r.gen_seconds for r in runs)
    return round(sum(r.gen_tokens for r in runs) / seconds, 2) if seconds > 0 else None
