"""What the regression test prints: rich tables of metrics, latency and the changes against the baseline.

The markdown and PNG report is `eval.report`; this module only draws on a terminal (or a log,
where rich prints the same tables as plain text). Deliberately not here: computing any number.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from eval.regression import Comparison
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
    table = Table(title="latency, s (not held to a tolerance)", title_justify="left")
    for name in ("stage", "n", "p50", "p95"):
        table.add_column(name, justify="left" if name == "stage" else "right")
    for stage, values in result.latency.items():
        table.add_row(stage, str(values["n"]), f"{values['p50']:.3f}", f"{values['p95']:.3f}")
    return table


def print_comparison(console: Console, comparison: Comparison) -> None:
    """Newly failing and newly passing questions, then the rules, then one line: regressed or not."""
    for worse, heading in ((True, "newly failing"), (False, "newly passing")):
        picked = [c for c in comparison.changes if c.worse is worse]
        if not picked:
            continue
        table = Table(title=f"{heading} ({len(picked)})", title_justify="left")
        for name in ("id", "set", "metric", "baseline", "run", "question"):
            table.add_column(name)
        for c in picked:
            table.add_row(c.id, c.set, c.metric, _value(c.before), _value(c.after), c.question[:70])
        console.print(table)
    broken = [c for c in comparison.tolerances if not c.ok]
    for tolerance in broken:
        console.print(f"[red]FAIL[/red] {tolerance.set} {tolerance.rule}: {tolerance.detail}")
    word = "[green]NO REGRESSION[/green]" if comparison.passed else "[red]REGRESSED[/red]"
    console.print(f"{word} ({comparison.step}): {comparison.reason}", soft_wrap=True)


def _value(value: float | bool) -> str:
    return str(value).lower() if isinstance(value, bool) else f"{value:.3g}"
