"""Markdown made plain for each reader, and the one "same question" key."""

from __future__ import annotations

import pytest

from common.text import (
    code_blocks,
    display_markdown,
    plain_for_embedding,
    plain_for_prompt,
    plain_for_quote,
    plain_for_reference,
    question_key,
    strip_inline,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What is Adam?", "what is adam"),
        ("  Sigmoid vs. Tanh  ", "sigmoid vs tanh"),
        ("feed_dict (sess.run())", "feed dict sess run"),
        ("What is the feed_dict parameter?", "what is the feed dict parameter"),
        ("LSTM: what is c_t for?", "lstm what is c t for"),
        ("", ""),
    ],
)
def test_question_key(text, expected):
    assert question_key(text) == expected


def test_question_key_treats_underscores_and_spaces_alike():
    assert question_key("max_depth, eta?") == question_key("Max depth eta")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("**What is `feed\\_dict`?**", "What is feed_dict?"),
        ("See [the post](https://x.y/z) ![](https://img.png) now.", "See the post now."),
        ("<mark>Highlighted</mark>   and\tspaced", "Highlighted and spaced"),
        ("a \\| b", "a | b"),
    ],
)
def test_strip_inline(line, expected):
    assert strip_inline(line) == expected


def test_display_markdown_keeps_structure():
    markdown = "* * **Tanh** is <mark>centred</mark> at \\-1.\n\n\n\n```python\nx = a ** 2\n```\n"

    assert display_markdown(markdown) == "* **Tanh** is centred at -1.\n\n```python\nx = a ** 2\n```"


def test_plain_for_embedding_is_one_plain_line_per_line():
    text = "What is ReLU?\n\n* **ReLU** is `max(0, x)`.\n# Heading [link](http://x)"

    assert plain_for_embedding(text) == "What is ReLU?\nReLU is max(0, x).\nHeading link"


def test_plain_for_prompt_is_one_paragraph_without_list_or_bold_marks():
    text = "What is ReLU?\n\n* **ReLU** is `max(0, x)`.\n  1. see [docs](http://x)"

    assert plain_for_prompt(text) == "What is ReLU? ReLU is max(0, x). see [docs](http://x)"


def test_plain_for_quote_leaves_no_marks_and_no_citation_lookalikes():
    text = "> **Note:** `e[1]` is\n* the # second   item"

    assert plain_for_quote(text) == "Note: e(1) is the second item"


def test_a_quote_keeps_the_punctuation_after_bold_text_in_place():
    text = "* * **Tanh** scales the value between **\\-1 and 1**, centered at **0**."

    assert plain_for_quote(text) == "Tanh scales the value between -1 and 1, centered at 0."


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("* * **Tanh** is <mark>centered</mark> at **\\-1**.", "Tanh is centered at -1."),
        ("    * nested **bullet**\n\n    1. **Sigmoid Function**:", "nested bullet\nSigmoid Function:"),
        ("See [the post](https://x.y/z) ![](https://img.png) now.", "See the post now."),
        ("feed\\_dict is `tf.Session()`", "feed_dict is tf.Session()"),
        ("\\[ \\\\text{Weight} = \\\\text{w} \\\\times \\\\text{d} \\]", "Weight = w × d"),
        (
            "Example:\n\n```python\n    x = a ** 2  # * not a bullet\n\n    y = [1]\n```",
            "Example:\nx = a ** 2  # * not a bullet\n\ny = [1]",
        ),
        ("```\n  unclosed\n", "unclosed"),
        ("", ""),
    ],
)
def test_plain_for_reference(markdown, expected):
    assert plain_for_reference(markdown) == expected


def test_code_blocks_are_the_fenced_blocks_of_an_entry_in_order():
    text = "Example:\n\n```python\nimport numpy as np\nx = np.ones(3)\n```\nThen\n~~~\ny = 2\n"

    assert code_blocks(text) == ["import numpy as np\nx = np.ones(3)", "y = 2"]  # an unclosed fence runs to the end
    assert code_blocks("No code here.") == []


def test_plain_for_prompt_leaves_code_lines_as_they_are():
    text = "Example:\n```python\nx = 1\ny = 2\n```\nDone."

    assert plain_for_prompt(text) == "Example: python x = 1 y = 2 Done."
