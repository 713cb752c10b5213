"""Which words of a question the article never uses: a sign that it asks about something the article lacks.

"What is DropConnect?" or "What is mixup augmentation?" land in the scope model's band next to the dropout and
data-augmentation entries, and a draft restating that entry under the question's name is true of it sentence by
sentence. A word counts as unknown only when general English rarely uses it (`wordfreq`) and the article has
nothing it could stand for: not the word, its stem, a longer article word it abbreviates ("backprop", "init"),
a close spelling ("dropot"), two article words run together ("minibatch"), or initials before an article word
("WGAN" for Wasserstein GAN, "LSGAN" for least-squares GAN).

A definition question about a kind of an article term ("What is Monte Carlo dropout?", "What is hinge loss?")
is a sharper sign: the article cannot define the kind without naming it, so a modifier it never uses, even a
common one like "Monte", marks the question as one it does not answer (`Lexicon.variant`).
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterable

from bot.policy import LexiconPolicy
from common.text import STOPWORDS, plain_for_embedding, stem, words

_LETTERS = re.compile(r"[a-z]+")
_ABBREVIATED = re.compile(r"((?:[A-Za-z][\w-]*\s+){1,8})\(([A-Za-z][A-Za-z0-9]{1,7})\)")
_TOKEN = re.compile(r"(?<![\w-])[A-Za-z][A-Za-z0-9]{1,8}(?![\w-])")  # not a part of "R-CNN"
# "What is [a|an|the] X", X running to the first "?", comma or word that starts another clause.
_DEFINED = re.compile(
    r"^\s*(?:what|which)\s+(?:is|are|was)\s+(?:an?\s+|the\s+)?([\w\- ]+?)\s*"
    r"(?:\?|,|$|\b(?:and|in|for|when|that|which|used|exactly)\b)",
    re.I,
)
_RELATION = {
    "of",
    "behind",
    "for",
    "in",
    "with",
    "on",
    "to",
    "between",
    "from",
    "about",
    "by",
    "at",
    "like",
    "over",
    "vs",
}


def abbreviations(texts: Iterable[str]) -> dict[str, str]:
    """The article's own abbreviations and what they stand for: "Gradient Descent (GD)" gives {"gd": "gradient
    descent"}. The long form is the run of words before the parenthesis whose initials spell it (a plural "s" aside)."""
    found: dict[str, str] = {}
    for text in texts:
        for match in _ABBREVIATED.finditer(plain_for_embedding(text)):
            short = match.group(2).lower()
            lead = match.group(1).split()
            for letters in dict.fromkeys((short, short.removesuffix("s"))):
                run = lead[-len(letters) :]  # hyphens split a word's initials: "Cross-Entropy (CE)"
                parts = [part for word in run for part in word.split("-") if part]
                if len(letters) > 1 and "".join(part[0] for part in parts).lower() == letters:
                    found.setdefault(letters, " ".join(run).lower())
                    break
    return found


def spelled_out(question: str, known: dict[str, str]) -> str:
    """`question` with each abbreviation the article spells out followed by its long form ("why use momentum
    based gd?" -> "why use momentum based gd (gradient descent)?"): the embedder reads a bare "GD" poorly."""
    lowered = question.lower()

    def spell(match: re.Match[str]) -> str:
        word = match.group(0)
        key = word.lower() if word.lower() in known else word.lower().removesuffix("s")
        long = known.get(key)
        if long is None or long in lowered or word.lower() in STOPWORDS:  # "Information Technology (IT)": not "it"
            return word
        return f"{word} ({long})"

    return _TOKEN.sub(spell, question)


def defined(question: str) -> str:
    """For a definition question, "What is [a|the] X?", the last two content words of X, the term and what kind of
    it ("transfer learning"; before any relation word: "a max-norm constraint on weights" gives "norm constraint");
    "" for any other question, a relational one ("What is the role of ...?") or one about a purpose ("What is X
    for?", "What are RNNs good for?")."""
    match = _DEFINED.search(question)
    if match is None or match.group(0).rstrip().lower().endswith("for"):
        return ""
    tokens = match.group(1).split()
    phrase = list(itertools.takewhile(lambda w: w.lower() not in _RELATION, tokens))
    if len(phrase) < len(tokens) and len([w for w in phrase if w.lower() not in STOPWORDS]) < 2:
        return ""  # "the role of", "the difference between", "some examples of"
    found = [w for w in words(" ".join(phrase)) if w not in STOPWORDS]
    return " ".join(found[-2:])


# An either-or question opens as a yes/no or choice question and offers two options joined by one "or".
# A lead-in may come first ("For a multi-label task, should it use softmax or sigmoid?").
_CHOICE = re.compile(
    r"(?:^|[,:;])\s*((?:should|is|are|was|were|do|does|did|can|could|would|will|which|whether)\b.*)", re.I
)
_OR = re.compile(r"\bor\b", re.I)
_NOT_OPTION_WORDS = {"only", "instead", "alone", "then", "first", "too", "both", "either", "neither"}
_OPTION_END = re.compile(r"[,;:]|\b(?:if|when|because|since|while|given|so)\b", re.I)  # "L2 if I want sparse weights"


def options(question: str) -> tuple[str, ...]:
    """For an either-or question, its two options as their content words, the first cut to as many words as the
    second ("Should the mean be computed on the whole dataset or on the training split only?" gives "whole dataset"
    and "training split"); () for any other question, a list of examples ("by rotating, flipping or cropping")
    included."""
    choice = _CHOICE.search(question.split("?")[0])
    clause = choice.group(1) if choice else ""
    if len(_OR.findall(clause)) != 1:
        return ()
    first, second = _OR.split(clause)
    if re.search(r",\s*\S+(?:\s+\S+)?\s*$", first):
        return ()  # the last of a list, not one of two
    later = _content(_OPTION_END.split(second)[0])
    earlier = _content(first)[-len(later) :] if later else []
    return (" ".join(earlier), " ".join(later)) if earlier and earlier != later else ()


def _content(phrase: str) -> list[str]:
    return [w for w in words(phrase) if w not in STOPWORDS and w not in _NOT_OPTION_WORDS]


def to_name(question: str) -> tuple[str, ...]:
    """What an answer must name one of to respond at all (every word of it): what a definition question defines, or
    the options of an either-or question; () where nothing in particular is asked about."""
    word = defined(question)
    return (word,) if word else options(question)


class Lexicon:
    """The words of an article and what they could be written as, built once per index."""

    def __init__(self, texts: Iterable[str], policy: LexiconPolicy) -> None:
        self.policy = policy
        sequences = [words(text) for text in texts]
        self.words = {w for seq in sequences for w in seq}
        self.stems = {stem(w) for w in self.words}
        self.joined: set[str] = set()
        for seq in sequences:
            for n in range(2, 4):
                for i in range(len(seq) - n + 1):
                    gram = seq[i : i + n]
                    self.joined.add("".join(w[0] for w in gram[:-1]) + gram[-1])  # "wgan", "lsgan"
                    if n == 2:
                        self.joined.add("".join(gram))  # "minibatch"
        self._long = sorted(w for w in self.words if len(w) >= policy.min_letters)

    def unknown(self, question: str) -> tuple[str, ...]:
        """The question's rare words that nothing in the article accounts for, in order of appearance."""
        return self._unaccounted(question, self.policy.min_letters, self.policy.rare)

    def variant(self, question: str) -> tuple[str, ...]:
        """For "What is X?" where X is a short noun phrase whose last word the article uses: the words before
        it that the article never uses and that are not common English, the kind the question asks about
        ("monte", "carlo"); else ()."""
        match = _DEFINED.search(question)
        phrase = match.group(1).split() if match else []
        if not 2 <= len(phrase) <= self.policy.variant_words or any(w.lower() in _RELATION for w in phrase):
            return ()
        head = words(phrase[-1])
        if not head or not all(w in self.words or stem(w) in self.stems for w in head):
            return ()
        return self._unaccounted(" ".join(phrase[:-1]), self.policy.variant_letters, self.policy.variant_rare)

    def _unaccounted(self, text: str, min_letters: int, rare: float) -> tuple[str, ...]:
        """The words of `text` with at least `min_letters` letters, under zipf `rare` in English, that nothing in
        the article accounts for, in order of appearance."""
        from wordfreq import zipf_frequency

        found: list[str] = []
        for token in words(text):
            for word in _LETTERS.findall(token):
                if len(word) < min_letters or word in found:
                    continue
                if zipf_frequency(word, "en") >= rare or self._accounted(word):
                    continue
                found.append(word)
        return tuple(found)

    def _accounted(self, word: str) -> bool:
        short = stem(word)
        if word in self.words or short in self.stems or word in self.joined:
            return True
        if any(w.startswith(word) or w.startswith(short) for w in self._long):
            return True
        return bool(difflib.get_close_matches(word, self._long, n=1, cutoff=self.policy.close))
