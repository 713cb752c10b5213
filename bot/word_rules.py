"""What makes one answer sentence wrong against the passage it cites: rules that read words, not vectors.

Each function answers one question about a sentence and a passage (or an earlier sentence): does it bring
terms or numbers the passage lacks, negate or reverse it, swap two terms' roles, say of one term what the
passage says of another (or of a bare word what it says of a longer term: ReLU for Leaky ReLU), or repeat
itself. `bot.ground.Grounder` combines them with the embedder's signals.
Deliberately not here: meaning in general (no NLI model ships offline), so a wrong sentence that none of
these shapes describes passes; `data/eval/grounding.jsonl` measures how often.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from difflib import SequenceMatcher
from functools import lru_cache

from bot.policy import GROUNDING
from bot.types import Passage
from common.text import MARKER, STOPWORDS, content_tokens, plain_for_embedding, stem, words

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
# Two ends of one scale, (high, low): a copied clause with a word of one end put in place of the passage's word of
# the other says the opposite ("A high learning rate results in very small steps" against "A small learning rate").
_SCALES = (
    ("increase", "decrease"),
    ("increases", "decreases"),
    ("increased", "decreased"),
    ("increasing", "decreasing"),
    ("higher", "lower"),
    ("high", "low"),
    ("larger", "smaller"),
    ("large", "small"),
    ("faster", "slower"),
    ("fast", "slow"),
    ("more", "less"),
)
_HIGH_END = frozenset(high for high, _ in _SCALES) | {"largest", "highest", "big", "bigger"}
_LOW_END = frozenset(low for _, low in _SCALES) | {"smallest", "lowest", "fewer", "reduce", "reduces"}
# Words a sentence turns into their opposite to test its direction (`flipped`): whole words, unlike the stems of
# `_OPPOSITES`, since the flip must stay a word ("adds" -> "removes", not "removs"); one opposite each.
_FLIPS = {
    word: opposite
    for a, b in (
        *_SCALES,
        ("better", "worse"),
        ("maximize", "minimize"),
        ("maximizes", "minimizes"),
        ("overfitting", "underfitting"),
        ("before", "after"),
        ("always", "never"),
        ("speeds", "slows"),
        ("prevents", "causes"),
        ("prevent", "cause"),
    )
    for word, opposite in ((a, b), (b, a))
}
_FLIP_WORD = re.compile(r"\b(" + "|".join(sorted(_FLIPS, key=len, reverse=True)) + r")\b", re.I)
_NEGATED = re.compile(r"\bcan(?:no|['’]|)t\b|\bwon['’]t\b|\b\w+n['’]t\b|\s+not\b", re.I)


def _unnegated(negation: str) -> str:
    """What is left of one negation taken out: "cannot" -> "can", "won't" -> "will", "doesn't" -> "does", " not" -> ""."""
    word = negation.strip().lower()
    if word == "not":
        return ""
    if word.startswith("can"):
        return negation[:3]
    if word.startswith("won"):
        return negation[0] + "ill"
    return negation[:-3]


_CLAUSE = re.compile(r"[.;!?]\s+|,\s*(?:while|whereas|but|and|which)\b|\b(?:while|whereas)\b|\n+", re.I)
_PREFIXES = ("un", "non")
_PRONOUN = re.compile(r"(?:it|this|these|they|that|those|its|their)\b", re.I)
_TIMES = re.compile(r"(?<=\d)[x\u00d7](?=\d)")  # 3x3: two numbers
_NUMBER = re.compile(r"(?<![A-Za-z\d.])\d+(?:\.\d+)?(?:e-?\d+)?")  # not the tail of a name (VGG16)
_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"])
    if i >= 2
}
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_TERM_SHAPE = re.compile(r"^(?:\d[\d.]*|[A-Za-z]*[A-Z][A-Za-z]*[A-Z0-9][A-Za-z0-9]*|[A-Z]{2,}s?|[A-Za-z]+\d+)$")


def article_terms(passages: Iterable[Passage]) -> frozenset[str]:
    """The stems the article itself marks as technical: words it sets in bold that few passages use and
    that are rare in general English (or bold on their own, like **Adam**), per `wordfreq`."""
    from wordfreq import zipf_frequency

    passages = list(passages)
    limit = max(GROUNDING.term_passages, len(passages) // GROUNDING.term_share)
    counts: dict[str, int] = {}
    for passage in passages:
        for token in frozenset(content_tokens(passage.text)):
            counts[token] = counts.get(token, 0) + 1
    spans = [span for p in passages for span in _BOLD.findall(p.answer)]
    alone = {w.lower() for span in spans if len(ws := words(span)) == 1 for w in ws}
    terms = set()
    for word in {w for span in spans for w in words(span)}:
        rare = zipf_frequency(word, "en") < (GROUNDING.rare_alone if word in alone else GROUNDING.rare)
        if rare and word not in STOPWORDS and len(word) > 2 and counts.get(stem(word), 0) <= limit:
            terms.add(stem(word))
    return frozenset(terms)


def repeats(body: str, earlier: str) -> bool:
    """True when one sentence's content words mostly restate the other's and it adds none of its own:
    "Tanh scales between -1 and 1" after the same sentence about sigmoid is the second half, not a repeat."""
    a, b = set(content_tokens(body)), set(content_tokens(earlier))
    if not a or not b or a - b:
        return False
    return len(a & b) / min(len(a), len(b)) >= GROUNDING.repeat_overlap


def verbatim(body: str, passage_text: str) -> bool:
    """True when the sentence is (nearly) a run of the passage's own words, in the passage's order."""
    return _copied(body, passage_text) is not None


def reversed_copy(body: str, passage_text: str) -> bool:
    """True when the sentence copies a run of the passage but puts, in place of a word at one end of a scale
    (small, low, slower, decrease), a word at the other end (large, high, faster, increase), or the reverse.

    What for: a near-verbatim sentence needs no judge (`verbatim`), and asked anyway the judge says yes to both
    "A small learning rate results in very small steps" and its reversal, since nearly every word is the passage's.
    """
    copied = _copied(body, passage_text)
    if copied is None:
        return False  # not a copy: the judge reads it
    mine, clause = copied
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, mine, clause, autojunk=False).get_opcodes():
        if tag != "replace":
            continue
        put, gone = set(mine[i1:i2]), set(clause[j1:j2])
        if (put & _LOW_END and gone & _HIGH_END) or (put & _HIGH_END and gone & _LOW_END):
            return True
    return False


@lru_cache(maxsize=1024)
def _copied(body: str, passage_text: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """For a sentence that is (nearly) a run of the passage's words: its words, and the passage's words it copies,
    lined up with them; None for any other sentence. Cached: every judged sentence asks it more than once."""
    mine, theirs = tuple(words(MARKER.sub(" ", body))), _passage_words(passage_text)
    if len(mine) < GROUNDING.verbatim_words:
        return None
    block = SequenceMatcher(None, mine, theirs, autojunk=False).find_longest_match(0, len(mine), 0, len(theirs))
    if block.size < GROUNDING.verbatim_share * len(mine):
        return None
    start = max(0, block.b - block.a)
    return mine, theirs[start : start + len(mine)]


@lru_cache(maxsize=64)
def _passage_words(passage_text: str) -> tuple[str, ...]:
    return tuple(words(plain_for_embedding(passage_text)))


def foreign_numbers(body: str, passage_text: str, question: str) -> list[str]:
    """Numbers of the sentence (digits or number words) that neither the passage nor the question states.

    What for: the judge knows the world as well as the passage, and says yes to "CycleGAN trains two generators and
    two discriminators" against an entry that counts nothing.
    """
    stated = set(_numbers(passage_text) + _numbers(question))
    return [n for n in _numbers(body) if n not in stated]


def foreign_terms(body: str, passage: Passage, question: str, terms: frozenset[str]) -> list[str]:
    """Technical terms of the sentence that neither the passage nor the question holds."""
    known = _stems(passage.text) | _stems(question)
    foreign = []
    for token in re.findall(r"[A-Za-z0-9]+", body):
        key = stem(token.lower())
        if (_TERM_SHAPE.match(token) or key in terms) and key not in known and not token.isdigit():
            foreign.append(token)
    return foreign


def _numbers(text: str) -> list[str]:
    """Numbers as written (0.01, 1e-7, 3x3 gives 3 and 3), and number words as digits (four -> 4)."""
    text = _TIMES.sub(" x ", MARKER.sub(" ", text))
    spelled = [str(_NUMBER_WORDS[w]) for w in words(text) if w in _NUMBER_WORDS]
    return [n.rstrip(".") for n in _NUMBER.findall(text)] + spelled


@lru_cache(maxsize=2048)
def _stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in words(text))


def _clause_texts(text: str) -> list[str]:
    return [c for c in _CLAUSE.split(plain_for_embedding(text)) if c and c.strip()]


def _clauses(text: str) -> list[frozenset[str]]:
    return [frozenset(content_tokens(c)) for c in _clause_texts(text)]


@lru_cache(maxsize=256)
def _passage_clauses(text: str) -> tuple[tuple[frozenset[str], ...], dict[str, frozenset[int]]]:
    """A passage's clauses, with a lead-in ("NaN comes from:") joined to the items after it and a clause
    that opens with a pronoun ("It ensures ...") joined to the one it refers back to; and for each token,
    the clauses that hold it. Cached: every sentence of a draft is checked against the same passages."""
    merged: list[str] = []
    for clause in (c.strip() for c in _clause_texts(text)):
        if merged and (merged[-1].endswith(":") or _PRONOUN.match(clause)):
            merged[-1] = f"{merged[-1]} {clause}"
        else:
            merged.append(clause)
    clauses = tuple(frozenset(content_tokens(c)) for c in merged)
    homes: dict[str, set[int]] = {}
    for i, clause in enumerate(clauses):
        for token in clause:
            homes.setdefault(token, set()).add(i)
    return clauses, {token: frozenset(where) for token, where in homes.items()}


def _polarity(text: str) -> tuple[int, frozenset[str]]:
    """How many negations a text holds, and which side of each opposite pair its words take."""
    tokens = words(text)
    negations = sum(t in _NEGATIONS for t in tokens) + len(_NEGATION_SUFFIX.findall(text))
    stems = {stem(t) for t in tokens}
    sides = frozenset(f"{i}{side}" for i, pair in enumerate(_OPPOSITES) for side, s in enumerate(pair) if s in stems)
    return negations, sides


def same_polarity(body: str, passage_text: str) -> bool:
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
    clauses = _clause_texts(passage_text)
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


def swapped(body: str, passage_text: str) -> bool:
    """True when two clauses of the sentence trade words: each holds a word that only passage clauses
    other than its own use, and those are the clauses the other sentence clause restates."""
    homes = _passage_clauses(passage_text)[1]
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


def reversed_roles(body: str, passage_text: str) -> bool:
    """True when a clause about one of the passage's bold terms follows, word for word in order, what
    the passage says of another bold term that the sentence also names: "Skip-gram predicts a target word
    from its surrounding words" against "**CBOW**: Predicts a target word given its surrounding words.
    **Skip-gram**: Predicts surrounding words given a target word." Both say the same words, so only
    their order tells the two apart. A passage clause is about the first bold term it names; a sentence
    clause is judged only when it names exactly one (a list run together into one sentence names several)."""
    terms, said_of = _said_of(passage_text)
    if len(terms) < 2:
        return False
    clauses = [_about(clause, terms) for clause in _clause_texts(body)]
    named = {term for names, _, _ in clauses for term in names}
    for names, term, said in clauses:
        if len(names) != 1 or term not in said_of:
            continue
        own = max(_common_order(said, other) for other in said_of[term])
        rival = max(
            (_common_order(said, other) for rival in named - {term} for other in said_of.get(rival, ())),
            default=0,
        )
        if rival >= 2 and rival > own:
            return True
    return False


Term = tuple[str, ...]


@lru_cache(maxsize=256)
def _said_of(passage_text: str) -> tuple[tuple[Term, ...], dict[Term, list[list[str]]]]:
    """The passage's bold terms (words, a parenthesised expansion left out: "CBOW (Continuous ...)"), and
    for each, the content tokens of the clauses about it. Cached like `_passage_clauses`."""
    spans = (words(name) for name in _bold_names(passage_text))
    terms = tuple(dict.fromkeys(tuple(span) for span in spans if span))
    said_of: dict[Term, list[list[str]]] = {}
    for clause in _clause_texts(passage_text):
        _, term, said = _about(clause, terms)
        if term is not None:
            said_of.setdefault(term, []).append(said)
    return terms, said_of


def _about(clause: str, terms: tuple[Term, ...]) -> tuple[set[Term], Term | None, list[str]]:
    """The terms a clause names, the first of them (the longest where two start together), and the
    clause's content tokens without that one."""
    tokens = words(clause)
    runs = sorted(
        (i, -len(term), term)
        for term in terms
        for i in range(len(tokens) - len(term) + 1)
        if tuple(tokens[i : i + len(term)]) == term
    )
    if not runs:
        return set(), None, []
    i, _, first = runs[0]
    rest = tokens[:i] + tokens[i + len(first) :]
    return {term for _, _, term in runs}, first, [stem(w) for w in rest if w not in STOPWORDS and len(w) > 1]


def _common_order(a: list[str], b: list[str]) -> int:
    """Length of the longest run of tokens that `a` and `b` share in the same order (not necessarily adjacent)."""
    row = [0] * (len(b) + 1)
    for x in a:
        diagonal = 0
        for j, y in enumerate(b, 1):
            diagonal, row[j] = row[j], diagonal + 1 if x == y else max(row[j], row[j - 1])
    return row[-1]


def misplaced(body: str, passage_text: str, terms: frozenset[str]) -> bool:
    """True when a clause says of one term what the passage says of another: its other words all come
    from one passage clause, whose own term the sentence leaves out, while the term comes from elsewhere
    ("an epoch is one batch" against "an iteration is one batch. An epoch is all the data")."""
    clauses, homes = _passage_clauses(passage_text)
    for clause in _clauses(body):
        single = {t: next(iter(homes[t])) for t in clause if len(homes.get(t, ())) == 1}
        for term, home in single.items():
            others = {h for t, h in single.items() if t != term}
            if term not in terms or len(others) != 1 or home in others:
                continue
            (source,) = others
            if any(t in terms and t not in clause for t in clauses[source]):
                return True
    return False


def narrowed(body: str, passage_text: str, terms: frozenset[str]) -> bool:
    """True when a clause says of a bare technical word (one of `terms`) what the passage says only of a longer
    bold term ending in it: "ReLU introduces a small slope for negative values" against "**Leaky ReLU** introduces
    a small slope ...", where the passage never uses "ReLU" without a modifier before it."""
    bold, said_of = _said_of(passage_text)
    passage_words = words(passage_text)
    for term in bold:
        head = term[-1]
        if len(term) < 2 or term not in said_of or stem(head) not in terms:
            continue
        if any(_bare(passage_words, i) for i in _uses(passage_words, head)):
            continue
        for clause in _clause_texts(body):
            tokens = words(clause)
            bare = [i for i in _uses(tokens, head) if _bare(tokens, i)]
            if not bare or any(tuple(tokens[i : i + len(term)]) == term for i in range(len(tokens))):
                continue
            said = [stem(w) for j, w in enumerate(tokens) if j not in bare and w not in STOPWORDS and len(w) > 1]
            if max(_common_order(said, other) for other in said_of[term]) >= GROUNDING.narrowed_run:
                return True
    return False


def contrasted(body: str, passage_text: str) -> str | None:
    """`body` with the one bold term it names exchanged for the other, where its passage contrasts exactly two
    ("Skip-gram predicts a target word ..." -> "CBOW predicts a target word ..."); None where that does not apply.

    What for: asked about a sentence alone, the judge often cannot tell which of two contrasted things does what,
    since the passage states the words either way; asked about both versions, it often can (`bot.ground`).
    A term found only inside the other ("gradient descent" in "stochastic gradient descent") does not count.
    """
    terms = [name for name in _bold_names(passage_text) if words(name)]
    if len(terms) != 2 or len({tuple(words(t)) for t in terms}) != 2:
        return None
    found = [(m.start(), m.end(), i) for i, t in enumerate(terms) for m in _term_pattern(t).finditer(body)]
    found = [f for f in found if not any(o != f and o[0] <= f[0] and f[1] <= o[1] for o in found)]
    if not found or len({i for _, _, i in found}) != 1:
        return None
    other = terms[1 - found[0][2]]
    out, last = [], 0
    for start, end, _ in sorted(found):
        out += [body[last:start], _as_written(other, body[start:end], first=start == 0)]
        last = end
    return "".join(out) + body[last:]


def flipped(body: str) -> list[str]:
    """`body` with its negation dropped, then with each of its direction words turned around, one at a time
    ("... does not make ..." -> "... does make ...", "SGD is slower ..." -> "SGD is faster ...").

    What for: the judge says yes to a sentence that reverses its passage about as readily as to the true one, but
    asked about both it prefers the true one, so a flip it finds clearly truer marks the sentence wrong (`bot.ground`).
    """
    versions = [body[: m.start()] + _unnegated(m.group(0)) + body[m.end() :] for m in _NEGATED.finditer(body)]
    for match in _FLIP_WORD.finditer(body):
        word = match.group(0)
        flip = _FLIPS[word.lower()]
        versions.append(
            body[: match.start()] + (flip.capitalize() if word[0].isupper() else flip) + body[match.end() :]
        )
    return list(dict.fromkeys(v for v in versions if v != body))


def _as_written(term: str, replaced: str, *, first: bool) -> str:
    """A bold term as the sentence would write it: capitalised first in the sentence, else as the passage writes it
    where the sentence capitalised the term it replaces ("Unlike CBOW") or it is an acronym, else lower-cased."""
    if first:
        return term[0].upper() + term[1:]
    keep = replaced[:1].isupper() or term.split()[0].isupper()  # an acronym keeps its capitals ("CBOW")
    return term if keep else term[0].lower() + term[1:]


def _bold_names(passage_text: str) -> list[str]:
    """The passage's bold terms as it writes them, once each, a parenthesised expansion and a closing colon left out
    ("**CBOW (Continuous Bag of Words)**" -> "CBOW", "**Training Phase:**" -> "Training Phase")."""
    return list(dict.fromkeys(span.split("(")[0].strip().rstrip(":").strip() for span in _BOLD.findall(passage_text)))


@lru_cache(maxsize=256)
def _term_pattern(term: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + r"[\s-]+".join(map(re.escape, words(term))) + r"(?![\w-])", re.I)


def _uses(tokens: list[str], word: str) -> list[int]:
    return [i for i, w in enumerate(tokens) if w == word]


def _bare(tokens: list[str], i: int) -> bool:
    """The word at `i` stands without a modifier: first, or after a stopword ("the ReLU", not "leaky ReLU")."""
    return i == 0 or tokens[i - 1] in STOPWORDS
