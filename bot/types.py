"""Plain values the bot hands out: passages, citations and answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Grounding = Literal["generated", "repaired", "extractive", "refused"]


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk of the article; `text` is the whole chunk, question included."""

    id: str
    text: str
    section: str
    question: str
    score: float
    lines: tuple[int, int]
    source: str = ""

    @property
    def answer(self) -> str:
        """The article's answer part of the chunk (markdown)."""
        head = f"{self.question}\n\n"
        return self.text[len(head) :] if self.question and self.text.startswith(head) else self.text


@dataclass(frozen=True)
class Citation:
    """The `[n]` marker in an answer and the passage it points at."""

    n: int
    passage: Passage


@dataclass(frozen=True)
class Answer:
    """A checked answer: every `[n]` in `text` has its `Citation`."""

    text: str
    citations: list[Citation] = field(default_factory=list, hash=False)
    refused: bool = False
    passages: list[Passage] = field(default_factory=list, hash=False)
    timings: dict[str, float] = field(default_factory=dict, hash=False)
    grounding: Grounding = "generated"
    question: str = ""
    standalone_question: str = ""
    draft: str = ""
    notice: str = ""
