"""How well the grounder tells true answer sentences from corrupted ones (data/eval/grounding.jsonl).

    python tools/grounding.py                         # the dev half, tables on the terminal
    python tools/grounding.py --split all --misses    # every row, and each wrong result by id
    python tools/grounding.py --json out.json --min-keep 0.9 --min-reject 0.6

Each sentence is checked alone against the passage it is about, with the question of that
passage, through `bot.grounder.check`. Reported: the keep rate on correct
sentences, the reject rate on corrupted ones (overall and per corruption kind), and per check
the share of each kind it rejected, and rejected alone, so one can read what each check adds (`contrast` and
`flip` are asked only of sentences every other check keeps, so for them the two shares are the same).
`--min-keep` and `--min-reject` are floors on the test half whatever `--split` shows: tune on dev.
Exit status: 0, or 1 when the test half is below a given minimum, 2 when it could not run.

`--judge MODEL` checks as the bot does by default, with that llama.cpp model as the judge (p(yes) from its
logits, beside the word rules of `GROUNDING.judged_rules`, or those `--rules` names), and also reports the
judge's AUC per corrupted kind and the cut that keeps 0.95 of the dev half's correct sentences (how
`GROUNDING.judge_cut` was set). Without it the word rules check alone (no LLM); `--lexical` measures lexical
support alone, as a point of comparison. Deliberately not done: drafting with the LLM (the regression test covers
whole answers).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

from rich.console import Console
from rich.table import Table

from bot.ground import SentenceCheck
from bot.policy import GROUNDING
from bot.types import Passage
from common.errors import BotError, InputError
from tools.grounding_set import CORRECT_KINDS, CORRUPT_KINDS, KINDS
from tools.grounding_set import OUT as SET

CORRUPTIONS = CORRUPT_KINDS
SPLITS = ("dev", "test", "all")


@dataclass(frozen=True)
class GroundingRow:
    """One sentence of the set, about the answer to `passage_question`; `source` is its correct seed."""

    id: str
    split: str
    kind: str
    sentence: str
    passage_question: str
    source: str


class Verdict(Protocol):
    """What a check returns (`bot.ground.SentenceCheck` has this shape)."""

    @property
    def kept(self) -> bool: ...

    @property
    def failed(self) -> tuple[str, ...]: ...


Check = Callable[[str, Passage, str], Verdict]


@dataclass(frozen=True)
class Outcome:
    """What the grounder did with one row."""

    id: str
    split: str
    kind: str
    kept: bool
    failed: tuple[str, ...]


@dataclass(frozen=True)
class Rate:
    """`hits` of `n`; `share` is None when there is nothing to count (a floor treats that as missed)."""

    hits: int
    n: int

    @property
    def share(self) -> float | None:
        return self.hits / self.n if self.n else None


@dataclass(frozen=True)
class CheckScore:
    """Per kind, the share of rows a check rejected, and rejected with no other check failing."""

    check: str
    rejected: dict[str, Rate]
    alone: dict[str, Rate]


@dataclass(frozen=True)
class GroundingReport:
    """Keep rate on correct rows, reject rate on corrupted rows overall and per kind, and per check."""

    kept: Rate
    rejected: Rate
    rejected_by_kind: dict[str, Rate]
    checks: tuple[CheckScore, ...]
    outcomes: tuple[Outcome, ...]
    kept_by_kind: dict[str, Rate] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready, with every rate's share beside its counts."""

        def rate(r: Rate) -> dict:
            return {**asdict(r), "share": r.share}

        return {
            "kept": rate(self.kept),
            "rejected": rate(self.rejected),
            "rejected_by_kind": {k: rate(r) for k, r in self.rejected_by_kind.items()},
            "kept_by_kind": {k: rate(r) for k, r in self.kept_by_kind.items()},
            "checks": [
                {
                    "check": c.check,
                    "rejected": {k: rate(r) for k, r in c.rejected.items()},
                    "alone": {k: rate(r) for k, r in c.alone.items()},
                }
                for c in self.checks
            ],
            "outcomes": [asdict(o) for o in self.outcomes],
        }


def load(path: Path = SET) -> list[GroundingRow]:
    """The rows of a grounding set file, checked for known kinds and splits."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise InputError(f"Expected a grounding set at {path}, got {e.strerror}") from e
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = GroundingRow(**json.loads(line))
        except (json.JSONDecodeError, TypeError) as e:
            raise InputError(f"Expected a grounding row at {path}:{number}, got {line[:60]!r}") from e
        if row.kind not in KINDS or row.split not in SPLITS[:2]:
            raise InputError(
                f"Expected kind in {KINDS} and split dev or test at {path}:{number}, got {row.kind!r}, {row.split!r}"
            )
        rows.append(row)
    return rows


def run(rows: Iterable[GroundingRow], passages_by_question: Mapping[str, Passage], check: Check) -> list[Outcome]:
    """Check every row's sentence against its passage, with the passage's question as the question."""
    outcomes = []
    for row in rows:
        passage = passages_by_question.get(row.passage_question)
        if passage is None:
            raise InputError(
                f"Expected one passage for {row.passage_question!r} ({row.id}) in the index, got none; "
                "rebuild it: python -m ingest"
            )
        checked = check(row.sentence, passage, row.passage_question)
        kept, failed = bool(checked.kept), tuple(checked.failed)
        if kept == bool(failed):
            raise InputError(f"Expected failed == () exactly when kept, got kept={kept} failed={failed} for {row.id}")
        outcomes.append(Outcome(row.id, row.split, row.kind, kept, failed))
    return outcomes


def summarize(outcomes: Sequence[Outcome], checks: Sequence[str] = ()) -> GroundingReport:
    """The report over `outcomes`; `checks` fixes the order of the per-check rows (names seen later follow)."""
    by_kind = {kind: [o for o in outcomes if o.kind == kind] for kind in KINDS}
    correct = [o for o in outcomes if o.kind in CORRECT_KINDS]
    corrupted = [o for o in outcomes if o.kind in CORRUPTIONS]
    seen = [name for o in outcomes for name in o.failed]
    names = list(dict.fromkeys([*checks, *sorted(set(seen) - set(checks))]))
    scores = tuple(
        CheckScore(
            name,
            {k: Rate(sum(name in o.failed for o in group), len(group)) for k, group in by_kind.items()},
            {k: Rate(sum(o.failed == (name,) for o in group), len(group)) for k, group in by_kind.items()},
        )
        for name in names
    )
    return GroundingReport(
        kept=Rate(sum(o.kept for o in correct), len(correct)),
        rejected=Rate(sum(not o.kept for o in corrupted), len(corrupted)),
        rejected_by_kind={k: Rate(sum(not o.kept for o in by_kind[k]), len(by_kind[k])) for k in CORRUPTIONS},
        checks=scores,
        outcomes=tuple(outcomes),
        kept_by_kind={k: Rate(sum(o.kept for o in by_kind[k]), len(by_kind[k])) for k in CORRECT_KINDS},
    )


def evaluate(
    rows: Iterable[GroundingRow],
    passages_by_question: Mapping[str, Passage],
    check: Check,
    checks: Sequence[str] = (),
) -> GroundingReport:
    """Check every row and summarize: the whole measurement, with the check passed in."""
    return summarize(run(rows, passages_by_question, check), checks)


def lexical_check(threshold: float) -> Check:
    """Today's grounding test as a check: the share of the sentence's content words the passage holds."""
    from common.text import support

    def check(sentence: str, passage: Passage, question: str) -> SentenceCheck:
        ok = support(sentence, passage.text) >= threshold
        return SentenceCheck(ok, () if ok else ("support",))

    return check


def passages_by_question(passages: Iterable[Passage]) -> dict[str, Passage]:
    """Question -> its passage, for the questions whose answer is exactly one passage."""
    groups: dict[str, list[Passage]] = {}
    for passage in passages:
        groups.setdefault(passage.question, []).append(passage)
    return {question: group[0] for question, group in groups.items() if len(group) == 1}


def report_tables(report: GroundingReport, title: str) -> list[Table]:
    """The summary table and the per-check table."""
    summary = Table(title=title, title_justify="left")
    summary.add_column("rows")
    summary.add_column("share", justify="right")
    summary.add_column("count", justify="right")
    lines = [("correct kept", report.kept)]
    lines += [(f"  {kind} kept", rate) for kind, rate in report.kept_by_kind.items()]
    lines += [("corrupted rejected", report.rejected)]
    lines += [(f"  {kind} rejected", rate) for kind, rate in report.rejected_by_kind.items()]
    for name, rate in lines:
        summary.add_row(name, _share(rate), f"{rate.hits}/{rate.n}")
    per_check = Table(title="per check: share of each kind it rejected (rejected alone)", title_justify="left")
    per_check.add_column("check")
    for kind in KINDS:
        per_check.add_column(kind, justify="right")
    for score in report.checks:
        per_check.add_row(score.check, *(f"{_share(score.rejected[k])} ({_share(score.alone[k])})" for k in KINDS))
    return [summary, per_check]


def _share(rate: Rate) -> str:
    return "n/a" if rate.share is None else f"{rate.share:.3f}"


def floors_missed(report: GroundingReport, min_keep: float | None, min_reject: float | None) -> list[str]:
    """Each minimum the report falls below, as a line; a rate that cannot be computed falls below."""
    failures = []
    for name, rate, minimum in (("keep", report.kept, min_keep), ("reject", report.rejected, min_reject)):
        if minimum is not None and (rate.share is None or rate.share < minimum):
            failures.append(f"{name} rate {_share(rate)} below {minimum}")
    return failures


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tools/grounding.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=SPLITS, default="dev", help="rows to show (default: dev)")
    parser.add_argument("--json", type=Path, help="write the report, every row's result included, here")
    parser.add_argument("--min-keep", type=float, help="exit 1 when the test half keeps fewer correct rows")
    parser.add_argument("--min-reject", type=float, help="exit 1 when the test half rejects fewer corrupted rows")
    parser.add_argument("--misses", action="store_true", help="list every dropped correct and kept corrupted row")
    parser.add_argument("--set", type=Path, default=SET, help="the grounding set (default: data/eval/grounding.jsonl)")
    parser.add_argument("--lexical", action="store_true", help="measure lexical support alone, for comparison")
    parser.add_argument(
        "--judge",
        metavar="MODEL",
        help="check with this llama.cpp judge (a preset or GGUF), as the bot does by default",
    )
    parser.add_argument(
        "--rules",
        help="with --judge: comma-separated word rules run beside it (default: the policy's judged_rules; 'all')",
    )
    return parser.parse_args(argv)


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float | None:
    """The chance a random positive scores above a random negative (ties count half); None if a side is empty."""
    if not positives or not negatives:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def fit_cut(correct: Sequence[float], min_keep: float) -> float:
    """The highest cut that still keeps `min_keep` of the correct sentences' scores (the dev half's)."""
    ranked = sorted(correct)
    drop = math.floor(len(ranked) * (1 - min_keep) + 1e-9)
    return ranked[drop] if ranked else 0.5


def judge_table(rows: Sequence[GroundingRow], scores: Mapping[str, float], split: str) -> Table:
    """Per corrupted kind, the AUC of the judge's p(yes) against the correct rows of the same half."""
    table = Table(title=f"judge p(yes) AUC, {split}", title_justify="left")
    table.add_column("kind")
    table.add_column("AUC", justify="right")
    chosen = [r for r in rows if split == "all" or r.split == split]
    correct = [scores[r.id] for r in chosen if r.kind in CORRECT_KINDS]
    corrupted = {k: [scores[r.id] for r in chosen if r.kind == k] for k in CORRUPTIONS}
    everything = [x for group in corrupted.values() for x in group]
    for name, negatives in [("all corrupted", everything), *corrupted.items()]:
        value = auc(correct, negatives)
        table.add_row(name, "n/a" if value is None else f"{value:.3f}")
    return table


def main(argv: Sequence[str] | None = None) -> int:
    """Check the rows with the real bot (no LLM), print the tables, write JSON, hold the floors. Returns the exit status."""
    args = parse_args(argv)
    out = Console(width=None if sys.stdout.isatty() else 120)
    err = Console(stderr=True)
    gating = args.min_keep is not None or args.min_reject is not None
    try:
        rows = load(args.set)
        from bot import Bot
        from bot import ground as grounding

        options = {"llm_backend": "llama_cpp", "llm_model": args.judge, "judge_model": args.judge}
        bot = Bot(**(options if args.judge else {"llm_backend": "fake", "judge_model": "off"}))
        grounder = bot.grounder
        if args.judge and args.rules:
            names = grounding.REASONS if args.rules == "all" else tuple(args.rules.split(","))
            grounder = grounding.Grounder(bot.grounder.embedder, bot.grounder.terms, bot.judge, judged_rules=names)
        check, checks = grounder.check, grounding.REASONS
        if args.lexical:
            check, checks = lexical_check(GROUNDING.support), ("support",)
        judge = grounder.judge
        note = "bot.grounder.check, word rules" if judge is None else f"bot.grounder.check, judge {judge.name}"
        note = f"lexical support >= {GROUNDING.support} alone" if args.lexical else note
        wanted = [r for r in rows if args.split == "all" or r.split == args.split or (gating and r.split == "test")]
        passages = passages_by_question(bot.retriever.passages)
        tick = time.perf_counter()
        outcomes = run(wanted, passages, check)
        seconds = (time.perf_counter() - tick) / max(1, len(wanted))
        scores: dict[str, float] = {}
        if judge is not None and not args.lexical:
            everything = [r for r in rows if r.passage_question in passages]
            scores = {r.id: judge.support(passages[r.passage_question].text, r.sentence) for r in everything}
    except BotError as e:
        err.print(f"[red]error:[/red] {e}", soft_wrap=True, highlight=False)
        return 2
    shown = summarize([o for o in outcomes if args.split == "all" or o.split == args.split], checks)
    out.print(f"{note} · {seconds * 1e3:.0f} ms per sentence", highlight=False)
    for table in report_tables(shown, f"grounding, {args.split} ({len(shown.outcomes)} rows)"):
        out.print(table)
    if scores:
        for split in ("dev", "test"):
            out.print(judge_table(rows, scores, split))
        dev_correct = [scores[r.id] for r in rows if r.split == "dev" and r.kind in CORRECT_KINDS]
        out.print(f"cut keeping 0.95 of the dev half's correct sentences: {fit_cut(dev_correct, 0.95):.4f}")
    if args.misses:
        for o in shown.outcomes:
            if o.kept == (o.kind in CORRUPTIONS):
                result = "kept" if o.kept else "dropped by " + ", ".join(o.failed)
                out.print(f"miss {o.id} ({o.kind}): {result}", highlight=False)
    failures: list[str] = []
    test = None
    if gating:
        test = summarize([o for o in outcomes if o.split == "test"], checks)
        failures = floors_missed(test, args.min_keep, args.min_reject)
        floors_line = "[red]BELOW THE FLOORS[/red] " + "; ".join(failures) if failures else "[green]floors held[/green]"
        out.print(f"test half: keep {_share(test.kept)}, reject {_share(test.rejected)} · {floors_line}")
    if args.json:
        payload = {"checker": note, "split": args.split, **shown.to_dict(), "p_yes": scores}
        if test is not None:
            payload["floors"] = {"min_keep": args.min_keep, "min_reject": args.min_reject, "failures": failures}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
        out.print(f"wrote {args.json}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
