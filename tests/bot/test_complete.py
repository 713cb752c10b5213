"""A thin answer completed with its entry's own statement, and everything that is left alone."""

from __future__ import annotations

from bot.complete import added_note, complete, statements
from bot.ground import Grounded
from bot.types import Citation, Passage

DROPOUT = (
    "Dropout is a regularization technique that helps prevent overfitting.\n\n"
    "* Dropout refers to dropping off some neurons in the neural network during training.\n"
    "* It makes the network less sensitive to the specific weights of neurons.\n"
)
GD_VS_SGD = (
    "1. **Gradient Descent (GD)**:\n\n"
    "    * Uses the entire dataset to compute gradients.\n\n"
    "    * Guaranteed to converge but is computationally expensive.\n\n"
    "2. **Stochastic Gradient Descent (SGD)**:\n\n"
    "    * Uses a single data point for each update.\n\n"
    "A neural network consists of:\n\n"
    "* Layers that are stacked one after the other.\n\n"
    "```python\nfor epoch in range(10):\n    update(weights, gradient, learning_rate)\n```\n"
    "* Often used.\n"
    "* The first weight, w[0], is the bias term.\n"
)


def entry(question: str, answer: str) -> Passage:
    return Passage("e1", f"{question}\n\n{answer}", "S", question, 0.5, (1, 9))


def written(text: str, passage: Passage, grounding: str = "repaired") -> Grounded:
    return Grounded(text, [Citation(1, passage)], grounding)  # type: ignore[arg-type]


def test_statements_keep_a_bold_label_on_its_items_and_leave_out_code_and_fragments() -> None:
    found = statements(GD_VS_SGD)

    assert found[:3] == [
        "Gradient Descent (GD): Uses the entire dataset to compute gradients.",
        "Gradient Descent (GD): Guaranteed to converge but is computationally expensive.",
        "Stochastic Gradient Descent (SGD): Uses a single data point for each update.",
    ]
    assert "Layers that are stacked one after the other." in found  # a plain "...consists of:" is no label
    assert not any("range" in s or "Often used" in s for s in found)
    assert found[-1] == "The first weight, w(0), is the bias term."  # never read as a citation marker


def test_a_bold_heading_labels_the_items_after_it_up_to_the_next_prose() -> None:
    entry_text = (
        "No, dropout and random forests are different techniques.\n\n**Dropout:**\n\n* Regularization technique for neural networks.\n\n"
        "**Key Differences:**\n\n* **Level of Operation:** Dropout works at the neuron level.\n\n"
        "Both add randomness to training models.\n"
    )

    assert statements(entry_text) == [
        "No, dropout and random forests are different techniques.",
        "Dropout: Regularization technique for neural networks.",
        "Level of Operation: Dropout works at the neuron level.",  # labelled already
        "Both add randomness to training models.",  # prose ends the heading's items
    ]


def test_a_one_sentence_answer_gets_the_statement_the_question_asks_for() -> None:
    dropout = entry("What is Dropout?", DROPOUT)
    thin = written("Dropout is a technique used to prevent overfitting [1].", dropout)

    done = complete(thin, dropout, "dropout - what does it drop during training?")

    added = "Dropout refers to dropping off some neurons in the neural network during training [1]."
    assert done.text == f"Dropout is a technique used to prevent overfitting [1]. {added}"
    assert done.added == added and done.grounding == "repaired" and done.citations == thin.citations


def test_what_the_answer_already_states_is_not_added_again() -> None:
    dropout = entry("What is Dropout?", DROPOUT)
    thin = written("Dropout refers to dropping off some neurons during training [1].", dropout)

    done = complete(thin, dropout, "what is dropout?")

    assert "dropping off" not in done.added and done.added.startswith("Dropout is a regularization technique")


def test_full_answers_quotes_and_answers_on_another_passage_are_left_alone() -> None:
    dropout = entry("What is Dropout?", DROPOUT)
    three = written("Dropout drops neurons [1]. It prevents overfitting [1]. It is used in training [1].", dropout)
    quote = written('The article answers "What is Dropout?":\n\n> Dropout is ... [1]', dropout, "extractive")
    elsewhere = Grounded("Dropout is a technique [2].", [Citation(2, dropout)], "repaired")

    for checked in (three, quote, elsewhere):
        assert complete(checked, dropout, "what is dropout?") == checked


def test_an_entry_with_nothing_new_to_say_leaves_the_answer_as_it_is() -> None:
    short = entry("What is Dropout?", "Dropout is a regularization technique that helps prevent overfitting.")
    thin = written("Dropout is a regularization technique that helps prevent overfitting [1].", short)

    assert complete(thin, short, "what is dropout?").added == ""


EXPLODING = (
    "1. **Gradient Clipping:**\n\n    * Limits the magnitude of gradients during backpropagation.\n\n"
    "2. **Gradient Normalization:**\n\n    * Uses scaling to keep gradients within a reasonable range.\n\n"
    "3. **Smaller Learning Rates:**\n\n    * Reduces weight fluctuations by using smaller updates.\n\n"
    "4. **Architectural Choices:**\n\n    * Gated architectures like LSTMs regulate the flow of information.\n"
)


def test_an_answer_to_a_list_question_gets_the_items_it_left_out() -> None:
    ways = entry("Ways to solve Exploding Gradients", EXPLODING)
    three = written(
        "Clipping limits the magnitude of gradients during backpropagation [1]. "
        "Normalization uses scaling to keep gradients within a reasonable range [1]. "
        "Smaller learning rates reduce weight fluctuations [1].",
        ways,
    )

    done = complete(three, ways, "what are the ways to solve exploding gradients?")

    added = "Architectural Choices: Gated architectures like LSTMs regulate the flow of information [1]."
    assert done.text == f"{three.text} {added}" and done.added == added
    assert complete(three, ways, "why do gradients explode?") == three  # not asked for a list: three sentences do
    assert complete(three, ways, "which of the ways to solve exploding gradients changes the network?") == three
    one = written("Clipping limits the magnitude of gradients during backpropagation [1].", ways)
    besides = complete(one, ways, "besides gradient clipping, what else can I do when my gradients blow up?")
    assert besides.added.startswith("Gradient Normalization:") and "Clipping:" not in besides.added


def test_the_note_under_a_completed_answer_counts_what_was_added() -> None:
    assert (
        added_note("Dropout drops neurons [1].")
        == "The last sentence is the article's own, added to complete the answer."
    )
    assert added_note("One [1]. Two [1].").startswith("The last 2 sentences are the article's own")
