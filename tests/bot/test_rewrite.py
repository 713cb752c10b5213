import pytest

from bot.rewrite import standalone, topic_of

HISTORY = [("What is the dying ReLU problem?", "ReLU units that output 0 forever [1].")]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("and how do I fix it?", "how do I fix dying ReLU problem?"),
        ("How does it compare to leaky relu?", "How does dying ReLU problem compare to leaky relu?"),
        ("why?", "dying ReLU problem: why?"),
        ("and at inference time?", "dying ReLU problem at inference time?"),
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


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("dropout - what is it and why is it useful?", "dropout"),
        ("CBOW vs skip-gram: which is better?", "CBOW vs skip-gram"),
        ("What are vanishing gradients and how do I fix them?", "vanishing gradients"),
        ("How does batch normalization work?", "batch normalization"),
        ("How do I fix exploding gradients?", "exploding gradients"),
        ("Can you explain dropout?", "dropout"),
        ("what's dropout?", "dropout"),
        ("What do you mean by stride?", "stride"),
    ],
)
def test_the_topic_is_the_thing_asked_about_not_the_rest_of_the_question(question, topic):
    assert topic_of(question) == topic


def test_a_follow_up_to_a_labelled_question_names_the_label():
    history = [("dropout - what is it and why is it useful?", "Dropout drops neurons during training [1].")]

    assert standalone("and how does it behave at test time?", history) == "how does dropout behave at test time?"


def test_a_follow_up_to_a_follow_up_goes_back_to_the_turn_that_named_the_topic():
    history = [("What is dropout?", "Dropout drops neurons [1]."), ("how does it work?", "It zeroes ... [1].")]

    assert standalone("why?", history) == "dropout: why?"
