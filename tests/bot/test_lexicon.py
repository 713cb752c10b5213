"""The question's words the article never uses: rare in English, and nothing in the article they could stand for."""

from pathlib import Path

import pytest

from bot.lexicon import Lexicon, abbreviations, defined, options, spelled_out
from bot.policy import LEXICON

ARTICLE_MD = Path(__file__).resolve().parents[2] / "data" / "article.md"
ARTICLE = [
    "What is dropout?\n\nDropout randomly drops units during training.",
    "How does mini-batch gradient descent work?\n\nBackpropagation computes the gradients of each mini batch.",
    "What is the drawback of GAN, and why do we need Wasserstein GAN?\n\nIt uses the Wasserstein distance.",
    "What is Xavier initialization?\n\nXavier initialization keeps the variance of activations.",
    "What is a loss function?\n\nA loss function measures the error; cross-entropy loss suits classification.",
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


@pytest.mark.parametrize(
    ("question", "variant"),
    [
        ("What is Monte Carlo dropout and how does it give uncertainty estimates?", ("monte", "carlo")),
        ("What is hinge loss, and where is it used?", ("hinge",)),
        ("what are dilated convolutions?", ()),  # "convolutions" is no article word here: nothing to be a kind of
        ("What is a tiny dropout?", ()),  # common English describes; it does not name a kind
    ],
)
def test_a_definition_of_a_kind_of_an_article_term_names_its_unknown_words(lexicon, question, variant):
    assert lexicon.variant(question) == variant


@pytest.mark.parametrize(
    "question",
    [
        "What is cross-entropy loss?",  # the article names this kind
        "What is the purpose of dropout?",  # a relation, not a kind
        "Why does Monte Carlo dropout work?",  # not a definition question: the band and the checks judge it
        "What is dropout?",
    ],
)
def test_kinds_the_article_names_and_other_questions_are_not_variants(lexicon, question):
    assert lexicon.variant(question) == ()


@pytest.fixture(scope="module")
def article_lexicon() -> Lexicon:
    from ingest import chunk_records, parse_article

    chunks = chunk_records(parse_article(ARTICLE_MD.read_text(encoding="utf-8")), str(ARTICLE_MD))
    return Lexicon([c.text for c in chunks], LEXICON)


def test_no_definition_question_in_the_articles_words_reads_as_an_unnamed_kind(article_lexicon):
    """104 definition questions written for this check: article terms, kinds the article names ("leaky ReLU"),
    and kinds described in common English ("a tiny learning rate")."""
    questions = (Path(__file__).parent / "definitions_in_article_words.txt").read_text(encoding="utf-8").splitlines()

    assert len(questions) == 104
    assert [(q, article_lexicon.variant(q)) for q in questions if article_lexicon.variant(q)] == []


@pytest.mark.parametrize(
    ("question", "variant"),
    [
        ("What is Monte Carlo dropout and how does it give uncertainty estimates?", ("monte", "carlo")),
        ("What is mixup data augmentation?", ("mixup",)),
        ("What is elastic net regularization, and when would you combine L1 and L2?", ("elastic",)),
        ("What is inverted dropout, and why do frameworks scale activations during training?", ("inverted",)),
    ],
)
def test_kinds_of_article_terms_the_article_never_names(article_lexicon, question, variant):
    assert article_lexicon.variant(question) == variant


@pytest.mark.parametrize(
    ("question", "word"),
    [
        ("What is the out-of-bag error in a random forest?", "bag error"),
        ("What is transfer learning?", "transfer learning"),
        ("What is a max-norm constraint on weights and how does it work?", "norm constraint"),  # before "on"
        ("What are GANs?", "gans"),
        ("What is the role of the generator?", ""),  # relational: the role, not a term, is asked about
        ("What are some examples of regularization techniques?", ""),  # a list of them, not "examples", is asked for
        ("What are RNNs good for?", ""),  # a purpose
        ("How does dropout work?", ""),
    ],
)
def test_a_definition_question_names_the_word_it_asks_about(question, word):
    assert defined(question) == word


@pytest.mark.parametrize(
    ("question", "heads"),
    [
        (
            "Should the mean be computed on the whole dataset or on the training split only?",
            ("whole dataset", "training split"),
        ),
        ("Should I use L1 or L2 if I want sparse weights?", ("l1", "l2")),  # the option ends where a clause begins
        ("Is a single pass called an epoch or an iteration? What is the other one?", ("epoch", "iteration")),
        ("For a multi-label task, should it use softmax or sigmoid?", ("softmax", "sigmoid")),  # after a lead-in
        ("Can I create more examples by rotating, flipping or cropping the ones I have?", ()),  # a list of examples
        ("How do I choose between L1 or L2?", ()),  # not a yes/no or choice question
        ("Is dropout used at test time?", ()),
    ],
)
def test_an_either_or_question_offers_its_two_options(question, heads):
    assert options(question) == heads


def test_the_articles_abbreviations_are_read_from_where_it_spells_them_out():
    texts = [
        "How is GD different from SGD?\n\n**Gradient Descent (GD)** uses every sample.",
        "Stochastic Gradient Descent (SGD) uses one. Cross-Entropy (CE) is a loss (for classification).",
        "Information Technology (IT) is no deep-learning term.",
    ]

    assert abbreviations(texts) == {
        "gd": "gradient descent",
        "sgd": "stochastic gradient descent",
        "ce": "cross-entropy",
        "it": "information technology",
    }


@pytest.mark.parametrize(
    ("question", "searched"),
    [
        ("Does GD use second derivatives?", "Does GD (gradient descent) use second derivatives?"),
        ("why use momentum based gd?", "why use momentum based gd (gradient descent)?"),
        ("What are GANs?", "What are GANs (generative adversarial networks)?"),
        ("Is gradient descent (GD) slow?", "Is gradient descent (GD) slow?"),  # spelled out already
        ("What does Faster R-CNN add?", "What does Faster R-CNN add?"),  # part of another name
        ("Is it slow?", "Is it slow?"),  # an English word, whatever it abbreviates
    ],
)
def test_a_question_is_searched_with_the_articles_abbreviations_spelled_out(question, searched):
    known = {
        "gd": "gradient descent",
        "gan": "generative adversarial networks",
        "cnn": "convolutional neural networks",
        "it": "information technology",
    }

    assert spelled_out(question, known) == searched
