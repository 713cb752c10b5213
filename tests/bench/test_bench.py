"""The benchmark runs end to end on the fake backend and writes every key; timings are not judged."""

import json
from pathlib import Path

from bench.run import TARGETS, main

NUMBERS = [
    "retrieval_ms_p50",
    "retrieval_ms_p95",
    "ttft_ms_p50",
    "ttft_ms_p95",
    "tokens_per_s",
    "thread_tokens_per_s",
    "e2e_s_p50",
    "e2e_s_p95",
    "ingest_s",
    "reingest_s",
    "reingest_embedded",
    "peak_rss_mb",
    "cold_start_s",
    "n",
]


def test_bench_on_the_fake_backend_writes_every_key(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"

    args = ["--backend", "fake", "--n", "3", "--warmup", "1", "--load-levels", "1,2", "--cold-runs", "3"]
    assert main([*args, "--json", str(out)]) == 0

    result = json.loads(out.read_text())
    assert {name: type(result[name]) in (int, float) for name in NUMBERS} == dict.fromkeys(NUMBERS, True)
    assert {k: result[k] for k in ("raw_tokens_per_s", "overhead_ratio", "backend", "n", "reingest_embedded")} == {
        "raw_tokens_per_s": None,  # the raw baseline is llama.cpp's alone
        "overhead_ratio": None,
        "backend": "fake",
        "n": 3,
        "reingest_embedded": 0,
    }
    assert result["device"].startswith("cpu")
    assert result["cold_start_s"] == sorted(result["cold_start_runs_s"])[1]  # the median of the three starts
    assert {"cpu", "cores", "loadavg_before"} <= result["machine"].keys()
    assert isinstance(result["date"], str)
    assert {level: sorted(stats) for level, stats in result["load"].items()} == {
        "1": ["answers_per_min", "p50", "p95", "serial_s", "wall_s"],
        "2": ["answers_per_min", "p50", "p95", "serial_s", "wall_s"],
    }
    assert {level: sorted(stats) for level, stats in result["ui_load"].items()} == {
        "1": ["p50", "p95"],
        "2": ["p50", "p95"],
    }
    assert result["targets"].keys() == TARGETS.keys()


def test_skip_load_leaves_the_load_test_out(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"

    assert main(["--backend", "fake", "--n", "1", "--warmup", "0", "--skip-load", "--json", str(out)]) == 0

    result = json.loads(out.read_text())
    assert result["load"] == result["ui_load"] == {}


def test_an_expansion_mode_reports_its_cost_per_question(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    argv = ["--backend", "fake", "--n", "10", "--warmup", "0", "--skip-load", "--expansion", "hyde", "--json", str(out)]

    assert main(argv) == 0

    cost = json.loads(out.read_text())["expansion"]["hyde"]
    assert (cost["model"], cost["separate_model"]) == ("fake", False)  # the answer model expands: nothing loaded
    assert (cost["n_answered"], cost["n_expanded"]) == (8, 2)  # each question expanded once, never from the cache
    assert cost["expand_s_p50"] is not None and cost["e2e_s_p50"] >= cost["expand_s_p50"]
