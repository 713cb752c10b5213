import pytest

from bot.rewrite import standalone, topic_of

HISTORY = [("What is the dying ReLU problem?", "ReLU units that output 0 forever [1].")]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("and how do I fix it?", "how do I fix dying ReLU problem?"),
        ("How does it compare to leaky relu?", "How does dying ReLU problem compare to leaky relu?"),
        ("why?", "why (dying ReLU problem)?"),
        ("What is stride?", "What is stride?"),
    ],
)
def test_follow_ups_become_standalone_questions(question, expected):
    assert standalone(question, HISTORY) == expected


def test_a_follow_up_that_picks_among_the_last_turns_topics_keeps_them():
    history = [("What is the difference between L1 and L2 regularization?", "L1 ... L2 ... [1].")]

    rewritten = standalone("which one gives sparse weights?", history)

    assert rewritten == "difference between L1 and L2 regularization: which one gives sparse weights?"


def test_without_history_the_question_is_unchanged():
    assert standalone("  and how do I fix it? ", None) == "and how do I fix it?"


def test_topic_strips_the_question_words():
    assert topic_of("What is the dying ReLU problem?") == "dying ReLU problem"
    assert topic_of("Explain the working of CNN") == "working of CNN"


@pytest.mark.parametrize(("question", "topic"), [("What is Adam?", "Adam"), ("What is an autoencoder?", "autoencoder")])
def test_a_topic_that_starts_like_an_article_keeps_its_first_letters(question, topic):
    assert topic_of(question) == topic
