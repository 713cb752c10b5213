"""Benchmark the bot the way a user meets it: latency, throughput, memory, ingest and cold start.

One run measures, after a warm-up, over `--n` questions from `data/eval/paraphrases.jsonl`:
retrieval latency, time to first token (from the question, so retrieval and the scope gate are
in it), generation tokens/s (counted with the model's tokenizer, from the first token to the
last), end-to-end seconds; the same rate when a second thread asks (as a UI worker does); the
same llama.cpp model driven raw on the identical messages, so
`overhead_ratio = raw_tokens_per_s / tokens_per_s` shows what the pipeline costs; cold and
unchanged ingest into a temp index; process start to first answer; the serving process's peak
RSS; and p50/p95 latency with 1, 4 and 16 questions asked at once, from threads straight to the
Bot and as clients of the Gradio app's `/ask` API (through its queue, `BOT_CONCURRENCY_LIMIT`).

Ingest and cold start run in child processes, so the peak RSS is the serving process's alone.
`--backend fake` uses the fake LLM and embedder over a temp index of `data/article.md` and runs
in seconds (the smoke test drives it); the raw baseline exists only for `llama_cpp` (null
otherwise).

Deliberately not done: asserting targets (they are reported, pass or fail), isolating the machine (the load average is recorded, read it), and more
than one repetition per question.

Usage: `python eval/bench.py [--json PATH] [--backend NAME] [--n N] [--skip-load]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, get_args

import numpy as np
from rich.console import Console
from rich.table import Table

from bot.core import Bot
from bot.prompt import Message, build_messages
from bot.types import Answer
from common.settings import LLMBackendName, Settings
from eval.sets import EVAL_DIR

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "data" / "article.md"
QUESTIONS = EVAL_DIR / "paraphrases.jsonl"
LOAD_LEVELS = (1, 4, 16)

# name -> (most allowed, unit); every target is "at most".
TARGETS: dict[str, tuple[float, str]] = {
    "retrieval_ms_p50": (25.0, "ms"),
    "ttft_ms_p50": (800.0, "ms"),
    "overhead_ratio": (1.05, "x"),
    "reingest_s": (3.0, "s"),
    "reingest_embedded": (0, "texts"),
    "peak_rss_mb": (1500.0, "MB"),
    "cold_start_s": (5.0, "s"),
}

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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python eval/bench.py", description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    parser.add_argument("--backend", choices=get_args(LLMBackendName), help="LLM backend (default: settings)")
    parser.add_argument("--n", type=int, default=20, help="questions timed (default 20)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed questions first (default 2)")
    parser.add_argument("--skip-load", action="store_true", help="skip the concurrent-questions test")
    parser.add_argument("--load-levels", default=",".join(map(str, LOAD_LEVELS)), help="concurrency levels")
    args = parser.parse_args(argv)
    levels = [] if args.skip_load else [int(x) for x in args.load_levels.split(",") if x.strip()]
    console = Console(stderr=True)
    with tempfile.TemporaryDirectory(prefix="bot-bench-", ignore_cleanup_errors=True) as tmp:
        result = bench(args.backend, args.n, args.warmup, levels, Path(tmp), console)
    print_table(result, Console())
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        console.print(f"wrote {args.json}")
    return 0


def bench(
    backend: str | None, n: int, warmup: int, levels: Sequence[int], tmp: Path, console: Console
) -> dict[str, Any]:
    """Every measurement, as the JSON-ready dict `main` writes."""
    load_before = os.getloadavg()
    fake = backend == "fake"
    overrides: dict[str, Any] = {"llm_backend": backend} if backend else {}
    index = tmp / "index"
    if fake:
        overrides |= {"embed_backend": "fake", "index_dir": index, "data_dir": tmp / "data"}
    settings = Settings(**overrides)
    env = {**os.environ, **{f"BOT_{k.upper()}": str(v) for k, v in overrides.items()}}
    questions = load_questions(n + warmup)
    warm, timed = questions[:warmup], questions[warmup:]

    console.log("ingest: cold, then unchanged, into a temp index (child processes)")
    ingest = bench_ingest(index, env)  # for --backend fake this index is the one served
    console.log("cold start: process start to first answer (child process)")
    cold = bench_cold_start(timed[0], env)

    console.log(f"serving: loading the bot ({settings.llm_backend}), {warmup} warm-up question(s)")
    bot = Bot(settings)
    for question in warm:
        bot.ask(question)
    count = token_counter(bot.llm)
    console.log(f"serving: {len(timed)} questions through the pipeline")
    runs = [timed_pipeline(bot, q, count) for q in timed]
    threaded = bench_threaded(bot, [r.question for r in runs if r.ttft is not None][:4], count)
    raw = bench_raw(bot, runs, count, console) if settings.llm_backend == "llama_cpp" else None
    load, ui_load = {}, {}
    for level in levels:
        console.log(f"load: {level} question(s) at once")
        load[str(level)] = bench_load(bot, runs, level)
    if levels:
        console.log(f"load through the UI queue: {', '.join(map(str, levels))} client(s) at once")
        ui_load = bench_ui_load(bot, runs, levels)
    peak_rss = _maxrss_mb()

    answered = [r for r in runs if r.ttft is not None]
    tokens_per_s = _rate(answered)
    raw_tokens_per_s = _rate(raw) if raw else None
    result: dict[str, Any] = {
        "retrieval_ms_p50": _pct([r.phases["retrieve"] * 1e3 for r in runs], 50),
        "retrieval_ms_p95": _pct([r.phases["retrieve"] * 1e3 for r in runs], 95),
        "ttft_ms_p50": _pct([r.ttft * 1e3 for r in answered], 50),
        "ttft_ms_p95": _pct([r.ttft * 1e3 for r in answered], 95),
        "tokens_per_s": tokens_per_s,
        "raw_tokens_per_s": raw_tokens_per_s,
        "overhead_ratio": round(raw_tokens_per_s / tokens_per_s, 3) if raw_tokens_per_s and tokens_per_s else None,
        "thread_tokens_per_s": _rate(threaded),
        "raw_ttft_ms_p50": _pct([r.ttft * 1e3 for r in raw if r.ttft is not None], 50) if raw else None,
        "raw_same_text": sum(r.text == p.answer.draft for r, p in zip(raw, answered)) if raw else None,
        "e2e_s_p50": _pct([r.e2e for r in runs], 50),
        "e2e_s_p95": _pct([r.e2e for r in runs], 95),
        "gen_tokens_p50": _pct([r.gen_tokens + 1 for r in answered], 50),
        "phases_ms_p50": {  # of the answered questions, so the phases add up
            name: _pct([r.phases[name] * 1e3 for r in answered], 50)
            for name in ("rewrite", "retrieve", "gate", "first_token", "generate", "ground", "total")
        },
        **ingest,
        "peak_rss_mb": round(peak_rss, 1),
        **cold,
        "load": load,
        "ui_load": ui_load,
        "device": f"{bot.llm.device} ({_hardware(bot.llm.device)})",
        "machine": machine_info(settings, load_before),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "backend": settings.llm_backend,
        "model": bot.llm.name,
        "embedder": bot.embedder.name,
        "n": len(runs),
        "answered": len(answered),
        "max_tokens": settings.max_tokens,
    }
    result["targets"] = {
        name: {"target": most, "value": result[name], "pass": None if result[name] is None else result[name] <= most}
        for name, (most, _unit) in TARGETS.items()
    }
    return result


def load_questions(n: int, path: Path = QUESTIONS) -> list[str]:
    """The first `n` questions of the eval set, in file order, cycling if `n` is larger."""
    rows = [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [rows[i % len(rows)] for i in range(n)]


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
        else:
            first = first or now
            last = now
            pieces.append(item)
    e2e = time.perf_counter() - started
    assert answer is not None
    run = Run(question, e2e, answer=answer, text="".join(pieces), phases=dict(answer.timings))
    if not answer.refused and first is not None and last is not None:
        run.ttft = first - started
        run.gen_tokens = max(count(run.text) - 1, 0)
        run.gen_seconds = last - first
    return run


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


def bench_raw(bot: Bot, runs: list[Run], count: Callable[[str], int], console: Console) -> list[Run]:
    """The pipeline's exact prompts, streamed by the bare `llama_cpp.Llama` (greedy, same max_tokens).

    A second pass in the same order, on the backend's worker thread (as the pipeline's calls are).
    The raw calls keep llama-cpp-python's default KV prefix reuse; the backend instead cuts the
    cache back to the evaluated prompt head before each answer (deterministic, see its docstring).
    """
    console.log(f"raw baseline: the same {sum(r.ttft is not None for r in runs)} prompts through bare llama.cpp")
    out = []
    for run in runs:
        if run.ttft is None or run.answer is None:
            continue
        shown = run.answer.passages[: bot.settings.prompt_passages]
        messages = build_messages(run.answer.standalone_question, shown)
        out.append(_raw_completion(bot.llm, messages, bot.settings.max_tokens, count))
    return out


def _raw_completion(llm: Any, messages: list[Message], max_tokens: int, count: Callable[[str], int]) -> Run:
    started = time.perf_counter()
    first = last = None
    pieces = []
    for piece in llm.raw_stream(messages, max_tokens=max_tokens):
        now = time.perf_counter()
        first = first or now
        last = now
        pieces.append(piece)
    run = Run(messages[-1].content, time.perf_counter() - started, text="".join(pieces))
    if first is not None and last is not None:
        run.ttft = first - started
        run.gen_tokens = max(count(run.text) - 1, 0)
        run.gen_seconds = last - first
    return run


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
        "p50": _pct(latencies, 50),
        "p95": _pct(latencies, 95),
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

    sys.path.insert(0, str(ROOT))
    from app import create_app, launch

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
            out[str(level)] = {"p50": _pct(latencies, 50), "p95": _pct(latencies, 95)}
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


def print_table(result: dict[str, Any], console: Console) -> None:
    """The headline numbers with their targets, then the load test."""
    table = Table(title=f"bench: {result['backend']} on {result['device']}, n={result['n']}")
    for column in ("metric", "p50 / value", "p95", "target", ""):
        table.add_column(column, justify="left" if column == "metric" else "right")
    rows = [
        ("retrieval (ms)", "retrieval_ms_p50", "retrieval_ms_p95"),
        ("time to first token (ms)", "ttft_ms_p50", "ttft_ms_p95"),
        ("end to end (s)", "e2e_s_p50", "e2e_s_p95"),
        ("generation (tokens/s)", "tokens_per_s", None),
        ("generation, from a 2nd thread (tokens/s)", "thread_tokens_per_s", None),
        ("raw llama.cpp (tokens/s)", "raw_tokens_per_s", None),
        ("overhead (raw / pipeline)", "overhead_ratio", None),
        ("cold ingest (s)", "ingest_s", None),
        ("unchanged re-ingest (s)", "reingest_s", None),
        ("re-ingest embeddings", "reingest_embedded", None),
        ("peak RSS, serving (MB)", "peak_rss_mb", None),
        ("start to first answer (s)", "cold_start_s", None),
    ]
    for label, key, p95 in rows:
        target = result["targets"].get(key)
        status = "" if target is None else {True: "[green]pass", False: "[red]fail", None: "–"}[target["pass"]]
        most = "" if target is None else f"≤ {target['target']:g} {TARGETS[key][1]}".replace("≤ 0 ", "= 0 ")
        table.add_row(label, _fmt(result[key]), _fmt(result[p95]) if p95 else "", most, status)
    for level, stats in result["load"].items():
        table.add_row(f"{level} at once: latency (s)", _fmt(stats["p50"]), _fmt(stats["p95"]), "", "")
    for level, stats in result["ui_load"].items():
        table.add_row(f"{level} at once, UI queue: latency (s)", _fmt(stats["p50"]), _fmt(stats["p95"]), "", "")
    console.print(table)


def _pct(values: Sequence[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if len(values) else None


def _rate(runs: Sequence[Run]) -> float | None:
    """Pooled tokens/s: all tokens after the first over all the time they took."""
    seconds = sum(r.gen_seconds for r in runs)
    return round(sum(r.gen_tokens for r in runs) / seconds, 2) if seconds > 0 else None


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    return "–" if value is None else str(value)


def _maxrss_mb() -> float:
    kilo = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kilo / 1024 / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS, KiB on Linux


def _hardware(device: str) -> str:
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


if __name__ == "__main__":
    sys.exit(main())
