"""The scope gate on its own: the calibrated confidence of the retrieval signals (`bot.decide` cuts it)."""

from dataclasses import replace

import pytest

from bot.gate import ScopeGate, confidence, features
from bot.lexicon import Lexicon
from bot.policy import LEXICON, ScopePolicy
from bot.retrieve import Hit
from bot.types import Passage

POLICY = ScopePolicy(("top_cosine",), (10.0,), -5.0, refuse_below=0.2, answer_from=0.6, quote_from=0.8)
DROPOUT = Passage("p1", "What is dropout?\n\nDropout randomly drops units.", "Basics", "What is dropout?", 0.0, (1, 3))


def hits(top: float, second: float = 0.1) -> list[Hit]:
    return [Hit(DROPOUT, top, 0.0), Hit(replace(DROPOUT, id="p2"), second, 0.0)]


def test_the_confidence_is_the_logistic_of_the_weighted_features():
    assert confidence(POLICY, {"top_cosine": 0.5}) == pytest.approx(0.5)
    assert confidence(POLICY, {"top_cosine": 0.7}) == pytest.approx(1 / (1 + 2.718281828**-2), rel=1e-6)


def test_features_name_every_signal_the_policy_may_weigh():
    signals = features("What is dropout?", hits(0.7, 0.4), {"dropout"})

    assert signals == pytest.approx({"top_cosine": 0.7, "margin": 0.3, "article_words": 1.0, "top_words": 1.0})


def test_the_gate_scores_a_question_and_has_nothing_to_score_without_hits_or_words():
    gate = ScopeGate({"dropout", "units"}, POLICY)

    assert gate.confidence("What is dropout?", hits(0.5)) == pytest.approx(0.5)
    assert gate.confidence("?!", hits(0.9)) is None
    assert gate.confidence("What is dropout?", []) is None


def test_the_gate_names_the_questions_words_the_article_never_uses():
    gate = ScopeGate({"dropout"}, POLICY, Lexicon([DROPOUT.text], LEXICON))

    assert gate.unknown("What is DropConnect?") == ("dropconnect",)
    assert gate.unknown("What is dropout?") == ()
    assert ScopeGate({"dropout"}, POLICY).unknown("What is DropConnect?") == ()
