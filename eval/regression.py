"""The regression test: does a run hold up against its baseline, under the rules of `eval/regression.toml`?

Steps, in order, each able to decide:
1. errors: a run whose metrics could not all be computed fails;
2. config: a baseline made another way (schema, backend, model, sets, limit ...) fails, both values named;
3. invariants: the `[exact]` rules (citation validity 1.000) hold even when the fingerprint matches,
   since a baseline cannot excuse a broken invariant;
4. questions: the eval sets must be the baseline's, or the comparison means nothing;
5. fingerprint: identical per-question outputs pass (on one machine every number reproduces);
6. tolerances: every question that newly fails or passes is listed, then each set is held to the
   `[questions]` counts, the `[means]` drops, the `[rise]` limits and the `[ratio]` bands.

Deliberately not here: running anything, reading the baseline file, printing.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from common.errors import BotError
from eval.rows import SCHEMA, Result

RULES = Path(__file__).with_name("regression.toml")
SECTIONS = ("match", "questions", "means", "rise", "exact", "ratio")
PASS_FAIL = ("hit@1", "hit@3", "hit@5", "gold_cited")  # per-question scores that are 0 or 1

Rules = Mapping[str, Any]


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
class Tolerance:
    """One tolerance rule applied to one set."""

    set: str
    rule: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Comparison:
    """Passed or not, and the step that decided it: errors, config, invariants, questions, fingerprint, tolerances."""

    passed: bool
    step: str
    reason: str
    changes: tuple[Change, ...] = ()
    tolerances: tuple[Tolerance, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_rules(path: Path = RULES) -> dict[str, Any]:
    """The tolerance table; a missing section or a non-number is rejected up front."""
    with path.open("rb") as handle:
        rules = tomllib.load(handle)
    for section in SECTIONS:
        if section not in rules:
            raise BotError(f"Expected a [{section}] section in {path}, found none")
    for section in SECTIONS[1:]:
        for key, value in rules[section].items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise BotError(f"Expected a number for {section}.{key} in {path}, got {value!r}")
    return rules


def compare(run: Result, baseline: Result, rules: Rules) -> Comparison:
    """Pass or fail `run` against `baseline`: errors, config, invariants, questions, fingerprint, tolerances."""
    if run.errors:
        shown = "; ".join(run.errors[:5]) + (" ..." if len(run.errors) > 5 else "")
        return Comparison(False, "errors", f"{len(run.errors)} metric(s) could not be computed: {shown}")
    differ = config_mismatch(run.config, baseline, rules)
    if differ:
        return Comparison(False, "config", differ)
    broken = invariants(run, rules)
    if broken:
        detail = "; ".join(f"{c.set} {c.rule}: {c.detail}" for c in broken)
        return Comparison(False, "invariants", f"{len(broken)} invariant(s) broken: {detail}", tolerances=tuple(broken))
    mine = {row.id: row.question for row in run.questions}
    theirs = {row.id: row.question for row in baseline.questions}
    if mine != theirs:
        only_run = sorted(mine.keys() - theirs.keys())
        only_base = sorted(theirs.keys() - mine.keys())
        edited = sorted(i for i in mine.keys() & theirs.keys() if mine[i] != theirs[i])
        return Comparison(
            False,
            "questions",
            f"The eval sets changed since the baseline (new: {_ids(only_run)}; gone: {_ids(only_base)}; "
            f"reworded: {_ids(edited)}). Write a new baseline with --write-baseline.",
        )
    if run.fingerprint == baseline.fingerprint:
        return Comparison(True, "fingerprint", "every per-question output is identical to the baseline")
    changes = diff_questions(run, baseline, rules)
    tolerances = apply_tolerances(run, baseline, changes, rules)
    broken = [t for t in tolerances if not t.ok]
    reason = (
        f"{len(broken)} rule(s) broken: " + "; ".join(f"{c.set} {c.rule}: {c.detail}" for c in broken)
        if broken
        else f"outputs differ, all {len(tolerances)} tolerance rules hold"
    )
    return Comparison(not broken, "tolerances", reason, tuple(changes), tuple(tolerances))


def config_mismatch(config: Mapping[str, Any], baseline: Result, rules: Rules) -> str:
    """Why `baseline` cannot be compared with a run made with `config`, or "" when it can."""
    if baseline.schema != SCHEMA:
        return f"Expected a baseline with schema {SCHEMA}, got {baseline.schema!r}."
    differ = [
        f"{key}: baseline {baseline.config.get(key)!r}, run {config.get(key)!r}"
        for key in rules["match"]["keys"]
        if baseline.config.get(key) != config.get(key)
    ]
    if not differ:
        return ""
    return (
        "The baseline was made another way (" + "; ".join(differ) + "). Rerun with the baseline's options, "
        "or write a new baseline with --write-baseline."
    )


def diff_questions(run: Result, baseline: Result, rules: Rules) -> list[Change]:
    """Every question that newly fails or newly passes, and every F1 move larger than f1_drop_by."""
    before = {row.id: row for row in baseline.questions}
    by = rules["questions"]["f1_drop_by"]
    changes = []
    for row in run.questions:
        old = before[row.id]
        moved: list[tuple[str, Any, Any, bool]] = []
        for key in PASS_FAIL:
            a, b = old.scores.get(key), row.scores.get(key)
            if a is not None and b is not None and a != b:
                moved.append((key, a, b, b < a))
        was, now = old.outcome == "answered", row.outcome == "answered"
        if was != now:
            moved.append(("answered", was, now, now != row.in_scope))
        a, b = old.scores.get("f1"), row.scores.get("f1")
        if a is not None and b is not None and abs(b - a) > by:
            moved.append(("f1", a, b, b < a))
        changes.extend(Change(row.id, row.set, *move, row.question) for move in moved)
    return changes


def apply_tolerances(run: Result, baseline: Result, changes: Sequence[Change], rules: Rules) -> list[Tolerance]:
    """The rules of regression.toml, set by set (the set:split rows are subsets and are not held to them)."""
    tolerances = []
    limits = rules["questions"]
    for name in run.config["sets"]:
        now, then = run.metrics.get(name, {}), baseline.metrics.get(name, {})
        worse = [c for c in changes if c.set == name and c.worse]
        in_scope = any(row.in_scope for row in run.questions if row.set == name)
        for rule, metric, wording in (
            ("hit@1", "hit@1", "newly missed at rank 1"),
            ("hit@3", "hit@3", "newly missed in the top 3"),
            ("hit@5", "hit@5", "newly missed in the top 5"),
            ("gold_cited", "gold_cited", "newly without a gold citation"),
            ("refusal", "answered", "newly not answered" if in_scope else "newly answered"),
            ("f1_drop", "f1", f"with F1 down by more than {limits['f1_drop_by']}"),
        ):
            if metric != "answered" and metric not in now and metric not in then:
                continue  # the metric does not apply to this set or mode
            ids = [c.id for c in worse if c.metric == metric]
            limit = limits[rule]
            tolerances.append(
                Tolerance(name, rule, len(ids) <= limit, f"{len(ids)} {wording} (allowed {limit}){_list(ids)}")
            )
        for section, how in (("means", "drop"), ("rise", "rise"), ("ratio", "ratio")):
            for key, tolerance in rules[section].items():
                if key in now or key in then:
                    tolerances.append(_held(name, key, then.get(key), now.get(key), tolerance, how))
    return tolerances


def invariants(run: Result, rules: Rules) -> list[Tolerance]:
    """The broken [exact] rules: a set whose metric is not exactly the required value, and where."""
    broken = []
    for name in run.config["sets"]:
        summary = run.metrics.get(name, {})
        for key, value in rules["exact"].items():
            if key not in summary:
                continue
            got = summary[key]
            if got is None or abs(got - value) > 1e-9:
                where = [row.id for row in run.questions if row.set == name and row.scores.get(key) != value]
                broken.append(Tolerance(name, key, False, f"{_num(got)}, must be {value:.3f}{_list(where)}"))
    return broken


def _held(name: str, key: str, then: float | None, now: float | None, tolerance: float, how: str) -> Tolerance:
    if then is None or now is None:
        return Tolerance(name, key, False, f"not computed (baseline {_num(then)}, run {_num(now)})")
    if how == "drop":
        ok = then - now <= tolerance + 1e-9
        return Tolerance(name, key, ok, f"{_num(then)} -> {_num(now)} ({now - then:+.4f}, allowed -{tolerance})")
    if how == "rise":
        ok = now - then <= tolerance + 1e-9
        return Tolerance(name, key, ok, f"{_num(then)} -> {_num(now)} ({now - then:+.4f}, allowed +{tolerance})")
    ok = abs(now - then) <= tolerance * then + 1e-9
    return Tolerance(name, key, ok, f"{_num(then)} -> {_num(now)} (allowed ±{tolerance:.0%})")


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"


def _ids(ids: Sequence[str]) -> str:
    return ", ".join(ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "") if ids else "none"


def _list(ids: Sequence[str]) -> str:
    return f": {_ids(ids)}" if ids else ""
