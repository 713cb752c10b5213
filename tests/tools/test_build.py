"""The eval set builder on the real article, and the loaders that read what it writes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from common.errors import InputError
from common.evalsets import EvalItem, load_all, load_paraphrases
from common.text import question_key
from tools.build import build, main

ROOT = Path(__file__).resolve().parents[2]
ADAM = "What is Adam and why is it used most of the time in neural networks?"


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return build(ROOT / "data" / "article.md")


def test_one_row_per_distinct_question_with_ids_in_document_order(rows):
    assert len(rows) == 153  # 154 records, the Adam question asked twice
    assert [row["id"] for row in rows] == [f"q{i:03d}" for i in range(1, 154)]
    assert rows[0] == {
        "id": "q001",
        "question": "Difference: Deep learning vs. Machine learning",
        "reference": [
            "In machine learning, you must design the right set of features (feature engineering).\n"
            "Feature engineering is hard, especially with unstructured data like text and images.\n"
            "Deep learning automatically extracts features using multiple hidden layers, eliminating the need for "
            "manual feature engineering.\n"
            "Deep learning is ideal for tasks like image recognition and text classification."
        ],
        "section": "Fundamental of Deep Learning",
        "lines": [[12, 20]],
    }


def test_the_duplicated_adam_question_keeps_one_id_and_both_answers(rows):
    adam = [row for row in rows if row["question"] == ADAM]

    assert [(row["id"], row["lines"], len(row["reference"])) for row in adam] == [
        ("q137", [[1675, 1693], [1699, 1717]], 2)
    ]
    assert all(ref.startswith("Adam (Adaptive Moment Estimation)") for ref in adam[0]["reference"])
    assert all(len(row["reference"]) == len(row["lines"]) == 1 for row in rows if row["question"] != ADAM)


@pytest.mark.parametrize(
    "heading", ["Why Adam?", "Training Phase", "Testing Phase", "Python Code Example", "Python Example"]
)
def test_sub_headings_are_not_questions(rows, heading):
    assert question_key(heading) not in {question_key(row["question"]) for row in rows}


def test_references_carry_no_markdown_except_python_power_in_code(rows):
    lines = [line for row in rows for ref in row["reference"] for line in ref.splitlines()]

    assert all(ref.strip() for row in rows for ref in row["reference"])
    assert [line for line in lines if "**" in line] == [
        "    return (x - 2) ** 2 + 1",
        "        cache[key] = decay_rate * cache[key] + (1 - decay_rate) * grads[key] ** 2",
    ]
    assert not [line for line in lines if "<mark>" in line or "](" in line or "```" in line or line.startswith("* ")]


def test_checked_in_qa_jsonl_is_what_the_builder_makes(rows):
    path = ROOT / "data" / "eval" / "qa.jsonl"

    assert path.is_file(), "run: python tools/build.py"
    assert [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] == rows


# ---------------------------------------------------------------- common.evalsets over the built file


@pytest.fixture
def eval_dir(tmp_path: Path) -> Path:
    for name in (
        "paraphrases.jsonl",
        "interview.jsonl",
        "follow_ups.jsonl",
        "out_of_scope.jsonl",
        "hard_out_of_scope.jsonl",
    ):
        shutil.copy(ROOT / "data" / "eval" / name, tmp_path / name)
    assert main([str(ROOT / "data" / "article.md"), str(tmp_path / "qa.jsonl")]) == 0
    return tmp_path


def test_load_all_reads_six_sets_with_gold_by_question(eval_dir):
    items = load_all(eval_dir)
    by_id = {item.id: item for item in items}

    names = ("article", "paraphrase", "interview", "follow_up", "out_of_scope", "hard_out_of_scope")
    assert [sum(item.set == s for item in items) for s in names] == [153, 80, 150, 16, 40, 224]
    assert by_id["f012"].history == ("How does LSTM differ from an RNN?",)
    assert all(item.history for item in items if item.set == "follow_up")
    assert {item.kind for item in items if item.set == "hard_out_of_scope"} == {
        "neighbour",
        "missing_topic",
        "practical",
    }
    assert all(item.gold and item.references for item in items if item.set == "interview")
    assert by_id["p003"] == EvalItem(
        id="p003",
        question="some of my relu units output 0 for every input and never come back to life - what is this phenomenon?",
        gold_questions=("Dying ReLU problem",),
        set="paraphrase",
        kind="paraphrase",
        split="dev",
        references=by_id["q005"].references,
    )
    assert by_id["o001"] == EvalItem(
        id="o001",
        question="How long should I boil an egg if I want a jammy yolk?",
        gold_questions=(),
        set="out_of_scope",
        kind="off_topic",
        split="dev",
    )
    assert (by_id["q137"].gold, len(by_id["q137"].references)) == (
        frozenset({"what is adam and why is it used most of the time in neural networks"}),
        2,
    )
    assert [item.in_scope for item in (by_id["q001"], by_id["p003"], by_id["o001"])] == [True, True, False]


def test_a_paraphrase_whose_gold_is_not_an_article_question_is_rejected(eval_dir):
    bad = eval_dir / "bad.jsonl"
    bad.write_text(json.dumps({"id": "p999", "question": "q?", "gold": "Not in the article", "split": "dev"}) + "\n")

    with pytest.raises(InputError, match="p999: expected gold to be an article question, got 'Not in the article'"):
        load_paraphrases(bad, load_all(eval_dir))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, r"run: python tools/build\.py"),
        ("not json\n", "expected one JSON object per line"),
        ('{"id": "q001", "question": "x"}\n', r"missing \['reference'\]"),
    ],
)
def test_malformed_qa_files_fail_with_one_line(eval_dir, content, message):
    qa = eval_dir / "qa.jsonl"
    qa.unlink()
    if content is not None:
        qa.write_text(content)

    with pytest.raises(InputError, match=message):
        load_all(eval_dir)


def test_ids_must_be_unique_across_sets(eval_dir):
    row = {"id": "q001", "question": "Sigmoid or tanh?", "gold": "Sigmoid vs. Tanh activation function", "split": "dev"}
    (eval_dir / "paraphrases.jsonl").write_text(json.dumps(row) + "\n")

    with pytest.raises(InputError, match="Expected unique eval ids, got 'q001' twice"):
        load_all(eval_dir)
