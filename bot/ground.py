"""Check a draft answer against the passages it was shown, and repair or replace it.

Each sentence is scored for support against every shown passage (`common.text.support`, the
share of its content words the passage holds) and cites the best-ranked passage that supports
it; a sentence no passage supports is dropped, and so are markers that point at no shown
passage. Retrieval rank, not the model's marker, picks the passage: on the eval's 228 answered
questions the model's own markers gave gold-cited 0.79, rank-first attribution 0.84. Passage
headings the model copied are removed first. If too little supported text is left, or the best
passage supports none of it, the answer becomes the article's own answer for the best passage,
quoted and cited. Deliberately not handled: entailment (no NLI model ships offline), so a
sentence that reuses the passage's words with the wrong meaning can pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.types import Citation, Grounding, Passage
from common.text import MARKER, content_tokens, markers, plain_for_quote, sentences, support

SUPPORT_THRESHOLD = 0.6
MIN_SENTENCE_TOKENS = 2
MIN_SUPPORTED_TOKENS = 4
QUOTE_WORDS = 90
_NOT_COVERED = re.compile(r"does not cover|doesn't cover|not covered|cannot answer|can't answer", re.I)


@dataclass(frozen=True)
class Grounded:
    """A checked answer text, the citations its markers resolve to, and what happened to the draft."""

    text: str
    citations: list[Citation]
    grounding: Grounding


def ground(draft: str, passages: list[Passage], threshold: float = SUPPORT_THRESHOLD) -> Grounded:
    """Make every sentence of `draft` carry a marker to a passage that supports it.

    A draft that the best-ranked passage supports nowhere answered from a neighbour instead (the
    default model does that often), so it is replaced by the best passage's own answer.
    """
    if not passages:
        return Grounded(draft.strip(), [], "generated")
    kept: list[str] = []
    seen: set[tuple[str, ...]] = set()
    changed = False
    for sentence in sentences(_drop_echoes(_tidy(draft), passages)):
        body = re.sub(r"\s+([.!?,;:])", r"\1", MARKER.sub("", sentence)).strip()
        tokens = tuple(content_tokens(body))
        if len(tokens) < MIN_SENTENCE_TOKENS or tokens in seen or body.endswith("?") or _NOT_COVERED.search(body):
            changed = True  # too short, a repeat, an echoed question, or a non-answer
            continue
        seen.add(tokens)
        scores = [support(body, p.text) for p in passages]
        supporting = [i for i, score in enumerate(scores) if score >= threshold]
        if not supporting:
            changed = True
            continue
        cited = [supporting[0] + 1]  # the best-ranked passage that supports it, whatever the model wrote
        if cited != markers(sentence):
            changed = True
        kept.append(_with_markers(body, cited))
    if sum(len(content_tokens(s)) for s in kept) < MIN_SUPPORTED_TOKENS or not any(1 in markers(s) for s in kept):
        return extractive(passages[0])
    text = " ".join(kept)
    return Grounded(text, _citations(text, passages), "repaired" if changed else "generated")


def extractive(passage: Passage, n: int = 1) -> Grounded:
    """The article's own answer for `passage`, quoted (never presented as the model's words)."""
    plain = plain_for_quote(passage.answer)  # code like x[0] becomes x(0): it must not read as a citation
    words = plain.split()
    quote = " ".join(words[:QUOTE_WORDS]) + (" ..." if len(words) > QUOTE_WORDS else "")
    text = f'The article answers "{passage.question}":\n\n> {quote} [{n}]'
    return Grounded(text, [Citation(n, passage)], "extractive")


def _citations(text: str, passages: list[Passage]) -> list[Citation]:
    return [Citation(n, passages[n - 1]) for n in sorted(set(markers(text)))]


def _tidy(draft: str) -> str:
    text = re.sub(r"(?m)^\s*(?:[-*]|\d+\.)\s+", "", draft)
    return text.replace("**", "").strip()


def _drop_echoes(draft: str, passages: list[Passage]) -> str:
    """Remove passage headings the model copied ("[1] What is dropout?"): a restated question is no
    answer, and a heading like "Deep learning vs. Machine learning" would split into fake sentences."""
    for passage in passages:
        words = passage.question.rstrip("?:. ").split()
        if len(words) >= 2:
            heading = r"\s+".join(map(re.escape, words))
            draft = re.sub(rf"(?m)(?:^|\[\d+\])[ \t]*{heading}[ \t]*(?:[?:]|\.?[ \t]*$)", " ", draft, flags=re.I)
    return draft


def _with_markers(body: str, cited: list[int]) -> str:
    """'Dropout drops neurons.' + [1] -> 'Dropout drops neurons [1].'"""
    stop = body[-1] if body[-1] in ".!?" else "."
    return f"{body.rstrip('.!?:; ')} {''.join(f'[{n}]' for n in cited)}{stop}"
