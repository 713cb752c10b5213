"""A thin answer completed in its entry's own words.

The 0.5B often answers in one sentence that misses what the question asked for ("Dropout is a technique used
to prevent overfitting", never saying what it drops). An answer of fewer sentences than the prompt asks for
gets the cited entry's statement that best matches the question and that the answer does not already make,
quoted as the article wrote it (a sub-item keeps its bold label: "Gradient Descent (GD): Guaranteed to converge").
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.ground import Grounded
from bot.items import OWN_LABEL
from bot.policy import GROUNDING
from bot.types import Passage
from common.text import FENCE, LIST_MARKER, content_tokens, disarm_markers, markers, sentences, strip_inline, support

ADDED_NOTE = "The last sentence is the article's own, added to complete the answer."  # what the UI and CLI say
_BOLD_LABEL = re.compile(r"(\d+\.\s*)?([*-]\s*)?\*\*[^*]+\*\*\s*:?\s*")
_NUMBERED = re.compile(r"^\d+\.\s+")


def statements(markdown: str) -> list[str]:
    """The entry's self-contained statements, in order: one per sentence of prose or list item, code left out.

    A line ending in ":" introduces what follows; when it is a bold label alone ("**Gradient Descent (GD)**:"),
    the items under it carry it, so "Guaranteed to converge" still says what it is said of. A label that is itself
    a list item holds for deeper items; one that is not (a "**Dropout:**" heading) holds for the items that
    follow it, up to the next line of prose.
    """
    found: list[str] = []
    labels: list[tuple[int, bool, str]] = []  # indent, whether the label's line is a list item, the label
    inside = False
    for line in markdown.splitlines():
        if FENCE.match(line):
            inside = not inside
            continue
        if inside or not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        item = bool(LIST_MARKER.match(line.strip()))
        plain = _NUMBERED.sub("", strip_inline(line.strip().lstrip("*-#> ").strip()))
        plain = disarm_markers(plain)
        labels = [
            (i, listed, label) for i, listed, label in labels if i < indent or (item and not listed and i <= indent)
        ]
        if plain.endswith(":"):
            if _BOLD_LABEL.fullmatch(line.strip()):
                labels.append((indent, item, plain[:-1].strip()))
            continue
        label = labels[-1][2] if labels else ""
        for sentence in sentences(plain):
            if len(content_tokens(sentence)) >= GROUNDING.complete_min_tokens:
                found.append(f"{label}: {sentence}" if label and not OWN_LABEL.match(sentence) else sentence)
    return found


def complete(checked: Grounded, passage: Passage, question: str) -> Grounded:
    """`checked` with one more sentence from `passage` (cited as [1]) when it has fewer than the prompt asks for.

    Only a written answer that cites `passage` as [1] is completed; a quote or a related reply is left as it is.
    Its `grounding` stays what the checks made it: `added` says what was appended, for the UI to say so.
    The added sentence is the entry's statement sharing most of the question's words the answer lacks (the
    earliest on a tie), among those the answer does not already state (lexical support under `GROUNDING.support`).
    """
    text = checked.text
    if checked.grounding not in ("generated", "repaired") or 1 not in markers(text):
        return checked
    if len(sentences(text)) >= GROUNDING.complete_below:
        return checked
    fresh = [s for s in statements(passage.answer) if support(s, text) < GROUNDING.support]
    if not fresh:
        return checked
    wanted = set(content_tokens(question)) - set(content_tokens(text))
    best = max(fresh, key=lambda s: (len(wanted & set(content_tokens(s))), -fresh.index(s)))
    added = f"{best.rstrip(' .;:')} [1]."
    return replace(checked, text=f"{text.rstrip()} {added}", added=added)  # [1] is cited already
