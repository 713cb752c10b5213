"""Scope gate: decide from retrieval signals whether the article answers a question, in three outcomes.

One calibrated logistic model (`bot.policy.ScopePolicy`, fitted by `eval/calibrate_gate.py` on the dev
halves, hard negatives included) turns the gate features of the top passages into a confidence. Below the
policy's `refuse_below` the question is refused; from `answer_from` up it is answered. Between, the
verdict is tentative: the article has a close entry but may not answer this question. There a model
family that can settle it drafts an answer, which stands only if it is the model's own words, mostly kept
by grounding and about the question (`settle`); otherwise, and for other families at once, the outcome is
*related*: the closest entry is shown as the closest entry, never as the answer. A refusal on these signals
gets a second look (`second_look`) where the policy was calibrated on the expanding model: a question worded
unlike the article ("Glorot init") whose closed-book answer lands close to an entry becomes tentative.
Prompt-injection text is refused outright. Deliberately not handled: questions in other languages are judged
on the same signals.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from bot.ground import Grounded
from bot.policy import TENTATIVE_FAMILIES, ScopePolicy
from bot.retrieve import Hit
from common.text import content_tokens

Decision = Literal["answer", "check", "related", "refuse"]
_INJECTION = re.compile(
    r"ignor\w*\s+(all\s+|any\s+|the\s+|your\s+)*(previous|prior|above|earlier)?\s*(instruction|rule|guideline)"
    r"|ignora\w*\s+.*instruc|system\s+prompt|prompt\s+de\s+sistema|repeat\s+everything\s+above|you\s+are\s+now\s+\w+"
    r"|disregard\s+(the|your|all)|new\s+system\s+message|developer\s+mode|debug\s+mode|jailbreak|\bDAN\b",
    re.I,
)


@dataclass(frozen=True)
class Verdict:
    """The gate's decision with the confidence behind it, for the bot, the UI and the eval.

    `decision` is `answer`, `check` (tentative: a draft settles it), `related` or `refuse`;
    `quote_ok` says whether a quote of the top passage may stand as the answer; `reconsider`, whether
    a refusal came from the scope model alone, which a second look may overturn.
    """

    decision: Decision
    confidence: float
    reason: str
    quote_ok: bool = False
    reconsider: bool = False

    @property
    def tentative(self) -> bool:
        return self.decision == "check"


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
    """Refuses questions the article does not cover before any text is generated, and settles the rest.

    `threshold` and `floor` override the policy's `answer_from` and `refuse_below` (`BOT_GATE_*`).
    """

    def __init__(
        self,
        article_vocabulary: set[str],
        policy: ScopePolicy,
        family: str,
        threshold: float | None = None,
        floor: float | None = None,
    ) -> None:
        self.vocabulary = article_vocabulary
        self.policy = policy
        self.threshold = policy.answer_from if threshold is None else threshold
        self.floor = min(policy.refuse_below if floor is None else floor, self.threshold)
        self.drafts = family in TENTATIVE_FAMILIES

    def judge(self, question: str, hits: list[Hit]) -> Verdict:
        if _INJECTION.search(question):
            return Verdict("refuse", 0.0, "instructions to the assistant, not a question about the article")
        if not hits or not content_tokens(question):
            return Verdict("refuse", 0.0, "no content words that the article could answer")
        p = round(confidence(self.policy, features(question, hits, self.vocabulary)), 4)
        quote_ok = p >= max(self.policy.quote_from, self.threshold)
        if p >= self.threshold:
            return Verdict("answer", p, "covered by the article", quote_ok)
        if p >= self.floor:
            if self.drafts:
                return Verdict("check", p, "uncertain: answered only if the answer survives the checks")
            return Verdict("related", p, "a close entry, which may not answer the question")
        return Verdict("refuse", p, "not covered by the article", reconsider=True)

    def looks_again(self, verdict: Verdict, expander: Callable[[], str]) -> bool:
        """Whether a second look could overturn `verdict`: a scope-model refusal, and an expanding model
        whose closed-book answers the policy's `rescue_from` was set on (`expander` names it; asked only
        when the policy has a second look, since naming it may load the model)."""
        return verdict.reconsider and bool(self.policy.rescue_models) and expander() in self.policy.rescue_models

    def second_look(self, verdict: Verdict, expanded_cosine: float) -> Verdict:
        """`verdict` reconsidered on the top cosine of the question plus its closed-book expansion."""
        if not verdict.reconsider or expanded_cosine < self.policy.rescue_from:
            return verdict
        decision: Decision = "check" if self.drafts else "related"
        return Verdict(decision, verdict.confidence, "worded unlike the article, but its answer is close to an entry")

    def settle(
        self, verdict: Verdict, checked: Grounded, relevance: Callable[[], float]
    ) -> Literal["answered", "related"]:
        """The outcome of a drafted answer: a quote only where the gate is sure the entry answers, and a
        tentative draft only when it is the model's own words, mostly kept by the checks and about the question."""
        if checked.grounding == "extractive":
            return "answered" if verdict.quote_ok else "related"
        if not verdict.tentative:
            return "answered"
        stands = checked.kept_share > self.policy.stand_share and relevance() >= self.policy.stand_relevance
        return "answered" if stands else "related"
