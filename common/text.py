"""Small text utilities shared by ingestion, retrieval, grounding and the eval.

Tokens, sentences and citation markers; the one "same question" key; and markdown made plain
for each reader of the article's text: people (`display_markdown`), the embedder
(`plain_for_embedding`), the model's prompt (`plain_for_prompt`), a quoted answer
(`plain_for_quote`) and the eval's references (`plain_for_reference`). Each keeps what its
reader needs, so they differ on purpose. Deliberately not done: a markdown parser; these are
line-level regular expressions tuned on `data/article.md`, and tables or nested emphasis other
than `**` pass through as text.
"""

from __future__ import annotations

import re
import textwrap
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
_STEMMERS = threading.local()  # a PyStemmer object is not thread-safe; it imports fast (docs/performance.md)
_WORD = re.compile(r"[a-z0-9]+")
MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9*\"'(\[])|(?<=[.!?][\"'”’])\s+(?=[A-Z0-9])|\n+")
_KEY_SEPARATOR = re.compile(r"[\W_]+")

_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_MARK_TAG = re.compile(r"</?mark>")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|])")
FENCE = re.compile(r"^\s*(```|~~~)")
LIST_MARKER = re.compile(r"^\s*(?:[-*]|\d+\.)\s+")  # a markdown bullet or number opening a list item
_LIST_MARKERS = re.compile(r"^(?:(?:[*+-]|\d+[.)])\s+)+")
_QUOTE_MARKS = re.compile(r"^\s*[-*]\s+|[*`#>]+", re.M)
_LATEX_TEXT = re.compile(r"\\text\{([^}]*)\}")
_DISPLAY_MATH = re.compile(r"^\[\s*(.*?)\s*\]$")


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


def question_key(text: str) -> str:
    """The key that decides "same question", for the retriever's duplicate collapse and the eval's gold.

    >>> question_key("What is feed_dict for ...?  ")
    'what is feed dict for'
    """
    return _KEY_SEPARATOR.sub(" ", text.lower()).strip()


# ---- markdown made plain, one function per reader ------------------------------------------


def fold(text: str) -> str:
    """Runs of white space (newlines included) as one space, ends trimmed."""
    return " ".join(text.split())


def strip_inline(line: str) -> str:
    """Plain text of one markdown line: images dropped, links to their text, tags, `**`, backticks
    and backslash escapes removed, white space folded. Questions and section titles are made so.

    >>> strip_inline("**What is `feed\\_dict`** in [TF](http://x)?")
    'What is feed_dict in TF?'
    """
    text = _LINK.sub(r"\1", _IMAGE.sub("", line))
    text = _HTML_TAG.sub("", text).replace("**", "").replace("`", "")
    return fold(_ESCAPE.sub(r"\1", text))


def display_markdown(markdown: str) -> str:
    """Answer markdown as shown to people: highlight tags and escapes removed, structure kept."""
    text = _ESCAPE.sub(r"\1", _MARK_TAG.sub("", markdown))
    text = re.sub(r"^(\s*)\* \* ", r"\1* ", text, flags=re.M)  # the article's "* * item" double bullets
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def plain_for_embedding(markdown: str) -> str:
    """What the embedder reads: one plain line per non-empty line, bullets and heading marks gone."""
    return "\n".join(strip_inline(line.lstrip("*-# ").strip()) for line in markdown.splitlines() if line.strip())


def plain_for_prompt(markdown: str) -> str:
    """One paragraph without list markers, bold or code marks, so a small model answers in prose.

    Links and other marks stay: the passage reads as the article wrote it. Lists are not punctuated here
    (measured: the model then wrote new wrong sentences, docs/evaluation.md); `bot.items` mends its copies.
    """
    lines = (LIST_MARKER.sub("", line).replace("**", "").replace("`", "") for line in markdown.splitlines())
    return " ".join(fold(line) for line in lines if line.strip())


def plain_for_quote(markdown: str) -> str:
    """One paragraph with every `*`, backtick, `#` and `>` gone, for quoting inside a `> ` block.

    A `[0]` in code becomes `(0)`, so a quote never holds what reads as a citation marker.
    """
    # Marks go without a trace, so "**0 and 1**," stays "0 and 1,".
    text = _ESCAPE.sub(r"\1", _QUOTE_MARKS.sub("", markdown))
    return disarm_markers(fold(text))


def disarm_markers(text: str) -> str:
    """Article text shown inside an answer, with what reads as a citation marker (`x[0]` in code) as `x(0)`."""
    return MARKER.sub(lambda m: f"({m.group(1)})", text)


def code_blocks(markdown: str) -> list[str]:
    """The text of each fenced code block, in order (an unclosed fence runs to the end).

    >>> code_blocks("Intro\n```python\nx = 1\n```\ntext\n~~~\ny\n~~~")
    ['x = 1', 'y']
    """
    return ["\n".join(block) for block in _split_fences(markdown)[1]]


def prose(markdown: str) -> str:
    """`markdown` without its fenced code blocks (an unclosed fence runs to the end).

    >>> prose("Intro\n```python\nx = 1\n```\ntext")
    'Intro\ntext'
    """
    return "\n".join(_split_fences(markdown)[0])


def _split_fences(markdown: str) -> tuple[list[str], list[list[str]]]:
    """The lines outside fenced code blocks, and each block's lines; fence lines belong to neither."""
    outside: list[str] = []
    blocks: list[list[str]] = []
    inside = False
    for line in markdown.splitlines():
        if FENCE.match(line):
            inside = not inside
            if inside:
                blocks.append([])
        elif inside:
            blocks[-1].append(line)
        else:
            outside.append(line)
    return outside, blocks


def plain_for_reference(markdown: str) -> str:
    """Plain text for the eval's references: one line per paragraph or list item, code kept verbatim.

    >>> plain_for_reference("* * **Tanh** is <mark>centered</mark> at **\\\\-1**, see [docs](http://x).")
    'Tanh is centered at -1, see docs.'
    """
    out: list[str] = []
    code: list[str] | None = None
    for line in markdown.splitlines():
        if FENCE.match(line):
            if code is None:
                code = []
            else:
                out.extend(textwrap.dedent("\n".join(code)).strip("\n").splitlines())
                code = None
        elif code is not None:
            code.append(line.rstrip())
        elif text := _reference_line(line):
            out.append(text)
    if code:  # an unclosed fence keeps its code rather than losing it
        out.extend(textwrap.dedent("\n".join(code)).strip("\n").splitlines())
    return "\n".join(out)


def _reference_line(line: str) -> str:
    text = strip_inline(_LIST_MARKERS.sub("", line.strip()))
    text = _LATEX_TEXT.sub(r"\1", text).replace("\\times", "×")
    return fold(_DISPLAY_MATH.sub(r"\1", text))
