"""Turn the article's irregular markdown into one `QARecord` per question.

The article marks questions in several ways (`* **Q**` bullets, bare `**Q**` lines, with or
without `?`) and uses the same bold style for sub-headings inside answers (`**Why Adam?**`,
`**Training Phase:**`). A bold line at column 0 is a question when it opens a block (after a
`---` separator or a `###` heading), or when it reads as a full question: it ends with `?` or
starts with a question word, has at least three words, and does not end with `:`.

Deliberately not handled: questions inside code blocks or indented lists (they are answer text),
and setext headings.
"""

from __future__ import annotations

import re

from common.text import FENCE, strip_inline
from ingest.records import QARecord

_BOLD_LINE = re.compile(r"^(?:\* )?\*\*(?P<bold>.+?)\*\*(?P<rest>.*)$")
_HEADING = re.compile(r"^#{1,6}\s+(?P<title>.+?)\s*#*\s*$")
_SEPARATOR = re.compile(r"^\s*(?:---+|\*\*\*+|___+)\s*$")
_IMAGE = re.compile(r"^\s*!\[[^\]]*\]\([^)]*\)\s*$")
_CHAT_RESIDUE = re.compile(r"^\s*(Thank you for sharing|Based on the (content|image) provided)", re.I)
_QUESTION_WORDS = frozenset(
    [
        "what",
        "how",
        "why",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "is",
        "are",
        "can",
        "could",
        "do",
        "does",
        "did",
        "should",
        "explain",
        "describe",
        "discuss",
        "name",
        "difference",
        "compare",
        "define",
        "list",
    ]
)
_MIN_QUESTION_WORDS = 3


def parse_article(text: str) -> list[QARecord]:
    """Split markdown into Q&A records, in document order.

    Line numbers are 1-based positions in `text`. Front matter, separators, images and
    chat residue are left out of answers; code blocks stay with their answer.
    """
    lines = text.splitlines()
    records: list[QARecord] = []
    section = ""
    opens_block = True
    in_fence = False
    current: tuple[str, int, str] | None = None  # question, line, section
    body: list[tuple[int, str]] = []

    def close() -> None:
        if current is None:
            return
        question, line_no, sec = current
        kept = [(n, line) for n, line in body if _is_answer_line(line)]
        while kept and not kept[-1][1].strip():
            kept.pop()
        end = kept[-1][0] if kept else line_no
        answer = _dedent("\n".join(line for _, line in kept)).strip("\n")
        records.append(QARecord(question, answer, sec, line_no, end))

    for index, line in enumerate(lines[_front_matter_end(lines) :], start=_front_matter_end(lines)):
        line_no = index + 1
        if FENCE.match(line):
            in_fence = not in_fence
        if in_fence or FENCE.match(line):
            body.append((line_no, line))
            opens_block = False
            continue
        if not line.strip():
            body.append((line_no, line))
            continue
        if _SEPARATOR.match(line):
            opens_block = True
            continue
        heading = _HEADING.match(line)
        if heading:
            close()
            current, body = None, []
            section = strip_inline(heading["title"])
            opens_block = True
            continue
        question = _question(line, opens_block)
        opens_block = False
        if question:
            close()
            current, body = (question, line_no, section), []
            continue
        body.append((line_no, line))
    close()
    return records


def _front_matter_end(lines: list[str]) -> int:
    if lines and lines[0].strip() == "---":
        for i in range(1, len(lines)):
            if lines[i].strip() == "---":
                return i + 1
    return 0


def _question(line: str, opens_block: bool) -> str | None:
    match = _BOLD_LINE.match(line)
    if not match:
        return None
    rest = match["rest"].strip()
    if rest and rest != ":" and not rest.endswith("?"):
        return None  # a bold lead-in to a sentence, e.g. "**SGD** is an optimizer."
    text = strip_inline(f"{match['bold']} {rest}".strip())
    if opens_block:
        return text.rstrip(":").strip() or None
    if text.endswith(":"):
        return None
    words = text.split()
    reads_as_question = text.endswith("?") or words[0].lower().strip(":,") in _QUESTION_WORDS
    return text if reads_as_question and len(words) >= _MIN_QUESTION_WORDS else None


def _is_answer_line(line: str) -> bool:
    return not (_IMAGE.match(line) or _CHAT_RESIDUE.match(line))


def _dedent(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return "\n".join(line[cut:] for line in lines)
