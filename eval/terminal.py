"""What the eval and the benchmark print: rich tables of metrics, latency, the gate and bench targets.

The markdown and PNG report is `eval.report`; this module only draws on a terminal (or a log,
where rich prints the same tables as plain text). Deliberately not here: computing any number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from eval.gate import GateResult
from eval.report import COLUMNS, LABELS, cell, label
from eval.rows import Result


def summary_table(result: Result) -> Table:
    """Metrics (rows) by set (columns); a blank cell means the metric does not apply there."""
    config = result.config
    title = f"{config['mode']} · {config['backend'] or 'no LLM'} · {config['model'] or config['embedder']}"
    table = Table(title=title, title_justify="left")
    columns = [name for name in COLUMNS if name in result.metrics]
    table.add_column("metric")
    for name in columns:
        table.add_column(name, justify="right")
    for key in LABELS:
        if not any(key in result.metrics[name] for name in columns):
            continue
        cells = [cell(result.metrics[name], key) for name in columns]
        table.add_row(label(key, config), *[f"[red]{c}[/red]" if c == "n/a" else c for c in cells])
    return table


MODE_ROWS = (  # set column, metric
    ("article", "hit@1"),
    ("paraphrase:dev", "hit@1"),
    ("paraphrase:test", "hit@1"),
    ("paraphrase:test", "hit@5"),
    ("paraphrase:test", "mrr@10"),
    ("paraphrase", "hit@1"),
    ("paraphrase", "refused"),
    ("out_of_scope", "refused"),
)


def modes_table(results: Sequence[tuple[str, Result]]) -> Table:
    """One column per expansion mode: retrieval and refusals of each set, then the expansion's cost."""
    table = Table(title="retrieval by query-expansion mode", title_justify="left")
    table.add_column("set · metric")
    for name, _ in results:
        table.add_column(name, justify="right")
    for column, key in MODE_ROWS:
        if all(column in result.metrics and key in result.metrics[column] for _, result in results):
            table.add_row(f"{column} · {key}", *[cell(result.metrics[column], key) for _, result in results])
    costs = [result.latency.get("expand", {}).get("p50") for _, result in results]
    table.add_row("expansion, s per question (p50)", *["–" if c is None else f"{c:.2f}" for c in costs])
    return table


def latency_table(result: Result) -> Table:
    table = Table(title="latency, s (not gated)", title_justify="left")
    for name in ("stage", "n", "p50", "p95"):
        table.add_column(name, justify="left" if name == "stage" else "right")
    for stage, values in result.latency.items():
        table.add_row(stage, str(values["n"]), f"{values['p50']:.3f}", f"{values['p95']:.3f}")
    return table


def print_gate(console: Console, verdict: GateResult) -> None:
    """Newly failing and newly passing questions, then the rules, then one verdict line."""
    for worse, heading in ((True, "newly failing"), (False, "newly passing")):
        picked = [c for c in verdict.changes if c.worse is worse]
        if not picked:
            continue
        table = Table(title=f"{heading} ({len(picked)})", title_justify="left")
        for name in ("id", "set", "metric", "baseline", "run", "question"):
            table.add_column(name)
        for c in picked:
            table.add_row(c.id, c.set, c.metric, _value(c.before), _value(c.after), c.question[:70])
        console.print(table)
    broken = [c for c in verdict.checks if not c.ok]
    for check in broken:
        console.print(f"[red]FAIL[/red] {check.set} {check.rule}: {check.detail}")
    word = "[green]GATE PASSED[/green]" if verdict.passed else "[red]GATE FAILED[/red]"
    console.print(f"{word} ({verdict.step}): {verdict.reason}", soft_wrap=True)


def _value(value: float | bool) -> str:
    return str(value).lower() if isinstance(value, bool) else f"{value:.3g}"


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
