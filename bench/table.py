"""What the benchmark prints: its headline numbers against their targets, then the load test, as a rich table.

Deliberately not here: computing any number (`bench.measure`, `bench.startup`) or judging a target (`bench.run`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.table import Table

BENCH_ROWS = (  # label, value key, p95 key
    ("retrieval (ms)", "retrieval_ms_p50", "retrieval_ms_p95"),
    ("time to first token (ms)", "ttft_ms_p50", "ttft_ms_p95"),
    ("end to end (s)", "e2e_s_p50", "e2e_s_p95"),
    ("judge, first sentence of a passage (ms)", "judge_first_ms_p50", None),
    ("judge, each further sentence (ms)", "judge_next_ms_p50", None),
    ("generation (tokens/s)", "tokens_per_s", None),
    ("generation, from a 2nd thread (tokens/s)", "thread_tokens_per_s", None),
    ("raw llama.cpp (tokens/s)", "raw_tokens_per_s", None),
    ("overhead (raw / pipeline)", "overhead_ratio", None),
    ("cold ingest (s)", "ingest_s", None),
    ("unchanged re-ingest (s)", "reingest_s", None),
    ("re-ingest embeddings", "reingest_embedded", None),
    ("peak RSS, serving (MB)", "peak_rss_mb", None),
    ("start to first answer (s)", "cold_start_s", None),
    ("first start, head state not saved yet (s)", "cold_start_first_s", None),
    ("first run: assemble the model file (s)", "assemble_s", None),
)


def bench_table(result: Mapping[str, Any], units: Mapping[str, str]) -> Table:
    """The benchmark's headline numbers with their targets (`units` names each target's unit), then the load test."""
    table = Table(title=f"bench: {result['backend']} on {result['device']}, n={result['n']}")
    for column in ("metric", "p50 / value", "p95", "target", ""):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for name, key, p95 in BENCH_ROWS:
        target = result["targets"].get(key)
        status = "" if target is None else {True: "[green]pass", False: "[red]fail", None: "–"}[target["pass"]]
        sign = "≥" if target is not None and target.get("kind") == "min" else "≤"
        most = "" if target is None else f"{sign} {target['target']:g} {units[key]}".replace("≤ 0 ", "= 0 ")
        table.add_row(name, _fmt(result[key]), _fmt(result[p95]) if p95 else "", most, status)
    for level, stats in result["load"].items():
        table.add_row(f"{level} at once: latency (s)", _fmt(stats["p50"]), _fmt(stats["p95"]), "", "")
    for level, stats in result["ui_load"].items():
        table.add_row(f"{level} at once, UI queue: latency (s)", _fmt(stats["p50"]), _fmt(stats["p95"]), "", "")
    for name, cost in result.get("expansion", {}).items():
        table.add_row(
            f"expansion {name}: per question (s)", _fmt(cost["expand_s_p50"]), _fmt(cost["expand_s_p95"]), "", ""
        )
        table.add_row(f"expansion {name}: answer end to end (s)", _fmt(cost["e2e_s_p50"]), "", "", "")
        table.add_row(f"expansion {name}: added memory (MB)", _fmt(cost["added_rss_mb"]), "", "", "")
    return table


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    return "–" if value is None else str(value)
