"""The question's words the article never uses: rare in English, and nothing in the article they could stand for."""

import pytest

from bot.lexicon import Lexicon
from bot.policy import LEXICON

ARTICLE = [
    "What is dropout?\n\nDropout randomly drops units during training.",
    "How does mini-batch gradient descent work?\n\nBackpropagation computes the gradients of each mini batch.",
    "What is the drawback of GAN, and why do we need Wasserstein GAN?\n\nIt uses the Wasserstein distance.",
    "What is Xavier initialization?\n\nXavier initialization keeps the variance of activations.",
]


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon(ARTICLE, LEXICON)


@pytest.mark.parametrize(
    ("question", "unknown"),
    [
        ("What is DropConnect and how does it differ from dropout?", ("dropconnect",)),
        ("How does WGAN enforce the Lipschitz constraint?", ("lipschitz",)),
        ("What is mixup augmentation?", ("mixup",)),
    ],
)
def test_a_rare_word_the_article_never_uses_is_unknown(lexicon, question, unknown):
    assert lexicon.unknown(question) == unknown


@pytest.mark.parametrize(
    "question",
    [
        "how does backprop work?",  # an article word it abbreviates
        "xavier init - why?",
        "wat is dropot",  # a misspelling
        "minibatch vs full batch?",  # two article words run together
        "why do we need WGAN?",  # initials before an article word
        "name a few popular activation fns",  # too short to tell from shorthand
        "Is a banana a fruit?",  # common English: the scope model's to judge
    ],
)
def test_words_the_article_accounts_for_are_not_unknown(lexicon, question):
    assert lexicon.unknown(question) == ()
