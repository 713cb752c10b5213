"""Check a draft answer against the passages it was shown, and repair or replace it.

Each draft sentence must pass every check, against the best-ranked shown passage that supports it:
- support: lexical (the share of its content words the passage holds, ALCE-style) or semantic (the
  embedder's cosine to the passage's closest sentence), so a correct sentence in the model's own
  words survives while a sentence about something else does not;
- terms: its technical terms (numbers, acronyms such as PReLU or RMSProp, and the words the article's
  own questions are about) all occur in the passage, so a term or number from elsewhere fails;
- polarity: it negates (not, never, without) or reverses (increase/decrease) no more and no less
  than the passage clause it restates;
- order: a term is not placed among the words the passage says of another term (swapped roles);
- relevance: it is about the question or the passage the answer rests on (embedder similarity);
- repeat: it does not restate an earlier sentence;
- selfcheck (optional, `BOT_SELF_CHECK`): the loaded model says yes to "does the passage state this?".
Retrieval rank, not the model's marker, picks the cited passage: on the eval's answered questions the
model's own markers gave gold-cited 0.79, rank-first attribution 0.84. Headings the model copied are
removed first. If too little is left, or the best passage supports none of it, the answer becomes the
article's own answer for the best passage, quoted and cited. Deliberately not handled: entailment in
general (no NLI model ships offline); the checks are rules, measured on `data/eval/grounding.jsonl`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from bot.types import Citation, Grounding, Passage
from common.embed import Embedder
from common.text import (
    MARKER,
    STOPWORDS,
    content_tokens,
    markers,
    plain_for_embedding,
    plain_for_quote,
    sentences,
    stem,
    support,
    words,
)

CHECKS = ("support", "terms", "polarity", "order", "relevance", "repeat", "selfcheck")
SUPPORT_THRESHOLD = 0.6  # lexical support that alone carries a sentence
SEMANTIC_THRESHOLD = 0.75  # cosine to the passage's closest sentence that carries it without the words
SEMANTIC_FLOOR = 0.4  # lexical support a semantic match still needs (guards against fluent off-topic text)
RELEVANCE_THRESHOLD = 0.3  # below this cosine to both the question and the top passage, a sentence is off topic
REPEAT_OVERLAP = 0.7
RARE, RARE_ALONE = 4.0, 5.0  # wordfreq zipf: below it a bold word counts as a term (rarer than "maps", "rule")
MIN_SENTENCE_TOKENS = 2
MIN_SUPPORTED_TOKENS = 4
QUOTE_WORDS = 90
_NOT_COVERED = re.compile(r"does not cover|doesn't cover|not covered|cannot answer|can't answer", re.I)
_NEGATIONS = frozenset(["not", "no", "never", "none", "without", "cannot", "nor", "neither"])
_NEGATION_SUFFIX = re.compile(r"n't\b|n’t\b", re.I)
_OPPOSITES = [
    ("increas", "decreas"),
    ("increas", "reduc"),
    ("higher", "lower"),
    ("larger", "smaller"),
    ("faster", "slower"),
    ("better", "wors"),
    ("maxim", "minim"),
    ("prevent", "caus"),
    ("improv", "degrad"),
    ("underfit", "overfit"),
    ("high", "low"),
    ("larg", "small"),
    ("fast", "slow"),
    ("add", "remov"),
]
_CLAUSE = re.compile(r"[.;!?]\s+|,\s*(?:while|whereas|but|and|which)\b|\b(?:while|whereas)\b|\n+", re.I)
_PREFIXES = ("un", "non")
_PRONOUN = re.compile(r"(?:it|this|these|they|that|those|its|their)\b", re.I)
_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"])
    if i >= 2
}
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_TERM_SHAPE = re.compile(r"^(?:\d[\d.]*|[A-Za-z]*[A-Z][A-Za-z]*[A-Z0-9][A-Za-z0-9]*|[A-Z]{2,}s?|[A-Za-z]+\d+)$")


@dataclass(frozen=True)
class SentenceCheck:
    """One sentence's verdict: kept, or the names of the checks (from `CHECKS`) that rejected it."""

    kept: bool
    failed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Grounded:
    """A checked answer text, the citations its markers resolve to, and what happened to the draft."""

    text: str
    citations: list[Citation]
    grounding: Grounding


class Grounder:
    """Holds what the checks need across answers: the embedder, the article's term list, a judge.

    Args:
        embedder: for the semantic and relevance checks; `None` keeps them off (lexical only).
        terms: stems the article treats as technical (see `article_terms`); empty = shape rules only.
        judge: `(passage_text, sentence) -> bool` for the self-check; `None` = off.
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        terms: frozenset[str] = frozenset(),
        judge: Callable[[str, str], bool] | None = None,
    ) -> None:
        self.embedder = embedder
        self.terms = terms
        self.judge = judge
        self._vectors: dict[str, np.ndarray] = {}

    def check(self, sentence: str, passage: Passage, question: str, earlier: Iterable[str] = ()) -> SentenceCheck:
        """Whether `sentence` (markers ignored) may stand with `passage` cited, in answer to `question`."""
        body = _body(sentence)
        failed = [name for name, test in self._tests(body, passage, question, list(earlier)) if not test()]
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
        changed = False
        for sentence in sentences(_drop_echoes(_tidy(draft), passages)):
            body = _body(sentence)
            if len(content_tokens(body)) < MIN_SENTENCE_TOKENS or body.endswith("?") or _NOT_COVERED.search(body):
                changed = True  # too short, an echoed question, or a non-answer
                continue
            cited = next(
                (n for n, p in enumerate(passages, start=1) if self.check(body, p, question, bodies).kept), None
            )
            if cited is None:
                changed = True
                continue
            if markers(sentence) != [cited]:
                changed = True
            bodies.append(body)
            kept.append(_with_markers(body, [cited]))
        if sum(len(content_tokens(s)) for s in kept) < MIN_SUPPORTED_TOKENS or not any(1 in markers(s) for s in kept):
            return extractive(passages[0])
        text = " ".join(kept)
        return Grounded(text, _citations(text, passages), "repaired" if changed else "generated")

    def _tests(
        self, body: str, passage: Passage, question: str, earlier: list[str]
    ) -> list[tuple[str, Callable[[], bool]]]:
        tests: list[tuple[str, Callable[[], bool]]] = [
            ("repeat", lambda: not any(_repeats(body, e) for e in earlier)),
            ("support", lambda: self._supported(body, passage)),
            ("terms", lambda: not _foreign_terms(body, passage, question, self.terms)),
            ("polarity", lambda: _same_polarity(body, passage.text)),
            ("order", lambda: not _swapped(body, passage.answer) and not self._misplaced(body, passage.answer)),
        ]
        if self.embedder is not None:
            tests.append(("relevance", lambda: self._relevant(body, passage, question)))
        if self.judge is not None:
            tests.append(("selfcheck", lambda: self.judge(passage.text, body)))  # type: ignore[misc]
        return tests

    def _misplaced(self, body: str, passage_text: str) -> bool:
        """True when a clause says of one term what the passage says of another: its other words all come
        from one passage clause, whose own term the sentence leaves out, while the term comes from elsewhere
        ("an epoch is one batch" against "an iteration is one batch. An epoch is all the data")."""
        clauses = _passage_clauses(passage_text)
        homes: dict[str, set[int]] = {}
        for i, clause in enumerate(clauses):
            for token in clause:
                homes.setdefault(token, set()).add(i)
        for clause in _clauses(body):
            single = {t: next(iter(homes[t])) for t in clause if len(homes.get(t, ())) == 1}
            for term, home in single.items():
                others = {h for t, h in single.items() if t != term}
                if term not in self.terms or len(others) != 1 or home in others:
                    continue
                (source,) = others
                if any(t in self.terms and t not in clause for t in clauses[source]):
                    return True
        return False

    def _supported(self, body: str, passage: Passage) -> bool:
        lexical = support(body, passage.text)
        if lexical >= SUPPORT_THRESHOLD:
            return True
        if self.embedder is None or lexical < SEMANTIC_FLOOR:
            return False
        return self.semantic(body, passage) >= SEMANTIC_THRESHOLD

    def semantic(self, body: str, passage: Passage) -> float:
        """Cosine between the sentence and the passage's closest sentence (or the whole passage)."""
        units = [
            passage.answer,
            *(s for s in sentences(plain_for_embedding(passage.answer)) if len(content_tokens(s)) >= 3),
        ]
        vector = self._vector(body)
        return max(float(vector @ self._vector(u)) for u in units)

    def _relevant(self, body: str, passage: Passage, question: str) -> bool:
        vector = self._vector(body)
        about = [passage.question or passage.text[:200], *([question] if question else [])]
        return max(float(vector @ self._vector(t)) for t in about) >= RELEVANCE_THRESHOLD

    def _vector(self, text: str) -> np.ndarray:
        if text not in self._vectors:
            if len(self._vectors) > 4096:
                self._vectors.clear()
            self._vectors[text] = self.embedder.embed_query(text)  # type: ignore[union-attr]
        return self._vectors[text]


def ground(draft: str, passages: list[Passage], question: str = "") -> Grounded:
    """Lexical-only grounding (no embedder, no term list): what a caller without a `Bot` can do."""
    return Grounder().ground(draft, passages, question)


def article_terms(passages: Iterable[Passage]) -> frozenset[str]:
    """The stems the article itself marks as technical: words it sets in bold that few passages use and
    that are rare in general English (or bold on their own, like **Adam**), per `wordfreq`."""
    from wordfreq import zipf_frequency

    passages = list(passages)
    limit = max(3, len(passages) // 12)
    counts: dict[str, int] = {}
    for passage in passages:
        for token in frozenset(content_tokens(passage.text)):
            counts[token] = counts.get(token, 0) + 1
    spans = [span for p in passages for span in _BOLD.findall(p.answer)]
    alone = {w.lower() for span in spans if len(ws := words(span)) == 1 for w in ws}
    terms = set()
    for word in {w for span in spans for w in words(span)}:
        rare = zipf_frequency(word, "en") < (RARE_ALONE if word in alone else RARE)
        if rare and word not in STOPWORDS and len(word) > 2 and counts.get(stem(word), 0) <= limit:
            terms.add(stem(word))
    return frozenset(terms)


def extractive(passage: Passage, n: int = 1) -> Grounded:
    """The article's own answer for `passage`, quoted (never presented as the model's words)."""
    plain = plain_for_quote(passage.answer)  # code like x[0] becomes x(0): it must not read as a citation
    words_ = plain.split()
    quote = " ".join(words_[:QUOTE_WORDS]) + (" ..." if len(words_) > QUOTE_WORDS else "")
    text = f'The article answers "{passage.question}":\n\n> {quote} [{n}]'
    return Grounded(text, [Citation(n, passage)], "extractive")


def _body(sentence: str) -> str:
    return re.sub(r"\s+([.!?,;:])", r"\1", MARKER.sub("", sentence)).strip()


def _repeats(body: str, earlier: str) -> bool:
    """True when one sentence's content words mostly restate the other's."""
    a, b = set(content_tokens(body)), set(content_tokens(earlier))
    if not a or not b:
        return False
    return len(a & b) / min(len(a), len(b)) >= REPEAT_OVERLAP


def _foreign_terms(body: str, passage: Passage, question: str, terms: frozenset[str]) -> list[str]:
    """Technical terms of the sentence that neither the passage nor the question holds."""
    known = _stems(passage.text) | _stems(question)
    raw = set(_numbers(passage.text) + _numbers(question))
    foreign = [n for n in _numbers(body) if n not in raw]
    for token in re.findall(r"[A-Za-z0-9]+", body):
        key = stem(token.lower())
        if (_TERM_SHAPE.match(token) or key in terms) and key not in known and not token.isdigit():
            foreign.append(token)
    return foreign


def _numbers(text: str) -> list[str]:
    """Numbers as written (0.01, 1e-7, 3x3 gives 3 and 3), and number words as digits (four -> 4)."""
    text = MARKER.sub(" ", text)
    spelled = [str(_NUMBER_WORDS[w]) for w in words(text) if w in _NUMBER_WORDS]
    return [n.rstrip(".") for n in re.findall(r"(?<![A-Za-z])\d+(?:\.\d+)?(?:e-?\d+)?", text)] + spelled


@lru_cache(maxsize=2048)
def _stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in words(text))


def _clauses(text: str) -> list[frozenset[str]]:
    return [frozenset(content_tokens(c)) for c in _CLAUSE.split(plain_for_embedding(text)) if c and c.strip()]


def _passage_clauses(text: str) -> list[frozenset[str]]:
    """A passage's clauses, with a lead-in ("NaN comes from:") joined to the items after it and a clause
    that opens with a pronoun ("It ensures ...") joined to the one it refers back to."""
    merged: list[str] = []
    for clause in (c.strip() for c in _CLAUSE.split(plain_for_embedding(text)) if c and c.strip()):
        if merged and (merged[-1].endswith(":") or _PRONOUN.match(clause)):
            merged[-1] = f"{merged[-1]} {clause}"
        else:
            merged.append(clause)
    return [frozenset(content_tokens(c)) for c in merged]


def _polarity(text: str) -> tuple[int, frozenset[str]]:
    """How many negations a text holds, and which side of each opposite pair its words take."""
    tokens = words(text)
    negations = sum(t in _NEGATIONS for t in tokens) + len(_NEGATION_SUFFIX.findall(text))
    stems = {stem(t) for t in tokens}
    sides = frozenset(f"{i}{side}" for i, pair in enumerate(_OPPOSITES) for side, s in enumerate(pair) if s in stems)
    return negations, sides


def _same_polarity(body: str, passage_text: str) -> bool:
    """False when the sentence negates the passage clause it restates most closely, or reverses it: uses
    a direction word (increase, faster, supervised) the passage never uses while the passage uses its opposite."""
    tokens = set(content_tokens(body))
    if not tokens:
        return True
    parts = [c for c in re.split(r"(?<=[.!?;])\s+|\n+", plain_for_embedding(passage_text)) if c.strip()]
    best = max(parts, key=lambda c: len(tokens & set(content_tokens(c))), default="")
    negations, sides = _polarity(body)
    if (negations > 0) != (_polarity(best)[0] > 0):
        return False
    anywhere = _polarity(passage_text)[1]
    if any(_opposite(side) in anywhere for side in sides - anywhere):
        return False
    clauses = [c for c in _CLAUSE.split(plain_for_embedding(passage_text)) if c and c.strip()]
    for clause in (c for c in _CLAUSE.split(body) if c and c.strip()):
        own = set(content_tokens(clause))
        closest = max(clauses, key=lambda c: len(own & set(content_tokens(c))), default="")
        theirs = _polarity(closest)[1]
        if any(_opposite(side) in theirs for side in _polarity(clause)[1] - theirs):
            return False
    said = set(words(passage_text))
    return not any(
        (w not in said and any(p + w in said for p in _PREFIXES))
        or (any(w.startswith(p) and w[len(p) :] in said for p in _PREFIXES) and w not in said)
        for w in set(words(body))
    )


def _opposite(side: str) -> str:
    return f"{side[:-1]}{1 - int(side[-1])}"


def _swapped(body: str, passage_text: str) -> bool:
    """True when two clauses of the sentence trade words: each holds a word that only passage clauses
    other than its own use, and those are the clauses the other sentence clause restates."""
    passage = _passage_clauses(passage_text)
    homes: dict[str, set[int]] = {}
    for i, clause in enumerate(passage):
        for token in clause:
            homes.setdefault(token, set()).add(i)
    placed = []
    for clause in _clauses(body):
        distinctive = [next(iter(homes[t])) for t in clause if len(homes.get(t, ())) == 1]
        if not distinctive:
            continue
        top = max(distinctive.count(h) for h in distinctive)
        mains = {h for h in distinctive if distinctive.count(h) == top}
        strays = {h for t in clause if t in homes and not homes[t] & mains for h in homes[t]}
        placed.append((mains, strays))
    return any(
        a != b and b in strays_x and a in strays_y
        for (mains_x, strays_x), (mains_y, strays_y) in itertools.permutations(placed, 2)
        for a in mains_x
        for b in mains_y
    )


def _is_term_stem(token: str, body: str) -> bool:
    return any(_TERM_SHAPE.match(w) and stem(w.lower()) == token for w in re.findall(r"[A-Za-z0-9]+", body))


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


def _with_markers(body: str, cited: list[int]) -> str:
    """'Dropout drops neurons.' + [1] -> 'Dropout drops neurons [1].'"""
    stop = body[-1] if body[-1] in ".!?" else "."
    return f"{body.rstrip('.!?:; ')} {''.join(f'[{n}]' for n in cited)}{stop}"
