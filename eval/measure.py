"""The benchmark's measurements: each times one thing the way a user meets it and returns numbers.

`eval/bench.py` chooses what to measure and assembles the JSON; this module holds the clocks:
a question through `Bot.stream` (time to first token, tokens/s by the model's own tokenizer), the
same question from a second thread, the identical prompt through bare llama.cpp, several questions
at once (straight to the Bot, and as clients of the Gradio app's queue), what each query-expansion
mode adds per question, ingest and cold start in child processes (so the serving process's peak
RSS is its own), and what machine ran it.

Deliberately not here: targets, judging a number, printing.
"""

from __future__ import annotations

import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from bot.core import Bot
from bot.prompt import Message, build_messages
from bot.types import Answer, Status
from common.models import preset_file
from common.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
ANSWERED_WITH_EXPANSION = 8  # whole answers timed per expansion mode (the expansion alone on the rest)
ARTICLE = ROOT / "data" / "article.md"

_COLD_START = """
import json, resource, sys, time
t0 = time.time()
from bot import Bot
t1 = time.time()
bot = Bot()
t2 = time.time()
bot.llm
t3 = time.time()
answer = bot.ask(sys.argv[1])
t4 = time.time()
print(json.dumps({"started": t0, "imported": t1, "bot": t2, "llm": t3, "answered": t4,
                  "refused": answer.refused, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


_EMBED = """
import json, resource, sys, time
t0 = time.time()
from common.embed import load_embedder
from common.settings import Settings
embedder = load_embedder(Settings(embed_model=sys.argv[1]))
embedder.embed_query("warm-up")
loaded = time.time() - t0
seconds = []
for question in json.loads(sys.argv[2]):
    tick = time.perf_counter()
    embedder.embed_query(question)
    seconds.append(time.perf_counter() - tick)
print(json.dumps({"load_s": loaded, "seconds": seconds, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


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


def token_counter(llm: Any) -> Callable[[str], int]:
    """Tokens in `text` by the model's own tokenizer; pieces-as-tokens for the fake."""
    model = getattr(llm, "model", None)
    if hasattr(model, "tokenize"):
        return lambda text: len(model.tokenize(text.encode(), add_bos=False, special=False))
    tokenizer = getattr(llm, "tokenizer", None)
    if tokenizer is not None:
        return lambda text: len(tokenizer.encode(text, add_special_tokens=False))
    return lambda text: len(text.split())


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


def _raw_completion(llm: Any, messages: list[Message], max_tokens: int, count: Callable[[str], int]) -> Run:
    started = time.perf_counter()
    first = last = None
    pieces = []
    for piece in llm.raw_stream(messages, max_tokens=max_tokens):
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


def bench_ingest(index: Path, env: dict[str, str]) -> dict[str, Any]:
    """`python -m ingest` twice on a fresh folder: a cold build, then an unchanged re-run."""
    cold, cold_wall = _ingest_child(index, env)
    again, again_wall = _ingest_child(index, env)
    return {
        "ingest_s": cold["seconds"],
        "ingest_wall_s": round(cold_wall, 3),
        "ingest_chunks": cold["added"],
        "reingest_s": again["seconds"],
        "reingest_wall_s": round(again_wall, 3),
        "reingest_embedded": again["added"] + again["updated"],
    }


def _ingest_child(index: Path, env: dict[str, str]) -> tuple[dict[str, Any], float]:
    command = [sys.executable, "-m", "ingest", str(ARTICLE), "--index-dir", str(index), "--json"]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"Expected ingest to succeed, got exit {done.returncode}: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), wall


def forget_head_state(settings: Settings) -> None:
    """Delete llama.cpp's saved prompt-head states, so the next start evaluates its head as a first one does."""
    if settings.llm_backend == "llama_cpp":
        from bot.backends.llamacpp import state_dir

        shutil.rmtree(state_dir(settings), ignore_errors=True)


def bench_cold_start(question: str, env: dict[str, str]) -> dict[str, Any]:
    """Wall time from spawning `python -c "from bot import Bot; Bot().ask(...)"` to its answer."""
    spawned = time.time()
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_COLD_START), question],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"Expected the cold-start child to answer, got exit {done.returncode}: {done.stderr[-500:]}")
    t = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "cold_start_s": round(t["answered"] - spawned, 3),
        "cold_start_phases_s": {
            "interpreter": round(t["started"] - spawned, 3),
            "import": round(t["imported"] - t["started"], 3),
            "bot_init": round(t["bot"] - t["imported"], 3),
            "llm_load": round(t["llm"] - t["bot"], 3),
            "first_answer": round(t["answered"] - t["llm"], 3),
        },
        "cold_start_rss_mb": round(t["rss_mb"], 1),
    }


def machine_info(settings: Settings, load_before: tuple[float, float, float]) -> dict[str, Any]:
    """What ran the benchmark, and how busy the machine was (other processes skew timings)."""
    try:
        import llama_cpp

        llama_version = llama_cpp.__version__
    except ModuleNotFoundError:
        llama_version = None
    return {
        "cpu": _cpu_name(),
        "cores": os.cpu_count(),
        "gpu": _gpu_name(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "llama_cpp": llama_version,
        "n_threads": settings.n_threads,
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }


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


def current_rss_mb() -> float:
    """This process's resident memory now (not its peak), from /proc; 0 where there is none."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0.0
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) / 1024 if match else 0.0


def pct(values: Sequence[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if len(values) else None


def rate(runs: Sequence[Run]) -> float | None:
    """Pooled tokens/s: all tokens after the first over all the time they took."""
    seconds = sum(r.gen_seconds for r in runs)
    return round(sum(r.gen_tokens for r in runs) / seconds, 2) if seconds > 0 else None


def maxrss_mb() -> float:
    kilo = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kilo / 1024 / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS, KiB on Linux


def hardware(device: str) -> str:
    return (_gpu_name() or "no GPU found") if device == "gpu" else _cpu_name()


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _gpu_name() -> str | None:
    if not shutil.which("nvidia-smi"):
        return None
    done = subprocess.run(
        ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip().splitlines()[0] if done.returncode == 0 and done.stdout.strip() else None


def bench_assembly(settings: Settings, folder: Path) -> float | None:
    """Seconds a first run spends assembling the chosen split preset (concatenate, hash, rename);
    None when the model is a plain file or not a llama.cpp preset."""
    if settings.llm_backend != "llama_cpp":
        return None
    from bot.backends.llamacpp import preset_choice

    choice = preset_choice(settings)
    if choice is None or choice.preset.packaged:
        return None
    tick = time.perf_counter()
    preset_file(choice.preset, folder, progress=lambda done, total: None)
    return round(time.perf_counter() - tick, 2)


def bench_embedders(presets: Sequence[str], questions: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per embedder preset, in its own child process: load time, query embedding p50/p95 and peak RSS.

    A preset not fetched here is reported with the one-line reason instead of numbers.
    """
    out: dict[str, dict[str, Any]] = {}
    for name in presets:
        done = subprocess.run(
            [sys.executable, "-c", _EMBED, name, json.dumps(list(questions))],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "BOT_EMBED_MODEL": name},
        )
        if done.returncode != 0:
            out[name] = {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
            continue
        data = json.loads(done.stdout.strip().splitlines()[-1])
        ms = [s * 1e3 for s in data["seconds"]]
        out[name] = {
            "load_s": round(data["load_s"], 2),
            "query_ms_p50": pct(ms, 50),
            "query_ms_p95": pct(ms, 95),
            "rss_mb": round(data["rss_mb"], 1),
        }
    return out


def bench_fetch(model_dir: Path) -> float:
    """Seconds to fetch, verify and assemble the default embedder into an empty `model_dir`."""
    from common.fetch import DEFAULT_EMBEDDER, embed_preset, fetch

    tick = time.perf_counter()
    fetch(embed_preset(DEFAULT_EMBEDDER), model_dir)
    return round(time.perf_counter() - tick, 1)
