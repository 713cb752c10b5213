"""Offline evaluation and regression test: retrieval, scope and answer metrics per eval set.

    python eval/run.py                                   # every set, the default model, a table
    python eval/run.py --retrieval-only --baseline data/eval/baseline-retrieval.json
    python eval/run.py --backend fake --baseline data/eval/baseline-fake.json
    python eval/run.py --json eval/out/run.json --report eval/out --baseline data/eval/baseline.json
    python eval/run.py --write-baseline data/eval/baseline.json    # only with the diff it explains

Questions run one at a time in file order, at temperature 0 with the settings' fixed `n_threads`,
so on one machine every number reproduces bit for bit. The comparison with a baseline (`--baseline`, `eval.regression`) therefore
first compares a fingerprint of the per-question outputs, and only when it differs lists every
question that newly fails or passes and applies the tolerances of `eval/regression.toml`. Before any of
that, a run whose metrics could not all be computed fails, a baseline made with other options
(backend, model, sets, limit ...) fails with both values named, and citation validity must be
exactly 1.000 even when the fingerprint matches: a baseline cannot excuse a broken invariant.
Exit status: 0 pass, 1 regressed or a metric could not be computed, 2 the run could not be made.

This file is the command line and the loop that asks the questions; a row per question is an
`eval.rows.Row`, the means are `eval.aggregate`, the comparison with a baseline `eval.regression`, the tables `eval.terminal`
and the markdown report `eval.report`.

Choices a reader should know:
- Gold is the Q&A group of the item's question (`common.evalsets`). `Retriever.search` returns one
  passage per question (repeats and the pieces of a long answer collapse), so a ranking holds at
  most one gold passage, and nDCG@5's ideal counts the gold questions the ranking can hold (one),
  not the gold chunks: counting chunks would cap the four split or repeated questions at 0.61
  even when ranked first. A gold group with no passage in the index is an error.
- In-scope items get every answer metric even when refused (a false refusal is an answer with no
  content and no citation); out-of-scope items get refusal and citation validity only.
- Median words, copy share, written, relevance and repetition are over the in-scope answers that
  were answered (not refused, not related).
- `facts` (`eval.facts`) is 1 for an answered reply that states every key fact of its question and none
  of the wrong ones, over the questions with a key (paraphrases and interview); a hedge or refusal is 0.
- Support uses the grounding threshold tau = `bot.policy.GROUNDING.support` (0.6), and semantic
  similarity is the meaning checks' embedder's (MiniLM) cosine between the answer (markers removed)
  and its best reference; answer relevance is its cosine between the question and the answer's own words.
- `--limit N` takes the first N items of each set; a baseline only compares with a run made the same way.

Deliberately not done: LLM or NLI judges, parallel requests, gating latency (reported only),
bootstrap intervals in the regression test (`--report` shows them for reading).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from bot.core import Bot
from bot.expand import expansion_overrides
from bot.policy import GROUNDING
from bot.rewrite import standalone
from bot.types import Answer
from common.embed import Embedder, load_embedder
from common.errors import BotError
from common.evalsets import EvalItem, load_all
from common.settings import Settings
from common.text import MARKER, question_key
from eval import facts, metrics
from eval.aggregate import SETS, build_result
from eval.config import run_config
from eval.regression import RULES, compare, config_mismatch, load_rules
from eval.report import write_report
from eval.rows import Result, Row, read_result, reply, write_json
from eval.terminal import latency_table, modes_table, print_comparison, summary_table

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("fake", "llama_cpp", "transformers", "openai")
RANKED_K = 10  # MRR@10 needs ten; rows keep ids of all ten and the questions of the top five
SHOWN = 5


# ---------------------------------------------------------------- running the questions


class CachedEmbedder:
    """The project embedder with query vectors kept per text: a retrieval-only row embeds the same question for
    `retrieve` and `verdict`, and one vector for both also keeps them consistent."""

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


def select(
    items: Iterable[EvalItem], sets: Sequence[str], limit: int | None, split: str | None = None
) -> list[EvalItem]:
    """The items of `sets` in file order (of one half when `split` is given), the first `limit` of each set."""
    chosen: list[EvalItem] = []
    for name in SETS:
        if name in sets:
            members = [item for item in items if item.set == name and split in (None, item.split, "all")]
            chosen.extend(members[:limit])
    return chosen


def evaluate(bot: Bot, items: Sequence[EvalItem], *, retrieval_only: bool, console: Console | None = None) -> list[Row]:
    """One row per item, asked one at a time in the given order."""
    groups: dict[str, set[str]] = {}
    for passage in bot.retriever.passages:
        groups.setdefault(question_key(passage.question), set()).add(passage.id)
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


def _evaluate_one(bot: Bot, item: EvalItem, groups: dict[str, set[str]], retrieval_only: bool) -> Row:
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

    history = [(turn, "") for turn in item.history]  # the bot reads the user's turns of a history only
    if retrieval_only:  # the scope gate's verdict and the ranking, without a model
        question = standalone(item.question, history)
        tick = time.perf_counter()
        bot.expand(question)  # the expander keeps it: retrieve and verdict below reuse this one
        expand_s = time.perf_counter() - tick
        tick = time.perf_counter()
        ranked = bot.retrieve(question, RANKED_K)
        retrieve_s = time.perf_counter() - tick
        verdict = bot.verdict(question, second_look=False)
        questions, ids, confidence = [p.question for p in ranked], [p.id for p in ranked], verdict.confidence
        answer = None
        # a tentative verdict needs the model to settle it: counted related
        outcome = {"answer": "answered", "refuse": "refused"}.get(verdict.decision, "related")
        timings = {"expand": expand_s, "retrieve": retrieve_s} if bot.expands else {"retrieve": retrieve_s}
    else:  # one ask: its trace holds the ranking and the verdict it was decided on
        answer = bot.ask(item.question, history)
        trace = answer.trace
        assert trace is not None  # every non-empty question is traced
        questions = [r.question for r in trace.ranking[:RANKED_K]]
        ids, confidence = [r.id for r in trace.ranking[:RANKED_K]], trace.confidence
        outcome, timings = answer.outcome, dict(answer.timings)
    if item.in_scope:
        gold = item.gold
        n_relevant = sum(1 for key in gold if groups.get(key))
        for k in (1, 3, 5):
            score(f"hit@{k}", metrics.hit_at_k, questions, gold, k)
        score("mrr@10", metrics.reciprocal_rank, questions, gold, 10)
        if n_relevant:
            score("ndcg@5", metrics.ndcg_at_k, questions, gold, 5, n_relevant=n_relevant)
        else:
            score("ndcg@5", _fail, f"no passage of the gold group {sorted(gold)} is in the index")
    if answer is not None:
        score("citation_validity", metrics.citation_validity, answer)
        if item.in_scope:
            _score_answer(score, bot, item, answer)
    scores["scope_ok"] = float((outcome == "answered") == item.in_scope)
    return Row(
        id=item.id,
        set=item.set,
        split=item.split,
        kind=item.kind,
        question=item.question,
        in_scope=item.in_scope,
        scope_confidence=confidence,
        ranked=tuple(questions[:SHOWN]),
        ranked_ids=tuple(i[:12] for i in ids),
        reply=None if answer is None else reply(answer),
        outcome=outcome,
        scores=scores,
        errors=tuple(errors),
        timings={stage: round(seconds, 6) for stage, seconds in timings.items()},
    )


def _score_answer(score: Callable[..., None], bot: Bot, item: EvalItem, answer: Answer) -> None:
    refs = list(item.references)
    score("f1", metrics.token_f1, answer.text, refs)
    score("rouge_l", metrics.rouge_l, answer.text, refs)
    meaning = bot.grounder.embedder  # MiniLM, whichever embedder retrieves: the cosines stay comparable
    vectors = meaning.embed_documents([MARKER.sub(" ", answer.text), *refs])
    score("cosine", lambda: max(metrics.cosine(vectors[0], v) for v in vectors[1:]))
    score("gold_cited", metrics.gold_cited, answer, item.gold)
    score("citation_precision", metrics.citation_precision, answer, item.gold)
    score("sentence_coverage", metrics.sentence_coverage, answer)
    score("support", metrics.support_rate, answer, GROUNDING.support)
    key = _keys().get(item.id)
    if key is not None:  # a related or refused reply states none of the facts
        score("facts", lambda: facts.score(answer.text, key).right and answer.outcome == "answered")
    if answer.outcome == "answered":
        score("words", metrics.answer_words, answer)
        score("copy_share", metrics.copy_share, answer, answer.passages)
        score("written", metrics.written, answer)
        score("completed", metrics.completed, answer)
        question = meaning.embed_query(item.question)
        spoken = meaning.embed_documents([metrics.spoken_text(answer.text)])[0]
        score("relevance", metrics.relevance, question, spoken)
        score("repetition", metrics.repetition, answer)


@cache
def _keys() -> dict[str, facts.FactKey]:
    return facts.load_keys() if facts.KEYS.is_file() else {}


def _fail(message: str) -> float:
    raise ValueError(message)


# ---------------------------------------------------------------- command line


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="eval/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=_positive, help="first N items of each set (default: all)")
    parser.add_argument("--backend", choices=BACKENDS, help="LLM backend (default: BOT_LLM_BACKEND, llama_cpp)")
    parser.add_argument("--retrieval-only", action="store_true", help="retrieval and scope gate only, no LLM")
    parser.add_argument(
        "--expansion",
        action="append",
        type=expansion_overrides,
        metavar="MODE",
        help="query expansion: off, hyde, or hyde:MODEL (preset or GGUF); repeat it to compare modes "
        "side by side (default: BOT_QUERY_EXPANSION)",
    )
    parser.add_argument("--sets", type=_sets, default=list(SETS), help="comma-separated: " + ",".join(SETS))
    parser.add_argument("--split", choices=("dev", "test"), help="only this half of each set (article: all)")
    parser.add_argument("--json", type=Path, help="write every metric and per-question row here")
    parser.add_argument(
        "--baseline",
        type=Path,
        action="append",
        help="compare with this baseline; exit 1 if it fails (with several --expansion modes, one per mode, in order)",
    )
    parser.add_argument("--rules", type=Path, default=RULES, help="tolerance table (default: eval/regression.toml)")
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
    """Run the eval; print the table; write JSON, baseline and report; compare. Returns the exit status."""
    args = parse_args(argv)
    out = Console(width=None if sys.stdout.isatty() else 140)
    err = Console(stderr=True)
    modes = args.expansion or [{}]
    baselines = args.baseline or []
    if baselines and len(baselines) != len(modes):
        err.print(
            f"[red]error:[/red] expected one --baseline per --expansion mode, got {len(baselines)} for {len(modes)}"
        )
        return 2
    if len(modes) > 1:
        if args.write_baseline or args.report:
            err.print("[red]error:[/red] --write-baseline and --report take one --expansion mode")
            return 2
        return side_by_side(args, modes, out, err)
    try:
        rules = load_rules(args.rules)
        baseline = read_result(baselines[0]) if baselines else None
        items = select(load_all(), args.sets, args.limit, args.split)
        settings = _settings(args, modes[0])
        bot = Bot(settings, embedder=CachedEmbedder(load_embedder(settings)), preload=not args.retrieval_only)
        config = run_config(bot, retrieval_only=args.retrieval_only, sets=args.sets, limit=args.limit, split=args.split)
        differ = config_mismatch(config, baseline, rules) if baseline is not None else ""
        if differ:  # say so before a long run, not after it
            out.print(f"[red]REGRESSED[/red] (config): {differ}", soft_wrap=True, highlight=False)
            return 1
        rows = evaluate(bot, items, retrieval_only=args.retrieval_only, console=err)
    except BotError as e:
        err.print(f"[red]error:[/red] {e}", soft_wrap=True, highlight=False)
        return 2
    result = build_result(config, rows)
    out.print(summary_table(result))
    out.print(latency_table(result))
    out.print(f"fingerprint {result.fingerprint[:16]} · {len(rows)} questions · {config['machine']}")
    for error in result.errors:
        out.print(f"[red]not computed[/red] {error}", soft_wrap=True)
    comparison = compare(result, baseline, rules) if baseline is not None else None
    if comparison is not None:
        print_comparison(out, comparison)
    if args.json:
        write_json(args.json, {**result.to_dict(), "regression": comparison.to_dict() if comparison else None})
    if args.write_baseline:
        write_json(args.write_baseline, result.to_dict())
        out.print(f"wrote baseline {args.write_baseline}")
    if args.report:
        path = write_report(
            result, args.report, baseline=baseline, comparison=comparison.to_dict() if comparison else None
        )
        out.print(f"wrote report {path}")
    if result.errors:
        return 1
    return 0 if comparison is None or comparison.passed else 1


def _settings(args: argparse.Namespace, mode: dict[str, Any]) -> Settings:
    overrides: dict[str, Any] = {"temperature": 0.0, **mode}
    if args.backend:
        overrides["llm_backend"] = args.backend
    return Settings(**overrides)


def side_by_side(args: argparse.Namespace, modes: Sequence[dict[str, Any]], out: Console, err: Console) -> int:
    """Run the same questions once per expansion mode and print their retrieval and scope side by side;
    with baselines (one per mode), compare each mode on its own."""
    results: list[tuple[str, Result]] = []
    try:
        rules = load_rules(args.rules)
        baselines = [read_result(path) for path in args.baseline or []]
        items = select(load_all(), args.sets, args.limit)
        embedder = CachedEmbedder(load_embedder(_settings(args, modes[0])))
        for i, mode in enumerate(modes):
            bot = Bot(_settings(args, mode), embedder=embedder, preload=not args.retrieval_only)
            config = run_config(bot, retrieval_only=args.retrieval_only, sets=args.sets, limit=args.limit)
            name = "off" if config["expansion"] is None else f"hyde:{config['expansion']['model']}"
            differ = config_mismatch(config, baselines[i], rules) if baselines else ""
            if differ:
                out.print(f"[red]REGRESSED[/red] ({name}, config): {differ}", soft_wrap=True, highlight=False)
                return 1
            err.print(f"mode {name}", highlight=False)
            results.append(
                (name, build_result(config, evaluate(bot, items, retrieval_only=args.retrieval_only, console=err)))
            )
    except BotError as e:
        err.print(f"[red]error:[/red] {e}", soft_wrap=True, highlight=False)
        return 2
    out.print(modes_table(results))
    passed = True
    for i, (name, result) in enumerate(results):
        out.print(f"{name}: fingerprint {result.fingerprint[:16]}", highlight=False)
        if baselines:
            comparison = compare(result, baselines[i], rules)
            print_comparison(out, comparison)
            passed = passed and comparison.passed
    if args.json:
        write_json(args.json, {"modes": [{"mode": name, **result.to_dict()} for name, result in results]})
    return 1 if any(result.errors for _, result in results) or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
