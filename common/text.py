"""Small text utilities shared by retrieval, grounding and the eval: tokens, sentences, markers."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import Stemmer

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "then",
        "else",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "into",
        "onto",
        "over",
        "under",
        "about",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "do",
        "does",
        "did",
        "doing",
        "have",
        "has",
        "had",
        "having",
        "it",
        "its",
        "it's",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "i",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "he",
        "she",
        "they",
        "them",
        "their",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "can",
        "could",
        "should",
        "would",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "not",
        "no",
        "nor",
        "so",
        "such",
        "than",
        "too",
        "very",
        "just",
        "also",
        "only",
        "own",
        "same",
        "both",
        "each",
        "few",
        "more",
        "most",
        "other",
        "some",
        "any",
        "all",
        "s",
        "t",
        "don",
        "doesn",
        "isn",
        "aren",
        "won",
        "ll",
        "re",
        "ve",
        "d",
        "m",
        "o",
        "y",
        "use",
        "used",
        "using",
        "via",
        "e",
        "g",
        "eg",
        "ie",
        "etc",
    ]
)
_STEMMERS = threading.local()  # a PyStemmer object is not thread-safe; it imports in ms (nltk: 0.8 s)
_WORD = re.compile(r"[a-z0-9]+")
MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9*\"'(\[])|\n+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Porter stem, so 'dropping' matches 'drops'."""
    stemmer = getattr(_STEMMERS, "porter", None)
    if stemmer is None:
        stemmer = _STEMMERS.porter = Stemmer.Stemmer("porter")
    return stemmer.stemWord(word)


def content_tokens(text: str) -> list[str]:
    """Stemmed words that carry meaning (no stopwords, no markers)."""
    return [stem(w) for w in words(MARKER.sub(" ", text)) if w not in STOPWORDS and len(w) > 1]


def sentences(text: str) -> list[str]:
    """Split an answer into sentences; a trailing `[n]` stays with the sentence before it."""
    parts = [p.strip() for p in _SENTENCE_END.split(text) if p and p.strip()]
    merged: list[str] = []
    for part in parts:
        if (
            merged
            and MARKER.fullmatch(part.replace("][", "] [").split()[0] if part else "")
            and not content_tokens(part)
        ):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return merged


def markers(text: str) -> list[int]:
    """Citation numbers in order of appearance; `[1, 2]` counts as `[1][2]`."""
    return [int(n) for group in MARKER.findall(text) for n in group.split(",")]


def support(sentence: str, passage_text: str) -> float:
    """Share of the sentence's content tokens found in the passage (lexical ALCE-style recall)."""
    tokens = content_tokens(sentence)
    if not tokens:
        return 0.0
    vocabulary = _vocabulary(passage_text)
    return sum(t in vocabulary for t in tokens) / len(tokens)


@lru_cache(maxsize=1024)
def _vocabulary(text: str) -> frozenset[str]:
    """A passage's content tokens, computed once: every draft sentence is scored against the same passages."""
    return frozenset(content_tokens(text))


def embedding_text(markdown: str) -> str:
    """What the embedder and BM25 read of a passage: plain words, no markdown; ingest and retrieval must agree."""
    lines = []
    for line in markdown.splitlines():
        if not line.strip():
            continue
        text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", line.lstrip("*-# ").strip())
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
        text = re.sub(r"</?mark>", "", text).replace("**", "").replace("`", "")
        text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!])", r"\1", text)
        lines.append(re.sub(r"\s+", " ", text).strip())
    return "\n".join(lines)
