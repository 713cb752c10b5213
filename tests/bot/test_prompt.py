"""The chat prompt: a fixed system turn, then one user turn of numbered passages and the question."""

from __future__ import annotations

from bot.prompt import MAX_PASSAGE_WORDS, build_messages, judge_messages, passages_shown
from bot.rewrite import standalone
from bot.types import Passage

RELU = Passage(
    "p1",
    "Dying ReLU problem\n\n* Neurons output **zero** for every input.\n* Use `LeakyReLU`.",
    "Activations",
    "Dying ReLU problem",
    0.9,
    (1, 4),
)
DROPOUT = Passage(
    "p2", "What is dropout?\n\nUnits are dropped at random.", "Regularisation", "What is dropout?", 0.5, (5, 7)
)


def test_the_system_turn_comes_first_and_asks_for_cited_sentences_from_the_passages() -> None:
    system = build_messages("What is dropout?", [DROPOUT])[0]

    assert system.role == "system"
    assert system.content.startswith("You are a deep-learning tutor.")
    assert "Answer the question from the passages." in system.content
    assert "Put the passage number in brackets at the end of every sentence, as in [1]." in system.content


def test_the_system_turn_is_the_same_whatever_the_question_and_passages() -> None:
    assert build_messages("What is dropout?", [DROPOUT])[0] == build_messages("x", [])[0]


def test_passages_are_numbered_in_order_and_the_question_comes_last() -> None:
    user = build_messages("Why do units drop?", [RELU, DROPOUT])[1]

    assert user.role == "user"
    assert user.content == (
        "Passages:\n\n"
        "[1] Dying ReLU problem: Neurons output zero for every input. Use LeakyReLU.\n\n"
        "[2] What is dropout? Units are dropped at random.\n\n"
        "Question: Why do units drop?"
    )


def test_the_numbers_follow_the_order_the_passages_are_given_in() -> None:
    content = build_messages("q", [DROPOUT, RELU])[1].content

    assert content.index("[1] What is dropout?") < content.index("[2] Dying ReLU problem:")
    assert "[3]" not in content


def test_a_long_passage_is_clipped_to_its_first_words() -> None:
    long = Passage("p3", "Q?\n\n" + " ".join(f"w{i}" for i in range(200)), "S", "Q?", 0.0, (1, 2))

    content = build_messages("q", [long])[1].content

    assert f"w{MAX_PASSAGE_WORDS - 1} ...\n\nQuestion: q" in content
    assert f"w{MAX_PASSAGE_WORDS} " not in content


def test_a_follow_up_reaches_the_prompt_as_its_standalone_rewrite_and_no_earlier_turns() -> None:
    history = [("What is the dying ReLU problem?", "Its neurons get stuck at zero [1].")]

    messages = build_messages(standalone("and how do I fix it?", history), [RELU])

    assert [m.role for m in messages] == ["system", "user"]
    assert messages[1].content.endswith("\n\nQuestion: how do I fix dying ReLU problem?")
    assert not any("stuck" in m.content or "What is the dying" in m.content for m in messages)


def test_smollm2_gets_its_own_system_turn_and_the_passage_text_as_written() -> None:
    system, user = build_messages("Why do units drop?", [RELU, DROPOUT], "smollm2")

    assert system.content.endswith("If the passages do not answer the question, say: The article does not cover this.")
    assert "[1] Dying ReLU problem Neurons output zero for every input. Use LeakyReLU." in user.content
    assert user.content.endswith("Question: Why do units drop?\nAnswer with [n] citations:")


def test_an_unknown_family_gets_the_qwen_prompt() -> None:
    assert build_messages("q", [DROPOUT], "llama") == build_messages("q", [DROPOUT], "qwen")


def test_the_judge_prompt_puts_the_passage_before_the_statement() -> None:
    (turn,) = judge_messages("Units are **dropped** at random.", "Dropout drops units.")

    assert turn.role == "user"
    assert turn.content.startswith("Passage: Units are dropped at random.\n\nStatement: Dropout drops units.\n\n")


def test_the_prompt_shows_the_setting_else_the_familys_number_of_passages() -> None:
    assert (passages_shown("qwen", None), passages_shown("smollm2", None), passages_shown("llama", None)) == (1, 2, 1)
    assert passages_shown("qwen", 3) == 3


def test_a_passage_without_a_question_starts_with_its_text() -> None:
    untitled = Passage("p3", "Units are dropped at random.", "Regularisation", "", 0.4, (8, 9))

    assert "[1] Units are dropped at random." in build_messages("Why?", [untitled])[1].content
