"""The grounding test set (built by rule, committed as built) and the evaluator's arithmetic."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from bot.ground import SentenceCheck
from bot.types import Passage
from common.errors import InputError
from common.text import sentences
from ingest import chunk_records, parse_article
from tools.grounding import (
    CheckScore,
    GroundingReport,
    GroundingRow,
    Outcome,
    Rate,
    evaluate,
    floors_missed,
    load,
    passages_by_question,
)
from tools.grounding_set import (
    CORRECT_KINDS,
    CORRUPT_KINDS,
    KINDS,
    OUT,
    WRITTEN_KINDS,
    Seed,
    Written,
    build,
    change_number,
    dumps,
    load_seeds,
    load_written,
    negate,
    replace_term,
    swap,
    written_splits,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return [json.loads(line) for line in OUT.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def written_ids() -> set[str]:
    return {row.id for row in load_written()}


@pytest.fixture(scope="module")
def one_chunk_answers() -> dict[str, str]:
    """Question -> answer text, for the article's questions whose answer is exactly one chunk."""
    chunks = chunk_records(parse_article((ROOT / "data" / "article.md").read_text(encoding="utf-8")), "article.md")
    count = Counter(chunk.question for chunk in chunks)
    return {chunk.question: chunk.answer for chunk in chunks if count[chunk.question] == 1}


def test_the_committed_file_is_what_the_script_builds():
    assert OUT.read_text(encoding="utf-8") == dumps(build())


def test_every_row_is_about_an_article_question_answered_in_one_chunk(rows, one_chunk_answers):
    assert [row["id"] for row in rows if row["passage_question"] not in one_chunk_answers] == []


def test_ids_are_unique_and_the_set_is_big_enough(rows):
    kinds = Counter(row["kind"] for row in rows)
    correct_questions = {row["passage_question"] for row in rows if row["kind"] == "correct"}

    assert len({row["id"] for row in rows}) == len(rows)
    assert kinds["correct"] >= 60 and len(correct_questions) >= 40
    assert min(kinds[kind] for kind in ("swap", "number", "negation", "foreign")) >= 25


def test_each_corruption_differs_from_its_correct_source_about_the_same_passage(rows, written_ids):
    by_id = {row["id"]: row for row in rows}
    for row in rows:
        source = by_id[row["source"]]
        assert source["passage_question"] == row["passage_question"], row["id"]
        if row["id"] in written_ids and row["source"] == row["id"]:
            continue
        assert source["kind"] in CORRECT_KINDS, row["id"]
        assert (row["sentence"] == source["sentence"]) == (row["kind"] in CORRECT_KINDS), row["id"]
        if row["id"] not in written_ids:
            assert source["kind"] == "correct" and (row["kind"] == "correct") == (row["id"] == row["source"])


def test_splits_go_by_source_in_two_equal_halves(rows):
    split_of = {row["id"]: row["split"] for row in rows if row["id"] == row["source"]}
    halves = Counter(row["split"] for row in rows if row["kind"] == "correct")

    assert [row["id"] for row in rows if row["split"] != split_of[row["source"]]] == []
    assert set(halves) == {"dev", "test"} and abs(halves["dev"] - halves["test"]) <= 1


def test_kinds_are_the_correct_ones_then_the_corrupt_ones():
    assert KINDS == CORRECT_KINDS + CORRUPT_KINDS and not set(CORRECT_KINDS) & set(CORRUPT_KINDS)
    rule_made = {"correct", "swap", "number", "negation", "foreign"}
    assert KINDS[0] == "correct" and set(WRITTEN_KINDS) == set(KINDS) - rule_made


def test_the_written_rows_follow_the_seed_rows_which_they_leave_unchanged():
    seed_rows, after = build(written=()), build()[len(build(written=())) :]

    assert OUT.read_text(encoding="utf-8") == dumps(seed_rows) + dumps(after)
    assert [row["id"] for row in after] == [row.id for row in load_written()]


def test_every_written_kind_has_enough_rows_over_many_passages_in_about_equal_halves(rows, written_ids):
    for kind in WRITTEN_KINDS:
        of_kind = [row for row in rows if row["kind"] == kind]
        heads = Counter(row["split"] for row in of_kind if row["id"] == row["source"])
        halves = Counter(row["split"] for row in of_kind)

        assert {row["id"] for row in of_kind} <= written_ids
        assert len(of_kind) >= 10 and len({row["passage_question"] for row in of_kind}) >= 8, kind
        assert abs(heads["dev"] - heads["test"]) <= 1, (kind, heads)
        assert len(of_kind) / 3 <= halves["dev"] <= 2 * len(of_kind) / 3, (kind, halves)


def test_written_splits_rank_each_kind_by_the_sha256_of_the_id_whatever_the_file_order():
    written = load_written()
    split = written_splits(written)

    assert written_splits(tuple(reversed(written))) == split
    for kind in WRITTEN_KINDS:
        heads = [row.id for row in written if row.kind == kind and row.source == row.id]
        ranked = sorted(heads, key=lambda rid: hashlib.sha256(rid.encode()).hexdigest())
        assert [split[rid] for rid in ranked] == sorted(split[rid] for rid in heads), kind
    assert all(split[row.id] == split[row.source] for row in written)


def test_written_rows_load_as_written():
    written = load_written()

    assert written[0] == Written(
        "w001", "Sigmoid vs. Tanh activation function", written[0].sentence, "pair_second", "w001"
    )
    assert len({row.id for row in written}) == len(written) >= 60


QUESTIONS = frozenset({"Q1?", "Q2?"})


def _written(tmp_path, *rows: dict) -> Path:
    path = tmp_path / "written.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


GOOD = {"id": "w1", "question": "Q1?", "sentence": "A is so.", "kind": "pair_second", "source": "w1"}


def test_a_false_written_row_may_take_an_earlier_true_row_about_its_question_as_source(tmp_path):
    false = {**GOOD, "id": "w2", "sentence": "B is so.", "kind": "cross_swap", "source": "w1"}
    rows = load_written(_written(tmp_path, GOOD, false), QUESTIONS)

    assert rows == (Written(**GOOD), Written(**false))
    assert written_splits(rows) == {"w1": "dev", "w2": "dev"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "pair-second"}, r"Expected kind among \(.*\) at .*written.jsonl:2, got 'pair-second'"),
        ({"kind": "correct"}, r"Expected kind among .* got 'correct'"),
        ({"question": "Q3?"}, r"Expected an article question at .*written.jsonl:2, got 'Q3\?'"),
        ({"id": "w1", "source": "w1"}, r"Expected a new id at .*written.jsonl:2, got 'w1' again"),
        ({"source": "w9"}, r"Expected source 'w2', or an earlier true row .* at .*written.jsonl:2, got 'w9'"),
        ({"question": "Q2?", "source": "w1"}, r"got 'w1'"),
        ({"kind": "verbatim", "source": "w1"}, r"got 'w1'"),
        ({"note": "x"}, r"Expected keys \[.*\] at .*written.jsonl:2, got \[.*'note'.*\]"),
    ],
)
def test_a_bad_written_row_names_its_line(tmp_path, change, message):
    row = {**GOOD, "id": "w2", "sentence": "B is so.", "kind": "cross_swap", "source": "w2", **change}

    with pytest.raises(ValueError, match=message):
        load_written(_written(tmp_path, GOOD, row), QUESTIONS)


def test_written_ids_must_differ_from_seed_ids():
    seed = Seed("g1", "Q1?", "A is so.")

    with pytest.raises(ValueError, match=r"Expected written ids apart from seed ids, got \['g1'\]"):
        build((seed,), (Written("g1", "Q1?", "B is so.", "verbatim", "g1"),))


def test_every_sentence_is_one_sentence_to_the_bot(rows):
    assert [row["id"] for row in rows if sentences(row["sentence"]) != [row["sentence"]]] == []


def test_a_foreign_term_comes_from_another_passage_of_the_article(one_chunk_answers):
    article = (ROOT / "data" / "article.md").read_text(encoding="utf-8").replace("*", "").lower()
    foreign = [(seed.id, seed.foreign[1].lower(), seed.question) for seed in load_seeds() if seed.foreign]

    assert [sid for sid, term, q in foreign if term in one_chunk_answers[q].replace("*", "").lower()] == []
    assert [sid for sid, term, _ in foreign if term not in article] == []


@pytest.mark.parametrize(
    ("rule", "args", "expected"),
    [
        (swap, ("L1 gives sparse weights, L2 small ones.", "L1", "L2"), "L2 gives sparse weights, L1 small ones."),
        (
            swap,
            ("A convex function, a non-convex one.", "convex", "non-convex"),
            "A non-convex function, a convex one.",
        ),
        (swap, ("Tanh is centred, unlike sigmoid.", "Tanh", "sigmoid"), "Sigmoid is centred, unlike Tanh."),
        (change_number, ("Alpha is 0.01, not 10.", "0.01", "0.1"), "Alpha is 0.1, not 10."),
        (change_number, ("Sizes are powers of 2, like 32.", "2", "3"), "Sizes are powers of 3, like 32."),
        (negate, ("Dropout reduces overfitting.", "reduces"), "Dropout increases overfitting."),
        (negate, ("Momentum can overshoot.", "can"), "Momentum cannot overshoot."),
        (negate, ("Stride is a step.", "is"), "Stride is not a step."),
        (negate, ("Leaky ReLU multiplies by alpha.", "multiplies"), "Leaky ReLU does not multiply by alpha."),
        (negate, ("RNNs keep state.", "keep"), "RNNs do not keep state."),
        (replace_term, ("Adam adapts the rate.", "Adam", "PReLU"), "PReLU adapts the rate."),
    ],
)
def test_rules_are_mechanical(rule, args, expected):
    assert rule(*args) == expected


def test_seeds_load_with_their_hints_as_pairs(tmp_path):
    path = tmp_path / "seeds.jsonl"
    path.write_text(json.dumps({"id": "g1", "question": "Q?", "sentence": "L1 beats L2.", "swap": ["L1", "L2"]}) + "\n")

    assert load_seeds(path) == (Seed("g1", "Q?", "L1 beats L2.", swap=("L1", "L2")),)


def test_a_seed_with_an_unknown_hint_names_its_line(tmp_path):
    path = tmp_path / "seeds.jsonl"
    path.write_text(json.dumps({"id": "g1", "question": "Q?", "sentence": "S.", "negat": "is"}) + "\n")

    with pytest.raises(ValueError, match=r"at .*seeds.jsonl:1, got \['negat'\]"):
        load_seeds(path)


def test_a_hint_must_name_exactly_one_occurrence():
    with pytest.raises(ValueError, match=re.escape("Expected 'is' once in 'It is what it is.', got 2")):
        negate("It is what it is.", "is")


ROWS = [
    GroundingRow("g1", "dev", "correct", "L1 makes sparse weights.", "Q?", "g1"),
    GroundingRow("g1-swap", "dev", "swap", "Sparse weights come from L2.", "Q?", "g1"),
    GroundingRow("g1-negation", "dev", "negation", "L1 does not make sparse weights.", "Q?", "g1"),
    GroundingRow("g2", "test", "correct", "Alpha is 0.01.", "Q?", "g2"),
    GroundingRow("g2-number", "test", "number", "Alpha is 0.1.", "Q?", "g2"),
    GroundingRow("g2-negation", "test", "negation", "Adam is not 0.01.", "Q?", "g2"),
    GroundingRow("g2-foreign", "test", "foreign", "Adam sets alpha to 0.01.", "Q?", "g2"),
    GroundingRow("g3", "test", "correct", "L1 does not make dense weights.", "Q?", "g3"),
    GroundingRow("g3-negation", "test", "negation", "L1 makes dense weights.", "Q?", "g3"),
]
PASSAGES = {"Q?": Passage("p1", "Q?\n\nL1 makes sparse weights; alpha is 0.01.", "S", "Q?", 0.0, (1, 2))}


def fake_check(sentence: str, passage: Passage, question: str) -> SentenceCheck:
    """'terms' rejects a capitalised or numeric word the passage lacks, 'semantic' any sentence with 'not'."""
    known = set(re.findall(r"\w+(?:\.\w+)?", passage.text.lower()))
    terms = [w.rstrip(".").lower() for w in re.findall(r"[\w.]*[A-Z0-9][\w.]*", sentence)]
    failed = [name for name, fails in (("terms", set(terms) - known), ("semantic", " not " in sentence)) if fails]
    return SentenceCheck(not failed, tuple(failed))


def per_kind(correct: Rate, swap: Rate, number: Rate, negation: Rate, foreign: Rate) -> dict[str, Rate]:
    given = {"correct": correct, "swap": swap, "number": number, "negation": negation, "foreign": foreign}
    return {kind: given.get(kind, Rate(0, 0)) for kind in KINDS}


def test_evaluate_counts_keeps_rejects_and_what_each_check_rejected_alone():
    report = evaluate(ROWS, PASSAGES, fake_check, checks=("support", "terms", "semantic"))

    none = per_kind(Rate(0, 3), Rate(0, 1), Rate(0, 1), Rate(0, 3), Rate(0, 1))
    assert report == GroundingReport(
        kept=Rate(2, 3),
        rejected=Rate(5, 6),
        rejected_by_kind={
            "swap": Rate(1, 1),
            "number": Rate(1, 1),
            "negation": Rate(2, 3),
            "foreign": Rate(1, 1),
            "cross_swap": Rate(0, 0),
            "causal": Rate(0, 0),
            "unsupported": Rate(0, 0),
        },
        checks=(
            CheckScore("support", none, none),
            CheckScore(
                "terms",
                per_kind(Rate(0, 3), Rate(1, 1), Rate(1, 1), Rate(1, 3), Rate(1, 1)),
                per_kind(Rate(0, 3), Rate(1, 1), Rate(1, 1), Rate(0, 3), Rate(1, 1)),
            ),
            CheckScore(
                "semantic",
                per_kind(Rate(1, 3), Rate(0, 1), Rate(0, 1), Rate(2, 3), Rate(0, 1)),
                per_kind(Rate(1, 3), Rate(0, 1), Rate(0, 1), Rate(1, 3), Rate(0, 1)),
            ),
        ),
        outcomes=(
            Outcome("g1", "dev", "correct", True, ()),
            Outcome("g1-swap", "dev", "swap", False, ("terms",)),
            Outcome("g1-negation", "dev", "negation", False, ("semantic",)),
            Outcome("g2", "test", "correct", True, ()),
            Outcome("g2-number", "test", "number", False, ("terms",)),
            Outcome("g2-negation", "test", "negation", False, ("terms", "semantic")),
            Outcome("g2-foreign", "test", "foreign", False, ("terms",)),
            Outcome("g3", "test", "correct", False, ("semantic",)),
            Outcome("g3-negation", "test", "negation", True, ()),
        ),
        kept_by_kind={kind: Rate(2, 3) if kind == "correct" else Rate(0, 0) for kind in CORRECT_KINDS},
    )
    assert report.to_dict()["rejected_by_kind"]["negation"] == {"hits": 2, "n": 3, "share": 2 / 3}


def test_a_check_the_caller_did_not_list_still_gets_its_row():
    report = evaluate(ROWS[:3], PASSAGES, fake_check)

    assert [score.check for score in report.checks] == ["semantic", "terms"]


@pytest.mark.parametrize(
    ("passages", "check", "message"),
    [
        ({}, fake_check, "Expected one passage for 'Q\\?' \\(g1\\) in the index, got none"),
        (PASSAGES, lambda s, p, q: SentenceCheck(True, ("terms",)), "Expected failed == \\(\\) exactly when kept"),
        (PASSAGES, lambda s, p, q: SentenceCheck(False, ()), "got kept=False failed=\\(\\) for g1"),
    ],
)
def test_evaluate_refuses_a_missing_passage_or_an_inconsistent_verdict(passages, check, message):
    with pytest.raises(InputError, match=message):
        evaluate(ROWS, passages, check)


def test_floors_missed_names_each_minimum_missed_and_an_empty_half_fails():
    report = evaluate(ROWS, PASSAGES, fake_check)
    empty = evaluate([], PASSAGES, fake_check)

    assert floors_missed(report, 0.6, 0.8) == []
    assert floors_missed(report, 0.7, 0.9) == ["keep rate 0.667 below 0.7", "reject rate 0.833 below 0.9"]
    assert floors_missed(report, None, None) == []
    assert floors_missed(empty, 0.1, None) == ["keep rate n/a below 0.1"]


def test_passages_by_question_leaves_out_questions_split_over_several_passages():
    one = Passage("a", "Q1?\n\nA.", "S", "Q1?", 0.0, (1, 2))
    split = [Passage(pid, "Q2?\n\nB.", "S", "Q2?", 0.0, (3, 4)) for pid in ("b", "c")]

    assert passages_by_question([one, *split]) == {"Q1?": one}


def test_load_reads_the_committed_set(rows):
    loaded = load()

    assert len(loaded) == len(rows) and loaded[0] == GroundingRow(**rows[0])


def test_load_names_the_bad_line(tmp_path):
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps({**json.loads(OUT.read_text().splitlines()[0]), "kind": "typo"}) + "\n")

    with pytest.raises(InputError, match=r"Expected kind in .* at .*g.jsonl:1, got 'typo', 'test'"):
        load(path)


@pytest.mark.slow
def test_the_real_grounder_holds_the_committed_floors_on_the_test_half(tmp_path, monkeypatch):
    """The grounding floors: the bot's checks (MiniLM, no LLM) against the corrupted sentences."""
    from common import Settings
    from eval.regression import load_rules
    from ingest import run as ingest
    from tools import grounding

    index = tmp_path / "index"
    ingest(
        [Path(__file__).resolve().parents[2] / "data" / "article.md"],
        Settings(_env_file=None, index_dir=index),
        progress=False,
    )
    monkeypatch.setenv("BOT_INDEX_DIR", str(index))
    floors = load_rules()["grounding"]
    out = tmp_path / "grounding.json"
    argv = ["--split", "test", "--json", str(out), "--min-keep", str(floors["min_keep"])]
    status = grounding.main([*argv, "--min-reject", str(floors["min_reject"])])
    assert status == 0, json.loads(out.read_text())["floors"]["failures"]
