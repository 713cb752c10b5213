"""A thin answer completed in its entry's own words.

The 0.5B often answers in one sentence that misses what the question asked for ("Dropout is a technique used
to prevent overfitting", never saying what it drops). An answer of fewer sentences than the prompt asks for
gets the cited entry's statement that best matches the question and that the answer does not already make,
quoted as the article wrote it (a sub-item keeps its bold label: "Gradient Descent (GD): Guaranteed to converge").
A question that asks for a list ("What are the ways to solve exploding gradients?") answered from an entry that is
one gets the first statement of each item the answer leaves out, so the fourth way is not lost to the prompt's
two to four sentences.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from bot.ground import Grounded
from bot.items import OWN_LABEL
from bot.policy import GROUNDING
from bot.types import Passage
from common.text import FENCE, LIST_MARKER, content_tokens, disarm_markers, markers, sentences, strip_inline, support

# A question asking for several things: "what are the ways ...", "list the fixes", "what else can I do".
_ASKS_FOR_LIST = re.compile(
    r"\b(?:ways|fixes|methods|techniques|list|types|kinds|examples|strategies|approaches|remedies|solutions"
    r"|what else|name (?:a few|some))\b",
    re.I,
)
_PICKS = re.compile(r"\bwhich\b", re.I)  # "which of those changes the network itself?" asks for one of them
_LABELLED = re.compile(r"^([^:.]{1,60}):\s")
_SET_ASIDE = re.compile(r"\b(?:besides|beyond|other than|apart from|aside from|except(?: for)?)\s+([^,.;?]+)", re.I)
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
    """`checked` with more of `passage` (cited as [1]): the items of a list it leaves out, when the question asks
    for a list, else one more sentence when it has fewer than the prompt asks for.

    Only a written answer that cites `passage` as [1] is completed; a quote or a related reply is left as it is.
    Its `grounding` stays what the checks made it: `added` says what was appended, for the UI to say so.
    The added sentence is the entry's statement sharing most of the question's words the answer lacks (the
    earliest on a tie), among those the answer does not already state (lexical support under `GROUNDING.support`).
    """
    text = checked.text
    if checked.grounding not in ("generated", "repaired") or 1 not in markers(text):
        return checked
    found = statements(passage.answer)
    asks_for_list = _ASKS_FOR_LIST.search(question) and not _PICKS.search(question)
    missing = _missing_items(found, text, question) if asks_for_list else []
    count = len(sentences(text))
    if missing and count < GROUNDING.list_most_sentences:
        return _appended(checked, missing[: GROUNDING.list_most_sentences - count])
    if count >= GROUNDING.complete_below:
        return checked
    fresh = [s for s in found if support(s, text) < GROUNDING.support]
    if not fresh:
        return checked
    wanted = set(content_tokens(question)) - set(content_tokens(text))
    return _appended(checked, [max(fresh, key=lambda s: (len(wanted & set(content_tokens(s))), -fresh.index(s)))])


def added_note(added: str) -> str:
    """What the UI and CLI say under an answer that `complete` added to."""
    n = len(markers(added))
    which = "The last sentence is" if n == 1 else f"The last {n} sentences are"
    return f"{which} the article's own, added to complete the answer."


def _missing_items(found: list[str], text: str, question: str) -> list[str]:
    """The first statement of each labelled item of an entry of at least three that `text` neither states nor
    names by its label's words, in the entry's order, leaving out what the question sets aside ("Beyond switching to
    ReLU, what else ...?"); [] for an entry that is no such list."""
    items: dict[str, list[str]] = {}
    for statement in found:
        if label := _LABELLED.match(statement):
            items.setdefault(label.group(1), []).append(statement)
    if len(items) < GROUNDING.list_least_items:
        return []
    said = set(content_tokens(text))
    aside = {w for part in _SET_ASIDE.findall(question) for w in content_tokens(part)}
    named = {label: set(content_tokens(label)) for label in items}
    shared = {w for w, n in Counter(w for label_words in named.values() for w in label_words).items() if n > 1}
    return [
        said_of[0]
        for label, said_of in items.items()
        if not named[label] <= said
        and not (named[label] - shared) & aside  # "Gradient Clipping" for "besides clipping"
        and all(support(s, text) < GROUNDING.support for s in said_of)
    ]


def _appended(checked: Grounded, statements_: list[str]) -> Grounded:
    added = " ".join(f"{s.rstrip(' .;:')} [1]." for s in statements_)
    return replace(checked, text=f"{checked.text.rstrip()} {added}", added=added)  # [1] is cited already
