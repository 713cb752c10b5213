"""Every metric on hand-made cases whose values can be checked with pencil and paper."""

from __future__ import annotations

import math

import pytest

from bot.ground import extractive as bot_extractive
from bot.types import Answer, Citation, Passage
from eval.metrics import (
    answer_words,
    citation_precision,
    citation_validity,
    copy_share,
    cosine,
    gold_cited,
    hit_at_k,
    ndcg_at_k,
    percentile,
    reciprocal_rank,
    relevance,
    repetition,
    rouge_l,
    sentence_coverage,
    spoken_text,
    statements,
    support_rate,
    token_f1,
    written,
)

GOLD = {"what is dropout"}
DROPOUT = Passage(
    id="c1",
    text="What is Dropout?\n\nDropout randomly drops neurons during training to prevent overfitting.",
    section="Basics",
    question="What is Dropout?",
    score=0.9,
    lines=(10, 12),
)
STRIDE = Passage(
    id="c2",
    text="What is stride?\n\nStride is the number of pixels the filter moves.",
    section="CNN",
    question="What is stride?",
    score=0.5,
    lines=(20, 22),
)
UNSHOWN = Passage(
    id="c9", text="Dropout drops neurons.", section="", question="What is Dropout?", score=0.0, lines=(1, 1)
)


def answer(text: str, *cited: Passage, shown: tuple[Passage, ...] = (DROPOUT, STRIDE)) -> Answer:
    """An answer whose citation n points at the n-th passage given."""
    return Answer(
        text=text,
        citations=[Citation(n, p) for n, p in enumerate(cited, start=1)],
        passages=list(shown),
    )


PERFECT = answer("Dropout randomly drops neurons during training to prevent overfitting [1].", DROPOUT)
EMPTY = answer("")


# ---------------------------------------------------------------- retrieval

RANKED = ["What is stride?", "What is Dropout?", "What is Adam?", "what is dropout"]


@pytest.mark.parametrize(
    ("k", "expected"),
    [(1, 0.0), (2, 1.0), (5, 1.0)],
)
def test_hit_at_k_counts_any_gold_passage_in_the_top_k(k, expected):
    assert hit_at_k(RANKED, GOLD, k) == expected


@pytest.mark.parametrize(
    ("ranked", "k", "expected"),
    [
        (["What is Dropout?", "x"], 10, 1.0),
        (["x", "y", "What is dropout ?"], 10, 1 / 3),  # normalized match, first gold at rank 3
        (["x", "y", "What is Dropout?"], 2, 0.0),  # beyond k
        ([], 10, 0.0),
    ],
)
def test_reciprocal_rank(ranked, k, expected):
    assert reciprocal_rank(ranked, GOLD, k) == expected


@pytest.mark.parametrize(
    ("ranked", "n_relevant", "expected"),
    [
        (["What is Dropout?", "x"], 1, 1.0),
        (["x", "What is Dropout?"], 1, 1 / math.log2(3)),
        (["x", "y", "z", "w", "v", "What is Dropout?"], 1, 0.0),  # rank 6 is outside nDCG@5
        # both copies of a duplicated question are relevant: DCG = 1 + 1/log2(4), IDCG = 1 + 1/log2(3)
        (["What is Dropout?", "x", "What is Dropout?"], 2, (1 + 1 / 2) / (1 + 1 / math.log2(3))),
        (["What is Dropout?", "x"], 2, 1 / (1 + 1 / math.log2(3))),  # one gold passage never retrieved
    ],
)
def test_ndcg_at_5_binary_gain_by_hand(ranked, n_relevant, expected):
    assert ndcg_at_k(ranked, GOLD, k=5, n_relevant=n_relevant) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: hit_at_k(RANKED, set(), 1), "non-empty gold"),
        (lambda: reciprocal_rank(RANKED, set()), "non-empty gold"),
        (lambda: hit_at_k(RANKED, GOLD, 0), "k >= 1"),
        (lambda: ndcg_at_k(RANKED, GOLD, n_relevant=1), "at most n_relevant=1 gold passages in the ranking, got 2"),
        (lambda: gold_cited(PERFECT, set()), "non-empty gold"),
        (lambda: citation_precision(PERFECT, set()), "non-empty gold"),
        (lambda: support_rate(PERFECT, 1.5), "tau"),
        (lambda: token_f1("x", []), "at least one reference"),
        (lambda: cosine([1, 0], [1, 0, 0]), "one shape"),
        (lambda: percentile([], 50), "at least one value"),
    ],
)
def test_what_cannot_be_scored_raises_instead_of_nan(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---------------------------------------------------------------- answers vs references


@pytest.mark.parametrize(
    ("prediction", "reference", "expected"),
    [
        ("Dropout drops neurons.", "dropout drops neurons", 1.0),
        ("", "dropout drops neurons", 0.0),
        ("the cat sat", "a cat sat down", 0.8),  # articles dropped: P = 2/2, R = 2/3
        ("cat sat [1]", "cat sat", 1.0),  # markers are not content
        ("dog", "cat", 0.0),
        ("cat sat", ["dog", "cat sat down", "cat"], 0.8),  # max over references
    ],
)
def test_token_f1(prediction, reference, expected):
    assert token_f1(prediction, reference) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("prediction", "reference", "expected"),
    [
        ("Dropout drops neurons.", "dropout drops neurons", 1.0),
        ("", "dropout drops neurons", 0.0),
        ("cat sat", "cat sat down", 0.8),  # LCS 2: P = 1, R = 2/3
        ("dropping neurons", "drops neuron", 1.0),  # Porter stemmer
        ("cat sat [2]", ["dog", "cat sat"], 1.0),
    ],
)
def test_rouge_l(prediction, reference, expected):
    assert rouge_l(prediction, reference) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [([1, 0], [2, 0], 1.0), ([1, 0], [0, 3], 0.0), ([1, 1], [-1, -1], -1.0), ([0, 0], [1, 0], 0.0)],
)
def test_cosine(a, b, expected):
    assert cosine(a, b) == pytest.approx(expected)


# ---------------------------------------------------------------- citations


def test_a_perfect_answer_scores_one_everywhere():
    assert {
        "validity": citation_validity(PERFECT),
        "gold_cited": gold_cited(PERFECT, GOLD),
        "precision": citation_precision(PERFECT, GOLD),
        "coverage": sentence_coverage(PERFECT),
        "support": support_rate(PERFECT, 1.0),
        "copy": copy_share(PERFECT, [DROPOUT, STRIDE]),
    } == {"validity": 1.0, "gold_cited": 1.0, "precision": 1.0, "coverage": 1.0, "support": 1.0, "copy": 1.0}


def test_an_empty_answer_scores_zero_except_validity_which_has_nothing_dangling():
    assert {
        "validity": citation_validity(EMPTY),
        "gold_cited": gold_cited(EMPTY, GOLD),
        "precision": citation_precision(EMPTY, GOLD),
        "coverage": sentence_coverage(EMPTY),
        "support": support_rate(EMPTY, 0.0),
        "copy": copy_share(EMPTY, [DROPOUT]),
        "words": answer_words(EMPTY),
    } == {
        "validity": 1.0,
        "gold_cited": 0.0,
        "precision": 0.0,
        "coverage": 0.0,
        "support": 0.0,
        "copy": 0.0,
        "words": 0,
    }


@pytest.mark.parametrize(
    ("text", "cited", "shown", "expected"),
    [
        ("Dropout drops neurons [1].", (DROPOUT,), (DROPOUT,), 1.0),
        ("Dropout drops neurons [1]. Stride moves [2].", (DROPOUT,), (DROPOUT,), 0.5),  # [2] has no Citation
        ("Dropout drops neurons [1].", (UNSHOWN,), (DROPOUT,), 0.0),  # cites a passage never shown
        ("Both [1, 2].", (DROPOUT, STRIDE), (DROPOUT, STRIDE), 1.0),
        ("Both [1, 3].", (DROPOUT, STRIDE), (DROPOUT, STRIDE), 0.5),  # [1, 3] is [1][3]
        ("Both [1][3].", (DROPOUT, STRIDE), (DROPOUT, STRIDE), 0.5),
        ("No markers at all.", (), (DROPOUT,), 1.0),
    ],
)
def test_citation_validity(text, cited, shown, expected):
    assert citation_validity(answer(text, *cited, shown=shown)) == expected


@pytest.mark.parametrize(
    ("cited", "gold_cited_expected", "precision_expected"),
    [
        ((DROPOUT,), 1.0, 1.0),
        ((STRIDE,), 0.0, 0.0),  # a wrong citation counts as wrong
        ((DROPOUT, STRIDE), 1.0, 0.5),
        ((STRIDE, UNSHOWN), 1.0, 0.5),  # gold is the question group, not one chunk id
        ((), 0.0, 0.0),
    ],
)
def test_gold_cited_and_label_precision(cited, gold_cited_expected, precision_expected):
    a = answer("Dropout drops neurons [1].", *cited)
    assert (gold_cited(a, GOLD), citation_precision(a, GOLD)) == (gold_cited_expected, precision_expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dropout drops neurons [1]. It prevents overfitting [1].", 1.0),
        ("Dropout drops neurons [1]. It prevents overfitting.", 0.5),
        ("Dropout drops neurons. [1]", 1.0),  # a trailing marker belongs to the sentence before it
        ("Dropout drops neurons [1, 2].", 1.0),
        ("No citation here. None here either.", 0.0),
    ],
)
def test_sentence_coverage(text, expected):
    assert sentence_coverage(answer(text, DROPOUT, STRIDE)) == expected


@pytest.mark.parametrize(
    ("text", "tau", "expected"),
    [
        ("Dropout drops neurons [1].", 1.0, 1.0),
        ("Dropout drops neurons [2].", 0.5, 0.0),  # cites stride: wrong passage, no support
        ("Dropout drops neurons.", 0.0, 0.0),  # no marker: unsupported whatever tau
        ("Dropout drops filter pixels [1].", 0.5, 1.0),  # 2 of 4 content tokens in passage 1
        ("Dropout drops filter pixels [1].", 0.75, 0.0),
        ("Dropout drops filter pixels [1, 2].", 1.0, 1.0),  # [1, 2] joins both passages
        ("Dropout drops filter pixels [1][2].", 1.0, 1.0),
        ("Dropout drops neurons [1]. Filter pixels [3].", 1.0, 0.5),  # [3] resolves to nothing
    ],
)
def test_support_rate(text, tau, expected):
    assert support_rate(answer(text, DROPOUT, STRIDE), tau) == expected


def test_a_quoted_answer_is_one_claim_under_its_citation():
    text = bot_extractive(DROPOUT).text
    assert statements(text) == [text.split("> ", 1)[1]]
    assert sentence_coverage(answer(text, DROPOUT)) == support_rate(answer(text, DROPOUT), 0.9) == 1.0
    assert support_rate(answer(text, STRIDE), 0.6) == 0.0  # the same quote cited to the wrong passage


def test_statements_are_sentences_when_nothing_is_quoted():
    assert statements("Dropout drops neurons [1]. Stride moves the filter [2].") == [
        "Dropout drops neurons [1].",
        "Stride moves the filter [2].",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (DROPOUT.text + " [1]", 1.0),  # a verbatim-pasted passage
        ("**Dropout** randomly drops neurons [1].", 1.0),  # markup and markers do not break a run
        ("Dropout randomly drops neurons, which I think works well", 4 / 9),
        ("Stride is the number of pixels; dropout randomly drops neurons", 6 / 10),  # best single passage
        ("Nothing in common here", 0.0),
    ],
)
def test_copy_share(text, expected):
    assert copy_share(answer(text), [DROPOUT, STRIDE]) == pytest.approx(expected)


def test_copy_share_without_passages_is_zero():
    assert copy_share(PERFECT, []) == 0.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Dropout drops neurons [1].", 3), ("[1, 2]", 0), ("", 0), ("It's 0.5 [1].", 4)],
)
def test_answer_words(text, expected):
    assert answer_words(answer(text)) == expected


# ---------------------------------------------------------------- the answer as text


@pytest.mark.parametrize(
    ("grounding", "expected"),
    [("generated", 1.0), ("repaired", 1.0), ("extractive", 0.0), ("refused", 0.0)],
)
def test_written_counts_what_the_model_wrote_not_what_was_quoted(grounding, expected):
    assert written(Answer(text="Dropout drops neurons [1].", grounding=grounding)) == expected


def test_spoken_text_drops_markers_and_the_quote_framing():
    quoted = bot_extractive(DROPOUT).text

    assert spoken_text("Dropout drops neurons [1]. It prevents overfitting [1, 2].") == (
        "Dropout drops neurons. It prevents overfitting."
    )
    assert spoken_text(quoted) == "Dropout randomly drops neurons during training to prevent overfitting."


def test_relevance_is_the_cosine_of_question_and_answer_vectors():
    assert relevance([1.0, 0.0], [3.0, 0.0]) == 1.0
    assert relevance([1.0, 0.0], [1.0, 1.0]) == pytest.approx(1 / math.sqrt(2))
    with pytest.raises(ValueError, match="one shape"):
        relevance([1.0, 0.0], [1.0, 0.0, 0.0])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dropout drops neurons [1]. Stride moves the filter [2].", 0.0),
        ("Dropout drops neurons [1]. Dropout drops neurons [2].", 1.0),  # the same sentence, other marker
        ("Dropout drops neurons [1]. Dropout drops the neurons.", 1.0),  # stopwords do not count
        ("Dropout drops random neurons in training [1]. Dropout drops random neurons [1].", 1.0),  # 4 of 5: 0.8
        ("Dropout drops random neurons [1]. In training, dropout drops random neurons in each layer.", 1.0),  # 4 in 6
        ("Dropout drops neurons at random [1]. Dropout drops neurons during training.", 0.0),  # 3 shared of 5
        ("Dropout helps [1]. Dropout helps training a lot.", 0.0),  # 2 in 4: too short to contain
        ("It is. It is.", 0.0),  # no content tokens, nothing to repeat
        ("", 0.0),
    ],
)
def test_repetition_flags_an_answer_that_says_a_sentence_twice(text, expected):
    assert repetition(answer(text)) == expected


def test_an_extractive_quote_is_not_a_repetition():
    assert repetition(answer(bot_extractive(DROPOUT).text)) == 0.0


# ---------------------------------------------------------------- aggregates


@pytest.mark.parametrize(("q", "expected"), [(0, 1.0), (50, 2.5), (95, 3.85), (100, 4.0)])
def test_percentile_interpolates_linearly(q, expected):
    assert percentile([4.0, 1.0, 3.0, 2.0], q) == pytest.approx(expected)
