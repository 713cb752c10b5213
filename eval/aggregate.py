"""From rows to a run's numbers: each metric's mean per set and per set:split, and latency.

Which rows a mean is over:
- retrieval scores and the answer-vs-reference, citation and support scores: the in-scope rows,
  refused or not (a false refusal is an answer with no content and no citation);
- outcome shares (answered, related, refused), groundings and the quoted count: every row;
  citation validity: every row;
- median words, copy share, written, completed, relevance and repetition: the in-scope rows answered
  (not refused, not related), since they describe the text of an answer.

A mean over rows where one value is missing is not taken: it becomes None and an error, because
a metric that cannot be computed must fail the regression test rather than drop out of the mean.
Deliberately not here: confidence intervals (`eval.report` shows seeded ones, for reading).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from eval import metrics
from eval.rows import Result, Row, fingerprint

SETS = ("article", "paraphrase", "interview", "follow_up", "out_of_scope", "hard_out_of_scope")
RETRIEVAL = ("hit@1", "hit@3", "hit@5", "mrr@10", "ndcg@5")
ANSWER = ("f1", "rouge_l", "cosine", "gold_cited", "citation_precision", "sentence_coverage", "support")
ANSWERED = ("copy_share", "written", "completed", "relevance", "repetition")  # over answered in-scope rows
GROUNDINGS = ("generated", "repaired", "extractive", "related", "refused")
OUTCOMES = ("answered", "related", "refused")

Summary = dict[str, float | None]


def build_result(config: Mapping[str, Any], rows: Sequence[Row]) -> Result:
    """The whole run: what `--json` and `--write-baseline` write."""
    summary, errors = summarize(rows)
    return Result(
        config=dict(config),
        fingerprint=fingerprint(rows),
        metrics=summary,
        latency=latency(rows),
        errors=tuple(errors),
        questions=tuple(rows),
    )


def summarize(rows: Sequence[Row]) -> tuple[dict[str, Summary], list[str]]:
    """Metrics per set and per set:split (paraphrase:dev ...), and the metrics that failed."""
    groups: dict[str, list[Row]] = {}
    for name in SETS:
        members = [row for row in rows if row.set == name]
        if not members:
            continue
        groups[name] = members
        for split in dict.fromkeys(row.split for row in members):
            if split != "all":
                groups[f"{name}:{split}"] = [row for row in members if row.split == split]
    errors = [error for row in rows for error in row.errors]
    return {name: _summary(name, members, errors) for name, members in groups.items()}, errors


def _summary(name: str, rows: list[Row], errors: list[str]) -> Summary:
    def mean(members: list[Row], key: str) -> float | None:
        values = [row.scores.get(key) for row in members]
        missing = [row.id for row, value in zip(members, values, strict=True) if value is None]
        if missing:
            errors.append(f"{name} {key}: not computed for {', '.join(missing[:5])}")
            return None
        return round(statistics.fmean(values), 6)  # type: ignore[arg-type]

    out: Summary = {"n": len(rows)}
    out.update({o: round(statistics.fmean(r.outcome == o for r in rows), 6) for o in OUTCOMES})
    in_scope = [row for row in rows if row.in_scope]
    if in_scope:
        out.update({key: mean(in_scope, key) for key in RETRIEVAL})
    if rows[0].grounding is None:  # retrieval-only run
        return out
    out["citation_validity"] = mean(rows, "citation_validity")
    if in_scope:
        out.update({key: mean(in_scope, key) for key in ANSWER})
        keyed = [row for row in in_scope if "facts" in row.scores]
        if keyed:
            out["facts"] = mean(keyed, "facts")
    out.update({f"grounding:{g}": round(sum(r.grounding == g for r in rows) / len(rows), 6) for g in GROUNDINGS})
    # a passage quoted as "the article answers" to a question it does not answer: the count to keep at 0
    out["quoted"] = float(sum(r.outcome == "answered" and r.grounding == "extractive" for r in rows))
    if in_scope:
        answered = [row for row in in_scope if row.outcome == "answered"]
        if answered and all(row.scores.get("words") is not None for row in answered):
            out["median_words"] = float(statistics.median(row.scores["words"] for row in answered))  # type: ignore[misc]
        else:
            out["median_words"] = None
            errors.append(f"{name} median_words: no answered question to measure")
        out.update({key: mean(answered, key) if answered else None for key in ANSWERED})
    return out


def latency(rows: Sequence[Row]) -> dict[str, dict[str, float]]:
    """p50/p95 seconds per stage of `Answer.timings` (or of retrieval), over rows that have it."""
    stages = list(dict.fromkeys(stage for row in rows for stage in row.timings))
    out = {}
    for stage in stages:
        values = [row.timings[stage] for row in rows if stage in row.timings]
        out[stage] = {
            "n": len(values),
            "p50": round(metrics.percentile(values, 50), 4),
            "p95": round(metrics.percentile(values, 95), 4),
        }
    return out
