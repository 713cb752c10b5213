"""A markdown report with PNG plots for one eval run, beside its baseline when there is one.

    python eval/run.py --report eval/out/report --baseline data/eval/baseline.json
    python eval/report.py eval/out/run.json eval/out/report [--baseline data/eval/baseline.json]

Writes `report.md`, `metrics.png` (each set's scores as bars, the baseline's beside them) and
`latency.png` (seconds per question, and p50/p95 per stage). Seeded bootstrap 95% intervals are
shown for reading; the regression test never uses them. The input is the JSON `eval/run.py --json` writes.
Deliberately not done: HTML, interactive plots, comparing more than two runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.policy import GROUNDING
from eval.aggregate import SETS
from eval.rows import Result, Row, read_result

COLUMNS = (
    "article",
    "paraphrase",
    "paraphrase:dev",
    "paraphrase:test",
    "interview",
    "follow_up",
    "out_of_scope",
    "hard_out_of_scope",
    "hard_out_of_scope:test",
)
LABELS = {
    "n": "questions",
    "hit@1": "hit@1",
    "hit@3": "hit@3",
    "hit@5": "hit@5",
    "mrr@10": "MRR@10",
    "ndcg@5": "nDCG@5",
    "answered": "answered",
    "related": "related (closest entry named)",
    "refused": "refused",
    "quoted": "quoted as the answer (count)",
    "f1": "token F1",
    "rouge_l": "ROUGE-L",
    "cosine": "cosine (MiniLM)",
    "citation_validity": "citation validity",
    "gold_cited": "gold cited",
    "citation_precision": "citation precision",
    "sentence_coverage": "sentence coverage",
    "support": "support",
    "facts": "states every key fact",
    "grounding:generated": "grounding: generated",
    "grounding:repaired": "grounding: repaired",
    "grounding:extractive": "grounding: extractive",
    "grounding:related": "grounding: related",
    "median_words": "median words",
    "copy_share": "copy share",
    "written": "written by the model",
    "completed": "completed from the entry",
    "relevance": "answer relevance (MiniLM)",
    "repetition": "repeats a sentence",
}
COUNTS = ("n", "median_words", "quoted")  # shown as integers and left out of the [0, 1] bar plot
BOOTSTRAP = ("hit@1", "mrr@10", "f1", "gold_cited")


def label(key: str, config: Mapping[str, Any]) -> str:
    """The display name of a metric; support names its threshold."""
    if key == "support":
        return f"support (τ={config.get('support_tau', GROUNDING.support)})"
    return LABELS.get(key, key)


def cell(summary: Mapping[str, Any], key: str) -> str:
    """A metric as the tables show it: blank when it does not apply, n/a when it failed."""
    if key not in summary:
        return ""
    value = summary[key]
    if value is None:
        return "n/a"
    return f"{value:.0f}" if key in COUNTS else f"{value:.3f}"


def write_report(
    result: Result,
    out_dir: Path,
    *,
    baseline: Result | None = None,
    comparison: dict[str, Any] | None = None,
) -> Path:
    """Write report.md, metrics.png and latency.png into `out_dir`; return the markdown's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    plot_metrics(result, baseline, out_dir / "metrics.png")
    plot_latency(result, out_dir / "latency.png")
    path = out_dir / "report.md"
    path.write_text(markdown(result, baseline, comparison), encoding="utf-8")
    return path


# ---------------------------------------------------------------- markdown


def markdown(result: Result, baseline: Result | None, comparison: dict[str, Any] | None) -> str:
    """The whole report as one markdown string."""
    config = result.config
    lines = [
        f"# Eval report: {config['mode']}, {config['backend'] or 'no LLM'}, {config['model'] or config['embedder']}",
        "",
        f"{config['created']} · {config['machine']} · git {str(config.get('git'))[:10]} · "
        f"fingerprint `{result.fingerprint[:16]}`" + (f" (baseline `{baseline.fingerprint[:16]}`)" if baseline else ""),
        "",
    ]
    if comparison is not None:
        lines += _regression_section(comparison)
    lines += ["## Metrics", "", metrics_table(result, baseline), "", "![metrics](metrics.png)", ""]
    lines += _bootstrap_section(result)
    lines += ["## Latency (seconds, reported only)", "", _latency_table(result, baseline), ""]
    lines += ["![latency](latency.png)", ""]
    lines += _questions_section(result)
    if result.errors:
        lines += ["## Metrics that could not be computed", "", *[f"- {e}" for e in result.errors], ""]
    lines += ["## Configuration", "", "| key | value |", "|---|---|"]
    lines += [f"| {key} | {_md(str(value))} |" for key, value in config.items()]
    return "\n".join(lines) + "\n"


def metrics_table(result: Result, baseline: Result | None = None) -> str:
    """Metrics by set as a markdown table; with a baseline each cell also shows the change."""
    columns = [name for name in COLUMNS if name in result.metrics]
    rows = ["| metric | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for key in LABELS:
        if not any(key in result.metrics[name] for name in columns):
            continue
        cells = []
        for name in columns:
            text = cell(result.metrics[name], key)
            then = baseline.metrics.get(name, {}).get(key) if baseline else None
            now = result.metrics[name].get(key)
            if baseline and text and then is not None and now is not None and key != "n" and now != then:
                text += f" ({now - then:+.3f})" if key not in COUNTS else f" ({now - then:+.0f})"
            cells.append(text)
        rows.append(f"| {label(key, result.config)} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _regression_section(comparison: dict[str, Any]) -> list[str]:
    word = "PASSED" if comparison["passed"] else "FAILED"
    lines = [
        "## Against the baseline",
        "",
        f"**{word}** at step *{comparison['step']}*: {_md(comparison['reason'])}",
        "",
    ]
    if comparison["tolerances"]:
        lines += ["| set | rule | ok | detail |", "|---|---|---|---|"]
        lines += [
            f"| {c['set']} | {c['rule']} | {'yes' if c['ok'] else '**no**'} | {_md(c['detail'])} |"
            for c in comparison["tolerances"]
        ]
        lines.append("")
    for worse, heading in ((True, "Newly failing"), (False, "Newly passing")):
        picked = [c for c in comparison["changes"] if c["worse"] is worse]
        if picked:
            lines += [f"### {heading} ({len(picked)})", "", "| id | set | metric | baseline | run | question |"]
            lines.append("|---|---|---|---|---|---|")
            lines += [
                f"| {c['id']} | {c['set']} | {c['metric']} | {c['before']} | {c['after']} | {_md(c['question'])} |"
                for c in picked
            ]
            lines.append("")
    return lines


def bootstrap(values: Sequence[float], *, resamples: int = 1000, seed: int = 0) -> tuple[float, float]:
    """A seeded percentile-bootstrap 95% interval of the mean (for reading, never for gating)."""
    data = np.asarray(values, dtype=np.float64)
    if data.size == 0:
        raise ValueError("Expected at least one value, got none")
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(resamples, data.size))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


def _bootstrap_section(result: Result) -> list[str]:
    lines = ["## Bootstrap 95% intervals (seed 0, 1000 resamples; not held to a tolerance)", ""]
    lines += ["| set | metric | mean | interval |", "|---|---|---:|---|"]
    found = False
    for name in COLUMNS:
        rows = [row for row in result.questions if _group(row) == name or row.set == name]
        for key in BOOTSTRAP:
            values = [row.scores[key] for row in rows if key in row.scores]
            if not values or any(v is None for v in values):
                continue
            low, high = bootstrap(values)  # type: ignore[arg-type]
            lines.append(f"| {name} | {key} | {np.mean(values):.3f} | {low:.3f} – {high:.3f} |")
            found = True
    return [*lines, ""] if found else []


def _group(row: Row) -> str:
    return f"{row.set}:{row.split}"


def _latency_table(result: Result, baseline: Result | None) -> str:
    then = baseline.latency if baseline else {}
    rows = ["| stage | n | p50 | p95 |" + (" baseline p50 | baseline p95 |" if then else ""), "|---|---:|---:|---:|"]
    rows[1] += "---:|---:|" if then else ""
    for stage, values in result.latency.items():
        line = f"| {stage} | {values['n']} | {values['p50']:.3f} | {values['p95']:.3f} |"
        if then:
            old = then.get(stage)
            line += f" {old['p50']:.3f} | {old['p95']:.3f} |" if old else " | |"
        rows.append(line)
    return "\n".join(rows)


def _questions_section(result: Result) -> list[str]:
    rows = result.questions
    missed = [r for r in rows if r.scores.get("hit@5") == 0.0]
    wrong_refusal = [r for r in rows if r.scores.get("scope_ok") == 0.0]
    weakest = sorted((r for r in rows if r.scores.get("f1") is not None), key=lambda r: (r.scores["f1"], r.id))
    lines = ["## Questions to read", ""]
    for title, picked in (
        ("Gold passage not in the top 5", missed),
        ("Wrongly refused or wrongly answered", wrong_refusal),
        ("Lowest token F1", weakest[:10]),
    ):
        if not picked:
            continue
        lines += [f"### {title} ({len(picked)})", "", "| id | question | top passage | refused | F1 |"]
        lines.append("|---|---|---|---|---:|")
        for row in picked:
            f1 = row.scores.get("f1")
            top = row.ranked[0] if row.ranked else ""
            lines.append(
                f"| {row.id} | {_md(row.question)} | {_md(top)} | {row.refused} | {'' if f1 is None else f'{f1:.2f}'} |"
            )
        lines.append("")
    return lines


def _md(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


# ---------------------------------------------------------------- plots


def plot_metrics(result: Result, baseline: Result | None, path: Path) -> None:
    """One panel per set: horizontal bars of every [0, 1] metric, the baseline's beside each."""
    plt = _pyplot()
    names = [name for name in SETS if name in result.metrics]
    keys = {name: [k for k in LABELS if k not in COUNTS and result.metrics[name].get(k) is not None] for name in names}
    most = max(len(k) for k in keys.values())
    height = most * 0.32 + 1.2
    fig, axes = plt.subplots(1, len(names), figsize=(4.6 * len(names), height), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        ks = keys[name]
        y = np.arange(len(ks))
        now = [result.metrics[name][k] for k in ks]
        if baseline is not None:
            then = [baseline.metrics.get(name, {}).get(k) for k in ks]
            ax.barh(y + 0.2, [v if v is not None else 0 for v in then], 0.4, color="#bbbbbb", label="baseline")
            ax.barh(y - 0.2, now, 0.4, color="#3b75af", label="run")
        else:
            ax.barh(y, now, 0.6, color="#3b75af", label="run")
        ax.set_yticks(y, [label(k, result.config) for k in ks], fontsize=8)
        ax.set_ylim(most - 0.5, -0.5)  # top to bottom, one bar thickness in every panel
        ax.set_xlim(0, 1.05)
        ax.set_title(f"{name} (n={result.metrics[name]['n']})", fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    axes[0][0].legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_latency(result: Result, path: Path) -> None:
    """Left: histogram of seconds per question (total, or retrieval); right: p50/p95 per stage."""
    plt = _pyplot()
    stage = "total" if "total" in result.latency else "retrieve"
    values = [row.timings[stage] for row in result.questions if stage in row.timings]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    left.hist(values, bins=30, color="#3b75af")
    left.set_xlabel(f"{stage} seconds per question")
    left.set_ylabel("questions")
    left.set_title(f"{stage} latency (n={len(values)})", fontsize=10)
    stages = list(result.latency)
    x = np.arange(len(stages))
    right.bar(x - 0.2, [result.latency[s]["p50"] for s in stages], 0.4, label="p50", color="#3b75af")
    right.bar(x + 0.2, [result.latency[s]["p95"] for s in stages], 0.4, label="p95", color="#e08a2c")
    right.set_xticks(x, stages, rotation=30, fontsize=8)
    right.set_ylabel("seconds")
    right.set_title("per stage", fontsize=10)
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


# ---------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="eval/report.py", description="Report on a run written by --json.")
    parser.add_argument("run", type=Path, help="JSON written by eval/run.py --json")
    parser.add_argument("out", type=Path, help="folder for report.md and the plots")
    parser.add_argument("--baseline", type=Path, help="baseline JSON to compare with")
    args = parser.parse_args(argv)
    data = json.loads(args.run.read_text(encoding="utf-8"))
    baseline = read_result(args.baseline) if args.baseline else None
    path = write_report(Result.from_dict(data), args.out, baseline=baseline, comparison=data.get("regression"))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
