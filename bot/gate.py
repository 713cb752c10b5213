"""Scope gate: how confident the retrieval signals are that the article answers a question.

One calibrated logistic model (`bot.policy.ScopePolicy`, fitted by `tools/calibrate_gate.py` on the dev
halves, hard negatives included) turns the gate features of the top passages into a confidence; beside it
stand the question's words the article never uses (`bot.lexicon`). Where the confidence is cut, and what
follows (refuse, related, a tentative draft, the second look), is `bot.decide`'s.
Deliberately not handled: questions in other languages are judged on the same signals.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from bot.lexicon import Lexicon
from bot.policy import ScopePolicy
from bot.retrieve import Hit
from common.text import content_tokens


def features(question: str, hits: list[Hit], vocabulary: set[str]) -> dict[str, float]:
    """Every signal the scope model may read, by name; the policy picks and weighs some of them."""
    tokens = content_tokens(question)
    top_tokens = set(content_tokens(hits[0].passage.text))
    return {
        "top_cosine": hits[0].dense,
        "margin": hits[0].dense - hits[1].dense if len(hits) > 1 else hits[0].dense,
        "article_words": sum(t in vocabulary for t in tokens) / len(tokens),
        "top_words": sum(t in top_tokens for t in tokens) / len(tokens),
    }


def confidence(policy: ScopePolicy, signals: Mapping[str, float]) -> float:
    z = policy.intercept + sum(w * signals[name] for name, w in zip(policy.features, policy.coefficients, strict=True))
    return 1.0 / (1.0 + math.exp(-z))


class ScopeGate:
    """The scope model over one index: the article's vocabulary and the embedder's policy; with a `lexicon`,
    also the question's words the article never uses."""

    def __init__(self, article_vocabulary: set[str], policy: ScopePolicy, lexicon: Lexicon | None = None) -> None:
        self.vocabulary = article_vocabulary
        self.policy = policy
        self.lexicon = lexicon

    def unknown(self, question: str) -> tuple[str, ...]:
        """Rare words of `question` that nothing in the article accounts for (none without a lexicon)."""
        return self.lexicon.unknown(question) if self.lexicon is not None else ()

    def variant(self, question: str) -> tuple[str, ...]:
        """For "What is Monte Carlo dropout?": the words naming a kind of an article term the article never
        mentions (none without a lexicon)."""
        return self.lexicon.variant(question) if self.lexicon is not None else ()

    def confidence(self, question: str, hits: list[Hit]) -> float | None:
        """The probability that the article answers `question`; None when there is nothing to score."""
        if not hits or not content_tokens(question):
            return None
        return confidence(self.policy, features(question, hits, self.vocabulary))
