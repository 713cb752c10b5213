"""A copied list gets its separators back, and nothing else changes."""

from __future__ import annotations

import pytest

from bot.items import separate_items

NAN_CAUSES = "What could be the reason that loss leads to nan?\n\n* High learning rate\n* The gradient blowing up\n* Improper loss function\n"
LSTM_GATES = (
    "* **LSTM** introduces three special gates:\n\n    * **Input gate**\n\n    * **Forget gate**\n\n"
    "    * **Output gate**\n\n* These gates help control what information to keep or forget.\n"
)


@pytest.mark.parametrize(
    ("text", "source", "expected"),
    [
        (
            "Loss might go NaN due to: High learning rate The gradient blowing up Improper loss function [1].",
            NAN_CAUSES,
            "Loss might go NaN due to: High learning rate, The gradient blowing up, Improper loss function [1].",
        ),
        (
            "LSTM introduces three special gates: input gate Forget gate Output gate These gates help control it.",
            LSTM_GATES,
            "LSTM introduces three special gates: input gate, Forget gate, Output gate; these gates help control it.",
        ),
        ("A high learning rate can make the loss NaN.", NAN_CAUSES, "A high learning rate can make the loss NaN."),
    ],
)
def test_list_items_a_copy_ran_together_are_separated_again(text, source, expected):
    assert separate_items(text, source) == expected


def test_code_lines_are_not_list_items():
    source = "Example:\n```python\nx = tf.constant(1)\ny = x\n```\n"

    assert separate_items("x = tf.constant(1) y = x", source) == "x = tf.constant(1) y = x"


def test_an_item_before_a_paragraph_closes_the_list_and_a_name_keeps_its_capital():
    source = "A network has:\n\n* One input layer\n* One output layer\n\nWhen there are many, it is deep.\n"
    names = "Examples:\n\n* Learn a latent space\n* Generative Adversarial Networks: two networks.\n"

    assert separate_items("One input layer One output layer When there are many", source) == (
        "One input layer, One output layer; when there are many"
    )
    assert separate_items("Learn a latent space Generative Adversarial", names) == (
        "Learn a latent space, Generative Adversarial"
    )


VANISHING = "* **Vanishing Gradient Problem**\n    * Occurs when gradients become too small.\n* **Exploding Gradient Problem**\n    * Happens when gradients grow too large.\n"


def test_a_bold_label_over_its_items_is_closed_by_a_colon_and_the_models_own_sentence_is_left_alone():
    text = (
        "Vanishing Gradient Problem occurs when they shrink [1]. Exploding Gradient Problem Happens when they grow [1]."
    )

    assert separate_items(text, VANISHING) == (
        "Vanishing Gradient Problem occurs when they shrink [1]. Exploding Gradient Problem: Happens when they grow [1]."
    )


def test_an_item_with_its_own_label_under_a_bold_one_gets_no_second_colon():
    source = "* **Vanishing Gradient Problem**\n    * Cause: Weights shrink.\n"

    assert separate_items("Vanishing Gradient Problem Cause: Weights shrink.", source) == (
        "Vanishing Gradient Problem Cause: Weights shrink."
    )
