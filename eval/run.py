"""Offline evaluation and regression gate: retrieval, scope and answer metrics per eval set.

    python eval/run.py                                   # every set, the default model, a table
    python eval/run.py --retrieval-only --baseline data/eval/baseline-retrieval.json
    python eval/run.py --backend fake --baseline data/eval/baseline-fake.json
    python eval/run.py --json eval/out/run.json --report eval/out --baseline data/eval/baseline.json
    python eval/run.py --write-baseline data/eval/baseline.json    # only with the diff it explains

Questions run one at a time in file order, at temperature 0 with the settings' fixed `n_threads`,
so on one machine every number reproduces bit for bit. The gate (`--baseline`) therefore first
compares a fingerprint of the per-question outputs, and only when it differs lists every question
that newly fails or passes and applies the tolerances of `eval/gate.toml` (/work/shared/EVAL.md).
Before any of that, a run whose metrics could not all be computed fails, a baseline made with other
options (backend, model, sets, limit ...) fails with both values named, and citation validity must
be exactly 1.000 even when the fingerprint matches: a baseline cannot excuse a broken invariant.
Exit status: 0 pass, 1 gate failed or a metric could not be computed, 2 the run could not be made.

Choices a reader should know:
- Gold is the Q&A group of the item's question (`eval.sets`). `Retriever.search` returns one
  passage per question (repeats and the pieces of a long answer collapse), so a ranking holds at
  most one gold passage, and nDCG@5's ideal counts the gold questions the ranking can hold (one),
  not the gold chunks: counting chunks would cap the four split or repeated questions at 0.61
  even when ranked first. A gold group with no passage in the index is an error.
- In-scope items get every answer metric even when refused (a false refusal is an answer with no
  content and no citation); out-of-scope items get refusal and citation validity only.
- Median words and copy share are over the in-scope answers that were not refused.
- Support uses the grounding threshold tau = `bot.ground.SUPPORT_THRESHOLD` (0.6), and semantic
  similarity is the project embedder's cosine between the answer (markers removed) and its best
  reference.
- `--limit N` takes the first N items of each set; a baseline only gates a run made the same way.

Deliberately not done: LLM or NLI judges, parallel requests, gating latency (reported only),
bootstrap intervals in the gate (`--report` shows them for reading).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from bot.core import Bot
from bot.ground import SUPPORT_THRESHOLD
from bot.types import Answer
from common.embed import Embedder, load_embedder
from common.errors import BotError
from common.models import file_sha256
from common.settings import Settings
from common.text import MARKER
from eval import metrics
from eval.report import COLUMNS, LABELS, cell, label, write_report
from eval.sets import EvalItem, load_all, normalize_question

ROOT = Path(__file__).resolve().parents[1]
RULES = Path(__file__).with_name("gate.toml")
SCHEMA = "dlqa-eval/1"
SETS = ("article", "paraphrase", "out_of_scope")
BACKENDS = ("fake", "llama_cpp", "transformers", "openai")
RANKED_K = 10  # MRR@10 needs ten; rows keep ids of all ten and the questions of the top five
SHOWN = 5
RETRIEVAL = {"hit@1": "hit@1", "hit@3": "hit@3", "hit@5": "hit@5", "mrr@10": "rr@10", "ndcg@5": "ndcg@5"}
ANSWER = (
    "f1",
    "rouge_l",
    "cosine",
    "gold_cited",
    "citation_precision",
    "sentence_coverage",
    "support",
)
GROUNDINGS = ("generated", "repaired", "extractive", "refused")
PASS_FAIL = ("hit@1", "hit@3", "hit@5", "gold_cited")  # per-question scores that are 0 or 1


# ---------------------------------------------------------------- running the questions


class CachedEmbedder:
    """The project embedder with query vectors kept per text: `ask`, `retrieve` and `verdict` each
    embed the same question, and one vector for all three also keeps them consistent."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self._queries: dict[str, np.ndarray] = {}

    @property
    def fingerprint(self) -> str:
        return self.inner.fingerprint

    def embed_query(self, text: str) -> np.ndarray:
        if text not in self._queries:
            self._queries[text] = self.inner.embed_query(text)
        return self._queries[text]

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_documents(texts)


def select(items: Iterable[EvalItem], sets: Sequence[str], limit: int | None) -> list[EvalItem]:
    """The items of `sets` in file order, the first `limit` of each set when given."""
    chosen: list[EvalItem] = []
    for name in SETS:
        if name in sets:
            chosen.extend([item for item in items if item.set == name][:limit])
    return chosen


def evaluate(
    bot: Bot, items: Sequence[EvalItem], *, retrieval_only: bool, console: Console | None = None
) -> list[dict[str, Any]]:
    """One JSON-ready row per item, asked one at a time in the given order."""
    groups: dict[str, set[str]] = {}
    for passage in bot.retriever.passages:
        groups.setdefault(normalize_question(passage.question), set()).add(passage.id)
    console = console or Console(stderr=True)
    columns = (
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    rows = []
    started = said = time.monotonic()
    with Progress(*columns, console=console, disable=not console.is_terminal) as progress:
        task = progress.add_task("eval", total=len(items))
        for item in items:
            progress.update(task, description=f"{item.set} {item.id}")
            rows.append(_evaluate_one(bot, item, groups, retrieval_only))
            progress.advance(task)
            if not console.is_terminal and (time.monotonic() - said > 30 or len(rows) == len(items)):
                said = time.monotonic()  # a plain line every 30 s for logs, where no bar is drawn
                console.print(f"eval {len(rows)}/{len(items)} {item.id} {said - started:.0f}s", highlight=False)
    return rows


def _evaluate_one(bot: Bot, item: EvalItem, groups: dict[str, set[str]], retrieval_only: bool) -> dict[str, Any]:
    scores: dict[str, float | None] = {}
    errors: list[str] = []

    def score(key: str, fn: Callable[..., float], *args: Any, **kwargs: Any) -> None:
        try:
            value = float(fn(*args, **kwargs))
            if not math.isfinite(value):
                raise ValueError(f"got {value}")
        except (ValueError, ArithmeticError) as e:
            scores[key] = None
            errors.append(f"{item.id} {key}: {e}")
        else:
            scores[key] = round(value, 6)

    # The answer comes first so that its timings include embedding the question (then cached).
    answer = None if retrieval_only else bot.ask(item.question)
    tick = time.perf_counter()
    ranked = bot.retrieve(item.question, RANKED_K)
    retrieve_s = time.perf_counter() - tick
    verdict = bot.verdict(item.question)
    questions = [p.question for p in ranked]
    if item.in_scope:
        gold = item.gold
        n_relevant = sum(1 for key in gold if groups.get(key))
        for k in (1, 3, 5):
            score(f"hit@{k}", metrics.hit_at_k, questions, gold, k)
        score("rr@10", metrics.reciprocal_rank, questions, gold, 10)
        if n_relevant:
            score("ndcg@5", metrics.ndcg_at_k, questions, gold, 5, n_relevant=n_relevant)
        else:
            score("ndcg@5", _fail, f"no passage of the gold group {sorted(gold)} is in the index")
    row: dict[str, Any] = {
        "id": item.id,
        "set": item.set,
        "split": item.split,
        "kind": item.kind,
        "question": item.question,
        "in_scope": item.in_scope,
        "scope_confidence": verdict.confidence,
        "ranked": questions[:SHOWN],
        "ranked_ids": [p.id[:12] for p in ranked],
    }
    if answer is None:
        refused = not verdict.in_scope
        row.update(answer=None, citations=[], grounding=None, draft=None)
        timings = {"retrieve": retrieve_s}
    else:
        refused = answer.refused
        row.update(
            answer=answer.text,
            citations=[[c.n, c.passage.question, c.passage.id[:12]] for c in answer.citations],
            grounding=answer.grounding,
            draft=answer.draft,
        )
        timings = dict(answer.timings)
        score("citation_validity", metrics.citation_validity, answer)
        if item.in_scope:
            _score_answer(score, bot, item, answer)
    row["refused"] = refused
    scores["scope_ok"] = float(refused != item.in_scope)
    row["scores"] = scores
    row["errors"] = errors
    row["timings"] = {stage: round(seconds, 6) for stage, seconds in timings.items()}
    return row


def _score_answer(score: Callable[..., None], bot: Bot, item: EvalItem, answer: Answer) -> None:
    refs = list(item.references)
    score("f1", metrics.token_f1, answer.text, refs)
    score("rouge_l", metrics.rouge_l, answer.text, refs)
    vectors = bot.embedder.embed_documents([MARKER.sub(" ", answer.text), *refs])
    score("cosine", lambda: max(metrics.cosine(vectors[0], v) for v in vectors[1:]))
    score("gold_cited", metrics.gold_cited, answer, item.gold)
    score("citation_precision", metrics.citation_precision, answer, item.gold)
    score("sentence_coverage", metrics.sentence_coverage, answer)
    score("support", metrics.support_rate, answer, SUPPORT_THRESHOLD)
    if not answer.refused:
        score("words", metrics.answer_words, answer)
        score("copy_share", metrics.copy_share, answer, answer.passages)


def _fail(message: str) -> float:
    raise ValueError(message)


# ---------------------------------------------------------------- aggregates


def summarize(rows: Sequence[dict[str, Any]]) -> tuple[dict[str, dict[str, float | None]], list[str]]:
    """Metrics per set and per set:split (paraphrase:dev ...), and the metrics that failed.

    A mean over rows where one value is missing is not taken: it becomes None and an error.
    """
    groups: dict[str, list[dict[str, Any]]] = {}
    for name in SETS:
        members = [row for row in rows if row["set"] == name]
        if not members:
            continue
        groups[name] = members
        for split in dict.fromkeys(row["split"] for row in members):
            if split != "all":
                groups[f"{name}:{split}"] = [row for row in members if row["split"] == split]
    errors = [error for row in rows for error in row["errors"]]
    return {name: _summary(name, members, errors) for name, members in groups.items()}, errors


def _summary(name: str, rows: list[dict[str, Any]], errors: list[str]) -> dict[str, float | None]:
    def mean(members: list[dict[str, Any]], key: str) -> float | None:
        values = [row["scores"].get(key) for row in members]
        missing = [row["id"] for row, value in zip(members, values) if value is None]
        if missing:
            errors.append(f"{name} {key}: not computed for {', '.join(missing[:5])}")
            return None
        return round(statistics.fmean(values), 6)

    out: dict[str, float | None] = {"n": len(rows), "refused": round(statistics.fmean(r["refused"] for r in rows), 6)}
    in_scope = [row for row in rows if row["in_scope"]]
    if in_scope:
        out.update({label: mean(in_scope, key) for label, key in RETRIEVAL.items()})
    if rows[0]["grounding"] is None:  # retrieval-only run
        return out
    out["citation_validity"] = mean(rows, "citation_validity")
    if in_scope:
        out.update({key: mean(in_scope, key) for key in ANSWER})
    out.update({f"grounding:{g}": round(sum(r["grounding"] == g for r in rows) / len(rows), 6) for g in GROUNDINGS})
    if in_scope:
        answered = [row for row in in_scope if not row["refused"]]
        if answered and all(row["scores"].get("words") is not None for row in answered):
            out["median_words"] = float(statistics.median(row["scores"]["words"] for row in answered))
        else:
            out["median_words"] = None
            errors.append(f"{name} median_words: no answered question to measure")
        out["copy_share"] = mean(answered, "copy_share") if answered else None
    return out


def latency(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """p50/p95 seconds per stage of `Answer.timings` (or of retrieval), over rows that have it."""
    stages = list(dict.fromkeys(stage for row in rows for stage in row["timings"]))
    out = {}
    for stage in stages:
        values = [row["timings"][stage] for row in rows if stage in row["timings"]]
        out[stage] = {
            "n": len(values),
            "p50": round(metrics.percentile(values, 50), 4),
            "p95": round(metrics.percentile(values, 95), 4),
        }
    return out


def fingerprint(rows: Sequence[dict[str, Any]]) -> str:
    """sha256 over every per-question output and score, sorted by id; timings excluded."""
    payload = [{k: v for k, v in row.items() if k != "timings"} for row in sorted(rows, key=lambda r: r["id"])]
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def run_config(bot: Bot, *, retrieval_only: bool, sets: Sequence[str], limit: int | None) -> dict[str, Any]:
    """What the run depends on (the gate matches the keys of gate.toml) and where it ran."""
    settings = bot.settings
    answers = not retrieval_only
    return {
        "mode": "retrieval" if retrieval_only else "answers",
        "backend": settings.llm_backend if answers else None,
        "model": bot.llm.name if answers else None,
        "model_sha256": _model_sha256(bot) if answers else None,
        "temperature": settings.temperature if answers else None,
        "n_threads": settings.n_threads if answers else None,
        "seed": settings.seed if answers else None,
        "max_tokens": settings.max_tokens if answers else None,
        "sets": [name for name in SETS if name in sets],
        "limit": limit,
        "embedder": bot.embedder.name,
        "embedder_fingerprint": str(bot.embedder.fingerprint)[:16],
        "passages": len(bot.retriever.passages),
        "top_k": settings.top_k,
        "prompt_passages": bot.prompt_passages,
        "support_tau": SUPPORT_THRESHOLD,
        "git": _git_sha(),
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": f"{platform.machine()} {platform.processor() or platform.system()}, {os.cpu_count()} CPUs",
        "python": platform.python_version(),
    }


def _model_sha256(bot: Bot) -> str | None:
    path = getattr(bot.llm, "path", None)  # GGUF backends are hashed; HF folders and server models are named
    return file_sha256(path) if isinstance(path, Path) and path.is_file() else None


def _git_sha() -> str | None:
    """HEAD's commit, with "+dirty" when tracked files differ from it; None outside a checkout."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return head.stdout.strip() + ("+dirty" if status.stdout.strip() else "")


def build_result(config: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The whole run as one JSON-ready dict: what `--json` and `--write-baseline` write."""
    summary, errors = summarize(rows)
    return {
        "schema": SCHEMA,
        "config": config,
        "fingerprint": fingerprint(rows),
        "metrics": summary,
        "latency": latency(rows),
        "errors": errors,
        "questions": rows,
    }


# ---------------------------------------------------------------- the gate


@dataclass(frozen=True)
class Change:
    """A question whose pass/fail (or F1) differs from the baseline's."""

    id: str
    set: str
    metric: str
    before: float | bool
    after: float | bool
    worse: bool
    question: str


@dataclass(frozen=True)
class Check:
    """One tolerance rule applied to one set."""

    set: str
    rule: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class GateResult:
    """The verdict and the step that decided it: errors, config, invariants, questions, fingerprint, tolerances."""

    passed: bool
    step: str
    reason: str
    changes: tuple[Change, ...] = ()
    checks: tuple[Check, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_rules(path: Path = RULES) -> dict[str, Any]:
    """The tolerance table; a missing section or a non-number is rejected up front."""
    with path.open("rb") as handle:
        rules = tomllib.load(handle)
    for section in ("match", "questions", "means", "exact", "ratio"):
        if section not in rules:
            raise BotError(f"Expected a [{section}] section in {path}, found none")
    for section in ("questions", "means", "exact", "ratio"):
        for key, value in rules[section].items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise BotError(f"Expected a number for {section}.{key} in {path}, got {value!r}")
    return rules


def gate(run: dict[str, Any], baseline: dict[str, Any], rules: dict[str, Any]) -> GateResult:
    """Pass or fail `run` against `baseline`: errors, config, invariants, questions, fingerprint, tolerances."""
    if run["errors"]:
        shown = "; ".join(run["errors"][:5]) + (" ..." if len(run["errors"]) > 5 else "")
        return GateResult(False, "errors", f"{len(run['errors'])} metric(s) could not be computed: {shown}")
    differ = config_mismatch(run["config"], baseline, rules)
    if differ:
        return GateResult(False, "config", differ)
    broken = invariants(run, rules)
    if broken:  # checked even when the fingerprint matches: a baseline cannot excuse a broken invariant
        detail = "; ".join(f"{c.set} {c.rule}: {c.detail}" for c in broken)
        return GateResult(False, "invariants", f"{len(broken)} invariant(s) broken: {detail}", checks=tuple(broken))
    mine = {row["id"]: row["question"] for row in run["questions"]}
    theirs = {row["id"]: row["question"] for row in baseline["questions"]}
    if mine != theirs:
        only_run = sorted(mine.keys() - theirs.keys())
        only_base = sorted(theirs.keys() - mine.keys())
        edited = sorted(i for i in mine.keys() & theirs.keys() if mine[i] != theirs[i])
        return GateResult(
            False,
            "questions",
            f"The eval sets changed since the baseline (new: {_ids(only_run)}; gone: {_ids(only_base)}; "
            f"reworded: {_ids(edited)}). Write a new baseline with --write-baseline.",
        )
    if run["fingerprint"] == baseline["fingerprint"]:
        return GateResult(True, "fingerprint", "every per-question output is identical to the baseline")
    changes = diff_questions(run, baseline, rules)
    checks = apply_tolerances(run, baseline, changes, rules)
    broken = [check for check in checks if not check.ok]
    reason = (
        f"{len(broken)} rule(s) broken: " + "; ".join(f"{c.set} {c.rule}: {c.detail}" for c in broken)
        if broken
        else f"outputs differ, all {len(checks)} tolerance rules hold"
    )
    return GateResult(not broken, "tolerances", reason, tuple(changes), tuple(checks))


def config_mismatch(config: dict[str, Any], baseline: dict[str, Any], rules: dict[str, Any]) -> str:
    """Why `baseline` cannot gate a run made with `config`, or "" when it can."""
    if baseline.get("schema") != SCHEMA:
        return f"Expected a baseline with schema {SCHEMA}, got {baseline.get('schema')!r}."
    differ = [
        f"{key}: baseline {baseline['config'].get(key)!r}, run {config.get(key)!r}"
        for key in rules["match"]["keys"]
        if baseline["config"].get(key) != config.get(key)
    ]
    if not differ:
        return ""
    return (
        "The baseline was made another way (" + "; ".join(differ) + "). Rerun with the baseline's options, "
        "or write a new baseline with --write-baseline."
    )


def diff_questions(run: dict[str, Any], baseline: dict[str, Any], rules: dict[str, Any]) -> list[Change]:
    """Every question that newly fails or newly passes, and every F1 move larger than f1_drop_by."""
    before = {row["id"]: row for row in baseline["questions"]}
    by = rules["questions"]["f1_drop_by"]
    changes = []
    for row in run["questions"]:
        old = before[row["id"]]
        moved: list[tuple[str, Any, Any, bool]] = []
        for key in PASS_FAIL:
            a, b = old["scores"].get(key), row["scores"].get(key)
            if a is not None and b is not None and a != b:
                moved.append((key, a, b, b < a))
        if old["refused"] != row["refused"]:
            moved.append(("refused", old["refused"], row["refused"], row["refused"] == row["in_scope"]))
        a, b = old["scores"].get("f1"), row["scores"].get("f1")
        if a is not None and b is not None and abs(b - a) > by:
            moved.append(("f1", a, b, b < a))
        changes.extend(Change(row["id"], row["set"], *move, row["question"]) for move in moved)
    return changes


def apply_tolerances(
    run: dict[str, Any], baseline: dict[str, Any], changes: Sequence[Change], rules: dict[str, Any]
) -> list[Check]:
    """The rules of gate.toml, set by set (the set:split rows are subsets and are not gated)."""
    checks = []
    limits = rules["questions"]
    for name in run["config"]["sets"]:
        now, then = run["metrics"].get(name, {}), baseline["metrics"].get(name, {})
        worse = [c for c in changes if c.set == name and c.worse]
        in_scope = any(row["in_scope"] for row in run["questions"] if row["set"] == name)
        for rule, metric, wording in (
            ("hit@1", "hit@1", "newly missed at rank 1"),
            ("hit@3", "hit@3", "newly missed in the top 3"),
            ("hit@5", "hit@5", "newly missed in the top 5"),
            ("gold_cited", "gold_cited", "newly without a gold citation"),
            ("refusal", "refused", "newly refused" if in_scope else "newly answered"),
            ("f1_drop", "f1", f"with F1 down by more than {limits['f1_drop_by']}"),
        ):
            if metric != "refused" and metric not in now and metric not in then:
                continue  # the metric does not apply to this set or mode
            ids = [c.id for c in worse if c.metric == metric]
            limit = limits[rule]
            checks.append(Check(name, rule, len(ids) <= limit, f"{len(ids)} {wording} (allowed {limit}){_list(ids)}"))
        for key, tolerance in rules["means"].items():
            if key in now or key in then:
                checks.append(_compare(name, key, then.get(key), now.get(key), tolerance, "drop"))
        for key, ratio in rules["ratio"].items():
            if key in now or key in then:
                checks.append(_compare(name, key, then.get(key), now.get(key), ratio, "ratio"))
    return checks


def invariants(run: dict[str, Any], rules: dict[str, Any]) -> list[Check]:
    """The broken [exact] rules: a set whose metric is not exactly the required value, and where."""
    broken = []
    for name in run["config"]["sets"]:
        summary = run["metrics"].get(name, {})
        for key, value in rules["exact"].items():
            if key not in summary:
                continue
            got = summary[key]
            if got is None or abs(got - value) > 1e-9:
                where = [
                    row["id"] for row in run["questions"] if row["set"] == name and row["scores"].get(key) != value
                ]
                broken.append(Check(name, key, False, f"{_num(got)}, must be {value:.3f}{_list(where)}"))
    return broken


def _compare(name: str, key: str, then: float | None, now: float | None, tolerance: float, how: str) -> Check:
    if then is None or now is None:
        return Check(name, key, False, f"not computed (baseline {_num(then)}, run {_num(now)})")
    if how == "drop":
        ok = then - now <= tolerance + 1e-9
        return Check(name, key, ok, f"{_num(then)} -> {_num(now)} ({now - then:+.4f}, allowed -{tolerance})")
    ok = abs(now - then) <= tolerance * then + 1e-9
    return Check(name, key, ok, f"{_num(then)} -> {_num(now)} (allowed ±{tolerance:.0%})")


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"


def _ids(ids: Sequence[str]) -> str:
    return ", ".join(ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "") if ids else "none"


def _list(ids: Sequence[str]) -> str:
    return f": {_ids(ids)}" if ids else ""


# ---------------------------------------------------------------- terminal output


def summary_table(result: dict[str, Any]) -> Table:
    """Metrics (rows) by set (columns); a blank cell means the metric does not apply there."""
    config = result["config"]
    title = f"{config['mode']} · {config['backend'] or 'no LLM'} · {config['model'] or config['embedder']}"
    table = Table(title=title, title_justify="left")
    columns = [name for name in COLUMNS if name in result["metrics"]]
    table.add_column("metric")
    for name in columns:
        table.add_column(name, justify="right")
    for key in LABELS:
        if not any(key in result["metrics"][name] for name in columns):
            continue
        cells = [cell(result["metrics"][name], key) for name in columns]
        table.add_row(label(key, config), *[f"[red]{c}[/red]" if c == "n/a" else c for c in cells])
    return table


def latency_table(result: dict[str, Any]) -> Table:
    table = Table(title="latency, s (not gated)", title_justify="left")
    for name in ("stage", "n", "p50", "p95"):
        table.add_column(name, justify="left" if name == "stage" else "right")
    for stage, values in result["latency"].items():
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


# ---------------------------------------------------------------- command line


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="eval/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=_positive, help="first N items of each set (default: all)")
    parser.add_argument("--backend", choices=BACKENDS, help="LLM backend (default: BOT_LLM_BACKEND, llama_cpp)")
    parser.add_argument("--retrieval-only", action="store_true", help="retrieval and scope gate only, no LLM")
    parser.add_argument("--sets", type=_sets, default=list(SETS), help="comma-separated: " + ",".join(SETS))
    parser.add_argument("--json", type=Path, help="write every metric and per-question row here")
    parser.add_argument("--baseline", type=Path, help="gate against this baseline; exit 1 if it fails")
    parser.add_argument("--rules", type=Path, default=RULES, help="tolerance table (default: eval/gate.toml)")
    parser.add_argument("--write-baseline", type=Path, help="write this run as the new baseline")
    parser.add_argument("--report", type=Path, help="write report.md and PNG plots into this folder")
    return parser.parse_args(argv)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def _sets(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in SETS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"expected names from {','.join(SETS)}, got {text!r}")
    return names


def main(argv: Sequence[str] | None = None) -> int:
    """Run the eval; print the table; write JSON, baseline and report; gate. Returns the exit status."""
    args = parse_args(argv)
    out = Console(width=None if sys.stdout.isatty() else 140)
    err = Console(stderr=True)
    try:
        rules = load_rules(args.rules)
        baseline = _read_json(args.baseline) if args.baseline else None
        items = select(load_all(), args.sets, args.limit)
        overrides: dict[str, Any] = {"temperature": 0.0}
        if args.backend:
            overrides["llm_backend"] = args.backend
        settings = Settings(**overrides)
        bot = Bot(settings, embedder=CachedEmbedder(load_embedder(settings)))
        config = run_config(bot, retrieval_only=args.retrieval_only, sets=args.sets, limit=args.limit)
        differ = config_mismatch(config, baseline, rules) if baseline is not None else ""
        if differ:  # say so before a long run, not after it
            out.print(f"[red]GATE FAILED[/red] (config): {differ}", soft_wrap=True, highlight=False)
            return 1
        rows = evaluate(bot, items, retrieval_only=args.retrieval_only, console=err)
    except BotError as e:
        err.print(f"[red]error:[/red] {e}", soft_wrap=True, highlight=False)
        return 2
    result = build_result(config, rows)
    out.print(summary_table(result))
    out.print(latency_table(result))
    out.print(f"fingerprint {result['fingerprint'][:16]} · {len(rows)} questions · {config['machine']}")
    for error in result["errors"]:
        out.print(f"[red]not computed[/red] {error}", soft_wrap=True)
    verdict = gate(result, baseline, rules) if baseline is not None else None
    if verdict is not None:
        print_gate(out, verdict)
    if args.json:
        _write_json(args.json, {**result, "gate": verdict.to_dict() if verdict else None})
    if args.write_baseline:
        _write_json(args.write_baseline, result)
        out.print(f"wrote baseline {args.write_baseline}")
    if args.report:
        path = write_report(result, args.report, baseline=baseline, verdict=verdict.to_dict() if verdict else None)
        out.print(f"wrote report {path}")
    if result["errors"]:
        return 1
    return 0 if verdict is None or verdict.passed else 1


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise BotError(f"Expected a baseline at {path}, found none (make one with --write-baseline)") from e
    except json.JSONDecodeError as e:
        raise BotError(f"Expected JSON in {path}, got a parse error: {e}") from e


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Indented JSON with one line per question, so a new baseline's diff reads question by question."""
    parts = []
    for key, value in data.items():
        if key == "questions":
            lines = ",\n".join("  " + json.dumps(row, ensure_ascii=False) for row in value)
            parts.append(f' "questions": [\n{lines}\n ]')
        else:
            text = json.dumps(value, ensure_ascii=False, indent=1).replace("\n", "\n ")
            parts.append(f" {json.dumps(key)}: {text}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{\n" + ",\n".join(parts) + "\n}\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
