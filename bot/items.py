"""List items that a copied sentence runs together, separated again.

The prompt shows each passage as one paragraph (`common.text.plain_for_prompt`; punctuating its lists there was
measured and not kept, docs/evaluation.md), so the model copies "High learning rate The gradient blowing up
Improper loss function". After the checks, the bot gives the items of the cited passage their separators back;
no word changes, so no judgement can.
"""

from __future__ import annotations

import itertools
import re
from typing import NamedTuple

from common.text import FENCE, LIST_MARKER, fold

_BOLD_LINE = re.compile(r"\*\*[^*]+\*\*")
OWN_LABEL = re.compile(r"^[^:.]{1,40}:\s")  # "Level of Operation: ..." is labelled already
_ENDED = re.compile(r"[.!?:;,]$")
_ALNUM = re.compile(r"[A-Za-z0-9]")
_MOST_ITEM_WORDS = 12
_LEADS = frozenset({"The", "These", "This", "It", "They", "A", "An", "Each", "All", "Both", "When", "If", "There"})


def separate_items(text: str, markdown: str) -> str:
    """`text` with the list items of `markdown` that it runs together separated again.

    The prompt shows a passage as one paragraph, so a copied list reads "High learning rate The gradient blowing
    up Improper loss function"; this gives "High learning rate, The gradient blowing up, Improper loss function".
    The next item's first word must keep its case: "Vanishing Gradient Problem occurs when ..." is the model's
    own sentence, not a run-together label.
    """
    for line, following in itertools.pairwise(_lines(markdown)):
        separator = _separator(line, following) if line.item else None
        if separator:
            first = following.text.split()[0]
            pattern = rf"(?<![\w-])((?i:{re.escape(line.text)})) ({re.escape(first)})(?![\w-])"
            text = re.sub(pattern, lambda m, s=separator: f"{m[1]}{s} {_opened(m[2], s)}", text)
    return text


class _Line(NamedTuple):
    text: str  # without list markers, bold or code marks
    item: bool  # a list item (not a fence, a line of code, a title or a paragraph)
    bold: bool  # all bold: with items under it, a label naming what they are about ("**Vanishing Gradient Problem**")
    indent: int


def _lines(markdown: str) -> list[_Line]:
    """The non-empty lines of `markdown`, each plain and with what kind of line it is."""
    lines: list[_Line] = []
    code = False
    for line in markdown.splitlines():
        fence = bool(FENCE.match(line))
        code = code != fence
        bare = LIST_MARKER.sub("", line).strip()
        plain = fold(bare.replace("**", "").replace("`", ""))
        if plain:
            item = bool(LIST_MARKER.match(line)) and not (code or fence)
            indent = len(line) - len(line.lstrip())
            lines.append(_Line(plain, item, bool(_BOLD_LINE.fullmatch(bare)), indent))
    return lines


def _separator(line: _Line, following: _Line) -> str | None:
    """How a list item with no closing punctuation is closed before the next line: ":" after a label, ","
    before another item, ";" where the list ends (a paragraph, a label like "Example:", or an item that is a
    sentence: "These gates help ... forget."); None where nothing is needed."""
    item = line.text
    if _ENDED.search(item) or not _ALNUM.search(item) or len(item.split()) > _MOST_ITEM_WORDS:
        return None
    if line.bold and following.indent > line.indent:
        return None if OWN_LABEL.match(following.text) else ":"  # "Cause: ..." is labelled already
    sentence = following.text.split()[0] in _LEADS and _ENDED.search(following.text)
    return ";" if sentence or not following.item or following.text.endswith(":") else ","


def _opened(line: str, separator: str) -> str:
    """A sentence after a semicolon starts in lower case ("; these gates help"), a name does not."""
    return line[0].lower() + line[1:] if separator == ";" and line.split()[0] in _LEADS else line
