"""Check a draft answer against the passages it was shown, and repair or replace it.

With a judge (`bot.judge`, the default), a draft sentence stands when it is a near-verbatim run of a shown
passage's words, or when the judge's p(yes) that the passage states it is sure (`GROUNDING.judge_sure`), or reaches
the cut and the sentence has lexical support too (the judge says yes to fluent on-topic claims); beside it run only
the word rules the grounding eval shows to add (`GROUNDING.judged_rules`). Where the passage contrasts two bold terms
and the sentence names one, the judge also scores it with the other term: if that version scores higher
(`GROUNDING.contrast_margin`), the sentence said of one thing what the passage says of the other ("contrast").
Likewise with its negation dropped or a direction word turned around ("slower" -> "faster"): a version the judge
finds clearly truer (`GROUNDING.flip_margin`) means the sentence reversed its passage ("flip").
The sentence's own marker picks the passage tried first (one passage prefix per answer for the judge's cache),
then the others by rank.

Without a judge the word rules stand in, every sentence against the best-ranked shown passage that passes:
- support: lexical (the share of its content words the passage holds, ALCE-style, >= 0.6), or semantic
  (the embedder's cosine to the passage's closest sentence >= 0.75, with lexical >= 0.4);
- numbers, terms, polarity, order, repeat: the word rules of `bot.word_rules` (foreign numbers and terms, negation
  or reversal, swapped, misplaced or narrowed terms, a restated sentence);
- relevance: it is about the question or the passage the answer rests on (embedder similarity).
Headings the model copied are removed first, and sentences that run a code block into one line of prose (reason
`code`: noise to a reader, and the entry under Sources shows the code) or trail off where the prompt cut their
passage (`unfinished`: "The modified loss ..."). If too little is left, or the best passage supports none of it,
the answer becomes the article's own answer for the best passage, quoted and cited. Both are measured on
`data/eval/grounding.jsonl` (`python tools/grounding.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from bot.items import separate_items
from bot.judge import Judge
from bot.policy import GROUNDING
from bot.types import Citation, Grounding, Judgement, Passage
from bot.word_rules import (
    contrasted,
    flipped,
    foreign_numbers,
    foreign_terms,
    misplaced,
    narrowed,
    repeats,
    reversed_copy,
    reversed_roles,
    same_polarity,
    swapped,
    verbatim,
)
from common.embed import Embedder
from common.text import (
    MARKER,
    code_blocks,
    content_tokens,
    markers,
    plain_for_embedding,
    plain_for_quote,
    prose,
    sentences,
    support,
    words,
)

# Checks that ask the judge about altered versions of a sentence: they can only drop it, so they are asked only of a
# sentence every other check lets stand (each costs a judge call per version).
_ONLY_IF_STANDING = ("contrast", "flip")
REASONS = ("support", "numbers", "terms", "polarity", "order", "relevance", "repeat", "judge", "contrast", "flip")
_NOT_COVERED = re.compile(r"does not cover|doesn't cover|not covered|cannot answer|can't answer", re.I)
# An answer cannot open on "This introduces noise": what "this" was is not shown (a copied sentence out of its
# context, or the draft's own claim dropped before it).
_DANGLING = re.compile(r"^(?:this|that|these|those|such)\b", re.I)
_COMMENT = re.compile(r"(?m)(?:#|//).*$")


@dataclass(frozen=True)
class SentenceCheck:
    """One sentence checked against one passage: kept, or the reasons (from `REASONS`) it was rejected."""

    kept: bool
    failed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Grounded:
    """A checked answer text, the citations its markers resolve to, and what happened to the draft."""

    text: str
    citations: list[Citation]
    grounding: Grounding
    kept_share: float = field(default=1.0, compare=False)  # of the draft's answer sentences, the share kept
    judge: str = ""  # the model that judged the sentences; "" when word rules checked them
    judgements: tuple[Judgement, ...] = field(default=(), compare=False)  # each considered draft sentence
    added: str = ""  # the entry's sentence a thin answer was completed with (`bot.complete`)


class Grounder:
    """Holds what the checks need across answers: the embedder, the article's term list, a judge.

    Args:
        embedder: for the semantic and relevance checks; `None` keeps them off (lexical only).
        terms: stems the article treats as technical (see `article_terms`), or a future of them (the
            bot computes them in the background while the model loads); empty = shape rules only.
        judge: the model that says whether a passage states a sentence, or a loader of it; `None` = word rules only.
        judged_rules: the word rules that still run beside a judge (the grounding eval's choice by default).
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        terms: frozenset[str] | Future[frozenset[str]] = frozenset(),
        judge: Judge | Callable[[], Judge | None] | None = None,
        judged_rules: tuple[str, ...] = GROUNDING.judged_rules,
    ) -> None:
        self.embedder = embedder
        self._terms = terms
        self._judge = judge
        self.judged_rules = judged_rules
        self._vectors: dict[str, np.ndarray] = {}

    @property
    def judge(self) -> Judge | None:
        """The judge, asked for on first use when given as a loader (the bot's loads in the background)."""
        if callable(self._judge):
            self._judge = self._judge()
        return self._judge

    @property
    def terms(self) -> frozenset[str]:
        if isinstance(self._terms, Future):
            self._terms = self._terms.result()
        return self._terms

    def check(self, sentence: str, passage: Passage, question: str, earlier: Iterable[str] = ()) -> SentenceCheck:
        """Whether `sentence` (markers ignored) may stand with `passage` cited, in answer to `question`."""
        body = _body(sentence)
        failed: list[str] = []
        for name, test in self._tests(body, passage, question, list(earlier)):
            if (name not in _ONLY_IF_STANDING or not failed) and not test():
                failed.append(name)
        return SentenceCheck(not failed, tuple(failed))

    def ground(self, draft: str, passages: list[Passage], question: str = "") -> Grounded:
        """Make every sentence of `draft` carry a marker to a shown passage that states it.

        A draft that the best-ranked passage supports nowhere answered from a neighbour instead, so
        it is replaced by the best passage's own answer.
        """
        if not passages:
            return Grounded(draft.strip(), [], "generated")
        kept: list[str] = []
        bodies: list[str] = []
        judged: list[Judgement] = []
        changed = False
        considered = 0
        for sentence in sentences(_drop_echoes(_tidy(draft), passages)):
            body = _body(sentence)
            past = len(kept) >= GROUNDING.most_sentences
            if past and not _goes_on(sentence, body, kept, passages[0]):
                changed = True  # the prompt asks for at most four; more is a passage copied on and on
                break
            if len(content_tokens(body)) < GROUNDING.min_sentence_tokens or body.endswith("?"):
                changed = True  # too short, or an echoed question
                continue
            if any(_code_line(body, p.text) for p in passages):
                changed = True  # code run into one line of prose reads as noise; the entry under Sources shows it
                judged.append(Judgement(body, None, ("code",)))
                continue
            if body.endswith(("...", "…")):
                changed = True  # a copy that ran into the prompt's cut of its passage ("The modified loss ...")
                judged.append(Judgement(body, None, ("unfinished",)))
                continue
            if past:  # past four, the answer goes on only while the top entry states it
                if not self.check(body, passages[0], question, bodies).kept:
                    changed = True
                    break
                judged.append(Judgement(body, 1, ()))
                bodies.append(body)
                kept.append(_shown(body, passages, 1))
                considered += 1
                continue
            considered += 1
            if unfit := _unfit(body, opens=not kept):
                changed = True
                judged.append(Judgement(body, None, (unfit,)))
                continue
            cited, first = None, None
            for n in self._order(sentence, len(passages)):
                checked = self.check(body, passages[n - 1], question, bodies)
                first = first or checked
                if checked.kept:
                    cited = n
                    break
            judged.append(Judgement(body, cited, () if cited else first.failed if first else ()))
            if cited is None:
                changed = True
                continue
            if markers(sentence) != [cited]:
                changed = True
            bodies.append(body)
            kept.append(_shown(body, passages, cited))
        share = len(kept) / max(1, considered)
        judge = self.judge.name if self.judge is not None else ""
        if sum(len(content_tokens(s)) for s in kept) < GROUNDING.min_supported_tokens or not any(
            1 in markers(s) for s in kept
        ):
            return replace(extractive(passages[0], kept_share=share), judgements=tuple(judged), judge=judge)
        text = " ".join(kept)
        grounding: Grounding = "repaired" if changed else "generated"
        return Grounded(text, _citations(text, passages), grounding, share, judge, tuple(judged))

    def _order(self, sentence: str, shown: int) -> list[int]:
        """Passage numbers to try: by rank, or (with a judge) the sentence's own markers first."""
        ranked = list(range(1, shown + 1))
        if self.judge is None:
            return ranked
        own = [n for n in dict.fromkeys(markers(sentence)) if 1 <= n <= shown]
        return [*own, *(n for n in ranked if n not in own)]

    def _tests(
        self, body: str, passage: Passage, question: str, earlier: list[str]
    ) -> list[tuple[str, Callable[[], bool]]]:
        rules = self._rules(body, passage, question, earlier)
        if self.judge is None:
            return rules
        judge = self.judge
        judged = [
            (
                "judge",
                lambda: (
                    verbatim(body, passage.text)
                    or judge.sure(passage.text, body)
                    or (judge.states(passage.text, body) and support(body, passage.text) >= GROUNDING.support)
                ),
            ),
            ("contrast", lambda: not self._contrasted(body, passage.text)),
            ("flip", lambda: not self._flipped(body, passage.text)),
        ]
        return [t for t in rules if t[0] in self.judged_rules] + judged

    def _contrasted(self, body: str, passage_text: str) -> bool:
        """Whether the judge finds `body` truer with its one bold term exchanged for the other the passage contrasts."""
        rival = contrasted(body, passage_text)
        return rival is not None and self._truer([rival], body, passage_text, GROUNDING.contrast_margin)

    def _flipped(self, body: str, passage_text: str) -> bool:
        """Whether the judge finds `body` clearly truer with its negation dropped or a direction word turned around."""
        return self._truer(flipped(body), body, passage_text, GROUNDING.flip_margin)

    def _truer(self, versions: list[str], body: str, passage_text: str, margin: float) -> bool:
        """Whether the judge scores one of `versions` of `body` at least `margin` above `body` itself; a
        near-verbatim `body` is never asked (the judge leans to what its passage lists first)."""
        if not versions or self.judge is None or verbatim(body, passage_text):
            return False
        own = self.judge.support(passage_text, body)
        if own > 1 - margin:
            return False  # no version can lead it by the margin: a p(yes) is at most 1
        return any(self.judge.support(passage_text, v) - own >= margin for v in versions)

    def _rules(
        self, body: str, passage: Passage, question: str, earlier: list[str]
    ) -> list[tuple[str, Callable[[], bool]]]:
        tests: list[tuple[str, Callable[[], bool]]] = [
            ("repeat", lambda: not any(repeats(body, e) for e in earlier)),
            ("support", lambda: self._supported(body, passage)),
            ("numbers", lambda: not foreign_numbers(body, passage.text, question)),
            ("terms", lambda: not foreign_terms(body, passage, question, self.terms)),
            ("polarity", lambda: same_polarity(body, passage.text)),
            (
                "order",
                lambda: (
                    not swapped(body, passage.answer)
                    and not misplaced(body, passage.answer, self.terms)
                    and not reversed_roles(body, passage.answer)
                    and not narrowed(body, passage.answer, self.terms)
                    and not reversed_copy(body, passage.text)
                ),
            ),
        ]
        if self.embedder is not None:
            tests.append(("relevance", lambda: self._relevant(body, passage, question)))
        return tests

    def _supported(self, body: str, passage: Passage) -> bool:
        lexical = support(body, passage.text)
        if lexical >= GROUNDING.support:
            return True
        if self.embedder is None or lexical < GROUNDING.semantic_floor:
            return False
        return self.semantic(body, passage) >= GROUNDING.semantic

    def semantic(self, body: str, passage: Passage) -> float:
        """Cosine between the sentence and the passage's closest sentence (or the whole passage)."""
        units = [
            passage.answer,
            *(s for s in sentences(plain_for_embedding(passage.answer)) if len(content_tokens(s)) >= 3),
        ]
        vector = self._vector(body)
        return max(float(vector @ self._vector(u)) for u in units)

    def relevance(self, text: str, question: str) -> float:
        """Cosine between a whole answer (markers removed) and the question; 1.0 without an embedder."""
        if self.embedder is None:
            return 1.0
        return float(self._vector(plain_for_embedding(MARKER.sub(" ", text))) @ self._vector(question))

    def _relevant(self, body: str, passage: Passage, question: str) -> bool:
        """About the question or the passage's title, or a restatement of one of the passage's sentences:
        a detail ("This can be avoided by batch normalization") reads unlike the title but is on topic."""
        vector = self._vector(body)
        about = [passage.question or passage.text[: GROUNDING.title_chars], *([question] if question else [])]
        if max(float(vector @ self._vector(t)) for t in about) >= GROUNDING.relevance:
            return True
        return self.semantic(body, passage) >= GROUNDING.semantic

    def _vector(self, text: str) -> np.ndarray:
        if text not in self._vectors:
            if len(self._vectors) > 4096:
                self._vectors.clear()
            self._vectors[text] = self.embedder.embed_query(text)  # type: ignore[union-attr]
        return self._vectors[text]


def extractive(passage: Passage, n: int = 1, kept_share: float = 0.0) -> Grounded:
    """The article's own answer for `passage`, quoted (never presented as the model's words).

    Its code is left out where it has prose: flattened into the quote's one paragraph, code reads as noise ("python
    import numpy as np Model parameters weights = ..."), and the entry under Sources shows it."""
    # code like x[0] becomes x(0): it must not read as a citation
    said = prose(passage.answer)
    plain = separate_items(plain_for_quote(said if content_tokens(said) else passage.answer), passage.answer)
    words_ = plain.split()
    quote = " ".join(words_[: GROUNDING.quote_words]) + (" ..." if len(words_) > GROUNDING.quote_words else "")
    text = f'The article answers "{passage.question}":\n\n> {quote} [{n}]'
    return Grounded(text, [Citation(n, passage)], "extractive", kept_share)


def related(passage: Passage, n: int = 1) -> Grounded:
    """The closest entry, named as the closest entry: for a question the article does not answer directly."""
    text = f'The article does not answer this directly. The closest entry is "{passage.question or passage.section}" [{n}].'
    return Grounded(text, [Citation(n, passage)], "related")


def _unfit(body: str, opens: bool) -> str:
    """Why a sentence cannot stand whatever its passage says ("" if it can): it says the article does not cover the
    question, or it would open the answer (`opens`) on what it does not show ("This introduces noise ...")."""
    if _NOT_COVERED.search(body):
        return "not covered"
    return "dangling" if opens and _DANGLING.match(body) else ""


def _goes_on(sentence: str, body: str, kept: list[str], top: Passage) -> bool:
    """Whether a sentence past the fourth may still be checked: the answer is below `most_top_sentences`, and the
    sentence carries on with the top entry (marked [1] or unmarked) in prose, not code flattened into a line."""
    own = markers(sentence)
    return len(kept) < GROUNDING.most_top_sentences and own in ([], [1]) and not _code_line(body, top.text)


def _code_line(body: str, passage_text: str) -> bool:
    """True when `body` holds a run of a fenced code block's tokens (the model copies code as one flat line); its
    comments are prose ("# Moving average of squared gradients"), so a sentence saying the same is no code."""
    said = words(body)
    return any(
        any(tuple(said[i : i + run]) in grams for i in range(len(said) - run + 1))
        for run, grams in _code_runs(passage_text)
    )


@lru_cache(maxsize=256)
def _code_runs(passage_text: str) -> tuple[tuple[int, frozenset[tuple[str, ...]]], ...]:
    """Per code block of a passage, the run length a sentence must match and the block's runs of that length: built
    once per passage, not once per sentence checked against it."""
    runs = []
    for block in code_blocks(passage_text):
        code = words(_COMMENT.sub("", block))
        run = min(GROUNDING.verbatim_words, len(code))
        runs.append((run, frozenset(tuple(code[i : i + run]) for i in range(len(code) - run + 1))))
    return tuple(runs)


def _body(sentence: str) -> str:
    return re.sub(r"\s+([.!?,;:])", r"\1", MARKER.sub("", sentence)).strip()


def _citations(text: str, passages: list[Passage]) -> list[Citation]:
    return [Citation(n, passages[n - 1]) for n in sorted(set(markers(text)))]


def _tidy(draft: str) -> str:
    text = re.sub(r"(?m)^\s*(?:[-*]|\d+\.)\s+|^\s*\[(?![\d,\s]+\])", "", draft)
    return text.replace("**", "").strip()


def _drop_echoes(draft: str, passages: list[Passage]) -> str:
    """Remove passage headings the model copied ("[1] What is dropout?"): a restated question is no
    answer, and a heading like "Deep learning vs. Machine learning" would split into fake sentences."""
    for passage in passages:
        words_ = passage.question.rstrip("?:. ").split()
        if len(words_) >= 2:
            heading = r"\s+".join(map(re.escape, words_))
            draft = re.sub(rf"(?m)(?:^|\[\d+\])[ \t]*{heading}[ \t]*(?:[?:]|\.?[ \t]*$)", " ", draft, flags=re.I)
    return draft


def _shown(body: str, passages: list[Passage], cited: int) -> str:
    """A kept sentence as the user reads it: list items it ran together separated again, its marker set.
    'Dropout drops neurons.' citing [1] -> 'Dropout drops neurons [1].'"""
    body = separate_items(body, passages[cited - 1].text)
    stop = body[-1] if body[-1] in ".!?" else "."
    return f"{body.rstrip('.!?:; ')} [{cited}]{stop}"
