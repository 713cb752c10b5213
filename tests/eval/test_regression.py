"""The regression test, summaries and report on hand-made runs: each tolerance rule, fingerprints, outcome shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from bot import Answer
from eval.aggregate import build_result
from eval.regression import Change, Comparison, Tolerance, compare, load_rules
from eval.report import bootstrap, write_report
from eval.rows import Result, Row, fingerprint, reply

RULES = load_rules()


# ---------------------------------------------------------------- hand-made runs

IN_SCOPE = {
    "hit@1": 1.0,
    "hit@3": 1.0,
    "hit@5": 1.0,
    "mrr@10": 1.0,
    "ndcg@5": 1.0,
    "citation_validity": 1.0,
    "f1": 0.5,
    "rouge_l": 0.5,
    "cosine": 0.8,
    "gold_cited": 1.0,
    "citation_precision": 1.0,
    "sentence_coverage": 1.0,
    "support": 1.0,
    "facts": 1.0,
}
ANSWERED = {"words": 20.0, "copy_share": 0.5, "written": 1.0, "completed": 0.0, "relevance": 0.7, "repetition": 0.0}


def answer_json(text: str, grounding: str, outcome: str | None = None) -> dict[str, Any]:
    """What `eval.rows.reply` keeps of an Answer: its to_dict() less passages and timings."""
    outcome = outcome or {"refused": "refused", "related": "related"}.get(grounding, "answered")
    return reply(Answer(text=text, grounding=grounding, outcome=outcome))  # type: ignore[arg-type]


def with_reply(r: Row, **changes: Any) -> Row:
    """The row with some of its reply's fields changed, its outcome following the reply's."""
    new = {**r.reply, **changes}
    return replace(r, reply=new, outcome=new["outcome"])


def row(qid: str, set_: str = "paraphrase", *, refused: bool | None = None, **scores: float | None) -> Row:
    """A row as the runner makes it: in-scope rows carry every answer score, answered ones the text scores too."""
    in_scope = set_ != "out_of_scope"
    refused = (not in_scope) if refused is None else refused
    base = {**IN_SCOPE, **({} if refused else ANSWERED)} if in_scope else {"citation_validity": 1.0}
    return Row(
        id=qid,
        set=set_,
        split="all" if set_ == "article" else "dev",
        kind="paraphrase",
        question=f"question {qid}?",
        in_scope=in_scope,
        scope_confidence=0.9,
        reply=answer_json(
            "The article does not cover this." if refused else f"answer {qid} [1].",
            "refused" if refused else "generated",
        ),
        scores={**base, **scores, "scope_ok": float(refused != in_scope)},
        timings={"total": 1.0},
    )


def result(rows: list[Row], **config: Any) -> Result:
    defaults = {
        "mode": "answers",
        "backend": "fake",
        "model": "fake",
        "model_sha256": None,
        "temperature": 0.0,
        "n_threads": 2,
        "sets": ["paraphrase", "out_of_scope"],
        "limit": None,
        "embedder": "e",
        "support_tau": 0.6,
        "created": "2025-01-01T00:00:00Z",
        "machine": "test",
        "git": None,
    }
    return build_result({**defaults, **config}, rows)


def baseline_rows() -> list[Row]:
    return [row(f"p{i:02d}") for i in range(10)] + [row(f"o{i:02d}", "out_of_scope") for i in range(5)]


Edit = Callable[[Row], Row]


def changed(*edits: tuple[str, Edit]) -> Result:
    """A run made from the baseline's rows with each `(id, edit)` applied to its row."""
    rows = baseline_rows()
    for qid, edit in edits:
        rows = [edit(r) if r.id == qid else r for r in rows]
    return result(rows)


def scores(qid: str, **values: float | None) -> tuple[str, Edit]:
    """New scores for one question, whose answer text changes with them."""
    return qid, lambda r: replace(with_reply(r, text=f"{r.reply['text']} (edited)"), scores={**r.scores, **values})


def refuse(qid: str, refused: bool) -> tuple[str, Edit]:
    return qid, lambda r: replace(
        with_reply(
            r,
            refused=refused,
            outcome="refused" if refused else "answered",
            grounding="refused" if refused else "generated",
        ),
        scores={**r.scores, "scope_ok": float(refused != r.in_scope)},
    )


@pytest.mark.parametrize(
    ("edits", "rule", "ok"),
    [
        ([scores("p01", **{"hit@5": 0.0})], "hit@5", False),  # hit@5: no newly missed query
        ([scores("p01", **{"hit@1": 0.0})], "hit@1", True),  # hit@1: one is tolerated
        ([scores("p01", **{"hit@1": 0.0}), scores("p02", **{"hit@1": 0.0})], "hit@1", False),
        ([scores("p01", **{"hit@3": 0.0})], "hit@3", True),
        ([scores("p01", **{"hit@3": 0.0}), scores("p02", **{"hit@3": 0.0})], "hit@3", False),
        ([scores("p01", **{"mrr@10": 0.95})], "mrr@10", True),  # mean drops 0.005, the limit
        ([scores("p01", **{"mrr@10": 0.9})], "mrr@10", False),  # mean drops 0.01
        ([scores("p01", **{"ndcg@5": 0.9})], "ndcg@5", False),
        ([scores("p01", gold_cited=0.0)], "gold_cited", True),
        ([scores("p01", gold_cited=0.0), scores("p02", gold_cited=0.0)], "gold_cited", False),
        ([scores("p01", citation_precision=0.8)], "citation_precision", True),  # mean drops 0.02
        ([scores("p01", citation_precision=0.7)], "citation_precision", False),
        ([scores("p01", sentence_coverage=0.7)], "sentence_coverage", False),
        ([scores("p01", support=0.7)], "support", False),
        ([scores("p01", rouge_l=0.45)], "rouge_l", True),  # mean drops 0.005
        ([scores("p01", rouge_l=0.35)], "rouge_l", False),
        ([scores("p01", cosine=0.65)], "cosine", False),
        ([scores("p01", f1=0.4)], "f1", True),  # mean drops exactly 0.01
        ([scores("p01", f1=0.25)], "f1_drop", True),  # one question down by more than 0.2, three allowed
        (
            [scores(f"p0{i}", f1=0.29) for i in range(4)],  # four questions down by 0.21
            "f1_drop",
            False,
        ),
        ([refuse("p01", True)], "refusal", True),
        ([refuse("p01", True), refuse("p02", True)], "refusal", False),
        ([refuse("o01", False), refuse("o02", False)], "refusal", False),
        ([scores("p01", written=0.0)], "written", False),  # one answer of ten now quoted: 1.0 -> 0.9
        ([scores("p01", completed=1.0)], "completed", False),  # one answer of ten now completed: 0.0 -> 0.1
        ([scores("p01", relevance=0.65)], "relevance", True),  # mean drops 0.005
        ([scores("p01", relevance=0.5)], "relevance", False),  # mean drops 0.02
        ([scores("p03")], "repetition", True),
        ([scores("p01", repetition=1.0)], "repetition", False),  # one answer of ten repeats itself: +0.1
        ([scores("p01", words=40.0)], "median_words", True),  # the median stays 20
        ([scores(f"p0{i}", words=26.0) for i in range(6)], "median_words", False),  # 20 -> 26: +30%
        ([scores(f"p0{i}", words=24.0) for i in range(6)], "median_words", True),  # +20%
    ],
)
def test_tolerance_rules(edits, rule, ok):
    run, baseline = changed(*edits), result(baseline_rows())

    comparison = compare(run, baseline, RULES)

    assert comparison.step == "tolerances"
    ruled = [t.ok for t in comparison.tolerances if t.rule == rule]
    assert ruled, f"no {rule} tolerance was applied"
    assert all(ruled) is ok
    assert comparison.passed is all(t.ok for t in comparison.tolerances)


def test_identical_outputs_pass_on_the_fingerprint():
    comparison = compare(result(baseline_rows()), result(baseline_rows()), RULES)

    assert comparison == Comparison(True, "fingerprint", "every per-question output is identical to the baseline")


def test_changed_text_with_equal_scores_passes_on_the_tolerances_with_no_changes():
    run = changed(scores("p03"))

    comparison = compare(run, result(baseline_rows()), RULES)

    assert (comparison.passed, comparison.step, comparison.changes) == (True, "tolerances", ())


def test_newly_failing_and_newly_passing_questions_are_both_listed():
    baseline = changed(scores("p05", **{"hit@5": 0.0}))
    run = changed(scores("p01", **{"hit@5": 0.0}))

    comparison = compare(run, baseline, RULES)

    assert comparison.changes == (
        Change("p01", "paraphrase", "hit@5", 1.0, 0.0, True, "question p01?"),
        Change("p05", "paraphrase", "hit@5", 0.0, 1.0, False, "question p05?"),
    )
    failed = [c for c in comparison.tolerances if not c.ok]
    assert failed == [Tolerance("paraphrase", "hit@5", False, "1 newly missed in the top 5 (allowed 0): p01")]


def test_an_answered_out_of_scope_question_is_a_refusal_change_for_the_worse():
    comparison = compare(changed(refuse("o03", False)), result(baseline_rows()), RULES)

    assert comparison.changes == (Change("o03", "out_of_scope", "answered", False, True, True, "question o03?"),)
    assert comparison.passed  # one question each way is tolerated


def test_citation_validity_below_one_fails_even_when_the_fingerprint_matches():
    broken = changed(scores("p04", citation_validity=0.5))

    comparison = compare(broken, broken, RULES)

    assert (comparison.passed, comparison.step) == (False, "invariants")
    assert "paraphrase citation_validity: 0.95, must be 1.000: p04" in comparison.reason


def test_a_metric_that_cannot_be_computed_fails_the_run_and_the_comparison():
    run = changed(scores("p02", cosine=None))

    assert run.metrics["paraphrase"]["cosine"] is None
    assert run.errors == ("paraphrase cosine: not computed for p02", "paraphrase:dev cosine: not computed for p02")
    comparison = compare(run, result(baseline_rows()), RULES)
    assert (comparison.passed, comparison.step) == (False, "errors")


def test_a_baseline_made_another_way_names_every_difference():
    other = result(baseline_rows(), limit=20, backend="llama_cpp")

    comparison = compare(result(baseline_rows()), other, RULES)

    assert (comparison.passed, comparison.step) == (False, "config")
    assert "backend: baseline 'llama_cpp', run 'fake'; limit: baseline 20, run None" in comparison.reason


def test_changed_eval_questions_fail_with_the_ids():
    rows = baseline_rows()[:-1]
    rows[2] = replace(rows[2], question="reworded?")

    comparison = compare(result(rows), result(baseline_rows()), RULES)

    assert (comparison.passed, comparison.step) == (False, "questions")
    assert "gone: o04; reworded: p02" in comparison.reason


def test_summary_shares_refusals_groundings_and_the_answered_only_metrics():
    rows = [
        row("p1", words=10.0),
        with_reply(row("p2", words=30.0, written=0.0, relevance=0.5), grounding="extractive"),
        row("p3", refused=True),
        row("o1", "out_of_scope"),
    ]

    summary = result(rows).metrics

    assert summary["paraphrase"]["refused"] == pytest.approx(1 / 3, abs=1e-6)
    assert summary["paraphrase"]["median_words"] == 20.0
    assert summary["paraphrase"]["grounding:extractive"] == pytest.approx(1 / 3, abs=1e-6)
    answered = {key: summary["paraphrase"][key] for key in ("written", "relevance", "repetition")}
    assert answered == {"written": 0.5, "relevance": 0.6, "repetition": 0.0}  # the refused p3 is left out
    assert summary["out_of_scope"] == {
        "n": 1,
        "answered": 0.0,
        "related": 0.0,
        "refused": 1.0,
        "citation_validity": 1.0,
        "grounding:generated": 0.0,
        "grounding:repaired": 0.0,
        "grounding:extractive": 0.0,
        "grounding:related": 0.0,
        "grounding:refused": 1.0,
        "quoted": 0.0,
    }


def test_a_related_answer_is_neither_answered_nor_refused_and_its_text_is_not_scored_as_an_answer():
    related = with_reply(
        row("p2", words=30.0, written=0.0),
        outcome="related",
        grounding="related",
        text='The article does not answer this directly. The closest entry is "gold" [1].',
    )
    summary = result([row("p1", words=10.0), related]).metrics["paraphrase"]

    assert (summary["answered"], summary["related"], summary["refused"]) == (0.5, 0.5, 0.0)
    assert summary["median_words"] == 10.0 and summary["written"] == 1.0  # p2's text is not an answer


def test_quoted_counts_the_passages_shown_as_the_answer():
    rows = [with_reply(row("o1", "out_of_scope", refused=False), grounding="extractive"), row("o2", "out_of_scope")]

    assert result(rows).metrics["out_of_scope"]["quoted"] == 1.0


def test_the_fingerprint_ignores_timings_only():
    rows = baseline_rows()
    slower = [replace(rows[0], timings={"total": 9.0}), *rows[1:]]
    edited = [with_reply(rows[0], text=f"{rows[0].reply['text']}!"), *rows[1:]]

    assert fingerprint(slower) == fingerprint(rows) != fingerprint(edited)
    assert fingerprint(list(reversed(rows))) == fingerprint(rows)


def test_every_committed_rule_is_applied_by_the_comparison():
    """A misspelt or unused key in regression.toml would loosen the regression test without a word."""
    comparison = compare(changed(scores("p03")), result(baseline_rows()), RULES)

    applied = {t.rule for t in comparison.tolerances}
    committed = {*RULES["questions"], *RULES["means"], *RULES["ratio"], *RULES["rise"]} - {"f1_drop_by"}
    assert comparison.step == "tolerances"
    assert sorted(committed - applied) == []


def test_report_writes_markdown_and_plots(tmp_path):
    run, baseline = changed(scores("p01", **{"hit@5": 0.0})), result(baseline_rows())
    comparison = compare(run, baseline, RULES)

    path = write_report(run, tmp_path, baseline=baseline, comparison=comparison.to_dict())

    text = path.read_text()
    assert "**FAILED** at step *tolerances*" in text
    assert "| p01 | paraphrase | hit@5 | 1.0 | 0.0 | question p01? |" in text
    assert "| hit@5 | 0.900 (-0.100) | 0.900 (-0.100) |  |" in text
    assert (tmp_path / "metrics.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "latency.png").read_bytes()[:4] == b"\x89PNG"


def test_bootstrap_is_seeded_and_brackets_the_mean():
    values = [1.0] * 8 + [0.0] * 2

    low, high = bootstrap(values)

    assert low <= 0.8 <= high
    assert bootstrap(values) == (low, high)
