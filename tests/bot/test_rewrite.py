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
        ("How is a GAN trained?", "GAN"),
        ("What is a GAN used for?", "GAN"),
        ("What does the forget gate do?", "forget gate"),
        ("How does batch normalization help and when should I use it?", "batch normalization"),
        ("what\u2019s dropout?", "dropout"),
        ("In CNNs: what is pooling?", "pooling in CNNs"),
        ("why doesn't initializing all weights to zero work?", "initializing all weights to zero"),
        ("What could make the loss turn into NaN?", "the loss turn into NaN"),
        ("what happens if the stride is high?", "the stride"),
        ("What happens in the forward pass?", "the forward pass"),
        ("Which is better, Adam or SGD?", "Adam or SGD"),
        ("What is layer normalization?", "layer normalization"),  # "-er" is a comparative only before a comma
    ],
)
def test_the_topic_is_the_thing_asked_about_not_the_rest_of_the_question(question, topic):
    assert topic_of(question) == topic


def test_a_follow_up_to_a_labelled_question_names_the_label():
    history = [("dropout - what is it and why is it useful?", "Dropout drops neurons during training [1].")]

    assert standalone("and how does it behave at test time?", history) == "how does dropout behave at test time?"


def test_a_follow_up_to_a_follow_up_takes_the_topic_the_last_turn_was_about():
    history = [("What is a GAN?", "A GAN ... [1]."), ("how is it trained?", "The generator ... [1].")]

    assert standalone("what is mode collapse in it?", history) == "what is mode collapse in GAN?"
    assert standalone("why?", [("What is dropout?", "..."), ("how does it work?", "...")]) == "dropout: why?"


def test_a_choice_among_the_kinds_asked_for_in_a_follow_up_keeps_their_topic():
    history = [("what is an autoencoder", "An autoencoder ... [1]."), ("what are its types?", "... [1].")]

    assert standalone("which one is robust to noise?", history) == "autoencoder types: which one is robust to noise?"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("turns", "follow_up", "entry"),
    [
        (["What is an autoencoder?", "what are its types?"], "which one removes noise from images?", "denoising"),
        (["What is stride in a CNN?"], "what happens when it is high or low?", "stride value is high and low"),
        (["How does the Adam optimizer work?"], "how does it differ from RMSProp?", "Adam optimizer differ"),
        (["How does LSTM differ from an RNN?"], "how are its cell state and hidden state used?", "cell state"),
        (["What is CycleGAN?"], "where is it preferred?", "use cases where CycleGAN"),
    ],
)
def test_a_rewritten_follow_up_finds_the_entry_it_asks_about(real_bot, turns, follow_up, entry):
    question = standalone(follow_up, [(turn, "") for turn in turns])

    top = real_bot.retriever.search(question, 5, "", follow_up=follow_up)[0].passage

    assert entry in top.question


def test_a_topic_is_text_not_a_pattern():
    history = [("What is \\sigma in softmax?", "...")]

    assert standalone("how is it computed?", history) == "how is \\sigma in softmax computed?"
    assert standalone("What is a GAN?", [*history, ("how is it computed?", "...")]) == "What is a GAN?"


def test_follow_ups_without_a_new_topic_keep_the_one_the_conversation_is_on():
    history = [("What is dropout?", "..."), ("and at inference time?", "..."), ("ok", "...")]

    assert standalone("how does it work?", history) == "how does dropout work?"
    assert standalone("and?", history) == "dropout?"


def test_a_that_after_a_noun_opens_a_relative_clause_not_a_follow_up():
    question = "What is the activation function that outputs zero for negatives?"

    assert standalone(question, [("What is dropout?", "...")]) == question


def test_long_history_turns_are_read_only_as_far_as_a_topic_goes():
    history = [("What is " + " " * 20000 + "dropout?", "...")] * 1000

    assert standalone("why?", history).startswith("dropout")


@pytest.mark.parametrize(
    ("turn", "follow_up", "expected"),
    [
        ("what happens if the stride is high?", "and if it is low?", "if the stride is low?"),
        ("In CNNs: what is pooling?", "why is it used?", "why is pooling in CNNs used?"),
        ("Which is better, Adam or SGD?", "why?", "Adam or SGD: why?"),
    ],
)
def test_a_question_about_what_happens_to_a_thing_hands_on_the_thing(turn, follow_up, expected):
    assert standalone(follow_up, [(turn, "")]) == expected
