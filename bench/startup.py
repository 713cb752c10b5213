"""What the product costs before it answers, each measured in a child process so the numbers are its own:
ingest (cold, then unchanged), process start to first answer, assembling a preset, fetching the default
embedder, and each embedder preset's load, query time and peak RSS; plus what machine ran it.

Deliberately not here: the serving measurements (`bench.measure`), targets and printing (`bench.run`, `bench.table`).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.measure import pct
from bot.llm import backend
from common.models import preset_file
from common.paths import ARTICLE, PROJECT
from common.settings import Settings

_COLD_START = """
import json, sys, time
t0 = time.time()
from bot import Bot
t1 = time.time()
bot = Bot()
t2 = time.time()
bot.llm
t3 = time.time()
answer = bot.ask(sys.argv[1])
t4 = time.time()
from bench.memory import maxrss_mb  # a child's own peak: see bench.memory
print(json.dumps({"started": t0, "imported": t1, "bot": t2, "llm": t3, "answered": t4,
                  "refused": answer.refused, "rss_mb": maxrss_mb()}))
"""


_EMBED = """
import json, sys, time
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
from bench.memory import maxrss_mb
print(json.dumps({"load_s": loaded, "seconds": seconds, "rss_mb": maxrss_mb()}))
"""


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
    folder = backend(settings).state_dir(settings)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


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
    choice = backend(settings).preset(settings)
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
            cwd=PROJECT,
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
    from common.embed_presets import DEFAULT_EMBEDDER, embed_preset
    from common.fetch import fetch

    tick = time.perf_counter()
    fetch(embed_preset(DEFAULT_EMBEDDER), model_dir)
    return round(time.perf_counter() - tick, 1)
