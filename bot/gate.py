"""Scope gate: decide from retrieval signals whether the article covers a question.

Top cosine alone cannot separate the sets (in-scope paraphrases go as low as 0.28, an
out-of-scope question reaches 0.48), so three signals are combined by a logistic model:
top dense cosine, the share of the question's content words found anywhere in the article,
and the share found in the top passage. Coefficients were fitted (C=10, balanced classes) on
the article's own questions plus the dev halves of `data/eval/paraphrases.jsonl` and
`data/eval/out_of_scope.jsonl`; on the held-out test halves, threshold 0.3 refused 0.95 of
out-of-scope questions and 0.05 of paraphrases. Prompt-injection text is refused outright.
Between `floor` and the threshold the verdict is tentative: the question is answered only if the model's
answer survives grounding (`bot.core`), because there the retrieval signals overlap (dev: paraphrases
down to 0.06, out-of-scope questions up to 0.27) and a wrong passage shows in the draft instead.
Deliberately not handled: questions in other languages are judged on the same signals.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bot.retrieve import Hit
from common.text import content_tokens

COEFFICIENTS = (8.51, 3.63, 4.54)
INTERCEPT = -7.86
FLOORS = {"qwen": 0.05}  # the tentative band's lower end per model family, set on the dev halves
_INJECTION = re.compile(
    r"ignor\w*\s+(all\s+|any\s+|the\s+|your\s+)*(previous|prior|above|earlier)?\s*(instruction|rule|guideline)"
    r"|ignora\w*\s+.*instruc|system\s+prompt|prompt\s+de\s+sistema|repeat\s+everything\s+above|you\s+are\s+now\s+\w+"
    r"|disregard\s+(the|your|all)|new\s+system\s+message|developer\s+mode|debug\s+mode|jailbreak|\bDAN\b",
    re.I,
)


def gate_floor(family: str, setting: float | None) -> float | None:
    """The tentative band's lower end: the setting when given, else the family's own; None = no band.

    SmolLM2 has none: it answers out-of-scope questions with the passage's own sentences, which pass every
    check (out-of-scope refused fell from 0.975 to 0.925 on the first 40 with a band).
    """
    return setting if setting is not None else FLOORS.get(family)


@dataclass(frozen=True)
class Verdict:
    """The gate's decision with the signals behind it, for the UI and the eval."""

    in_scope: bool
    confidence: float
    reason: str
    tentative: bool = False  # in scope only if the answer survives grounding


class ScopeGate:
    """Refuses questions the article does not cover, before any text is generated."""

    def __init__(self, article_vocabulary: set[str], threshold: float = 0.3, floor: float | None = None) -> None:
        self.vocabulary = article_vocabulary
        self.threshold = threshold
        self.floor = threshold if floor is None else min(floor, threshold)

    def judge(self, question: str, hits: list[Hit]) -> Verdict:
        if _INJECTION.search(question):
            return Verdict(False, 0.0, "instructions to the assistant, not a question about the article")
        tokens = content_tokens(question)
        if not hits or not tokens:
            return Verdict(False, 0.0, "no content words that the article could answer")
        top_tokens = set(content_tokens(hits[0].passage.text))
        features = (
            hits[0].dense,
            sum(t in self.vocabulary for t in tokens) / len(tokens),
            sum(t in top_tokens for t in tokens) / len(tokens),
        )
        z = INTERCEPT + sum(w * x for w, x in zip(COEFFICIENTS, features, strict=True))
        confidence = 1.0 / (1.0 + math.exp(-z))
        if confidence >= self.threshold:
            return Verdict(True, round(confidence, 4), "covered by the article")
        if confidence >= self.floor:
            return Verdict(
                True, round(confidence, 4), "uncertain: answered only if the answer survives the checks", True
            )
        return Verdict(False, round(confidence, 4), "not covered by the article")
