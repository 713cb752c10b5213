"""Plain values the bot hands out: passages, citations and answers.

Each has one `to_dict()`, the JSON-safe shape every writer uses (the UI's `/ask`, the feedback
log, the LangChain retriever), so a passage reads the same wherever it is written down.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Grounding = Literal["generated", "repaired", "extractive", "related", "refused"]
Outcome = Literal["answered", "related", "refused"]


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

    @property
    def where(self) -> str:
        """Its file and lines, as the sources panel and the terminal both show it: `data/article.md lines 10–17`."""
        start, end = self.lines
        return f"{self.source or 'article'} lines {start}–{end}"

    def to_dict(self) -> dict[str, Any]:
        """`{"id", "text", "section", "question", "score", "lines": [start, end], "source"}`."""
        return {
            "id": self.id,
            "text": self.text,
            "section": self.section,
            "question": self.question,
            "score": self.score,
            "lines": list(self.lines),
            "source": self.source,
        }


@dataclass(frozen=True)
class Citation:
    """The `[n]` marker in an answer and the passage it points at."""

    n: int
    passage: Passage

    def to_dict(self) -> dict[str, Any]:
        """The passage's dict with the marker number first: `{"n", "id", "text", ...}`."""
        return {"n": self.n, **self.passage.to_dict()}


@dataclass(frozen=True)
class Status:
    """A stage the answer is waiting on ("looking up …"), streamed before the draft so a UI can say it."""

    text: str


@dataclass(frozen=True)
class Ranked:
    """One retrieved passage as the ranking saw it: its id and question, dense cosine and BM25 score."""

    id: str
    question: str
    dense: float
    lexical: float


@dataclass(frozen=True)
class Judgement:
    """One draft sentence as the checks saw it: the passage number it stands on (None: dropped), the checks
    that failed (against the first passage tried, when dropped)."""

    sentence: str
    passage: int | None
    failed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Trace:
    """One pass of a question through the pipeline, everything the outcome was decided on (`bot.decide`).

    `decision` is the verdict before generation (`answer`, `tentative`, `related`, `refuse`, `empty`) with its
    `confidence` and `reason`; `second_look` is the expanded top cosine when a refusal was looked at again;
    `first_draft` is the generator's draft when it did not stand and the judge's model wrote `draft` instead;
    `added`, the entry's sentence a thin answer was completed with (`bot.complete`).
    """

    question: str
    standalone: str = ""
    expansion: str = ""
    ranking: tuple[Ranked, ...] = ()
    decision: str = ""
    confidence: float = 0.0
    reason: str = ""
    second_look: float | None = None
    draft: str = ""
    judgements: tuple[Judgement, ...] = ()
    outcome: Outcome = "refused"
    first_draft: str = ""
    added: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """A checked answer: every `[n]` in `text` has its `Citation`.

    `outcome` is what the user got: `answered`, `related` (the article has a close entry but does
    not answer the question: the entry is cited as the closest one, never as the answer) or `refused`;
    `refused` and `empty` (the reply to a question with no text, which a UI shows as a plain prompt) derive
    from it and the trace. `expansion` is what query expansion added to the question before retrieval
    ("" when it was off). `judge` names the model that checked each sentence against its passage ("" when
    word rules did, or nothing was drafted). `trace` is the whole pass that led here.
    """

    text: str
    citations: list[Citation] = field(default_factory=list, hash=False)
    outcome: Outcome = "answered"
    passages: list[Passage] = field(default_factory=list, hash=False)
    timings: dict[str, float] = field(default_factory=dict, hash=False)
    grounding: Grounding = "generated"
    question: str = ""
    standalone_question: str = ""
    draft: str = ""
    notice: str = ""
    model: str = ""
    expansion: str = ""
    judge: str = ""
    trace: Trace | None = field(default=None, hash=False, compare=False)

    @property
    def refused(self) -> bool:
        return self.outcome == "refused"

    @property
    def empty(self) -> bool:
        return self.trace is not None and self.trace.decision == "empty"

    def to_dict(self) -> dict[str, Any]:
        """Every field, JSON-safe: citations and passages as their own `to_dict()`s."""
        return {
            "text": self.text,
            "outcome": self.outcome,
            "grounding": self.grounding,
            "refused": self.refused,
            "empty": self.empty,
            "model": self.model,
            "notice": self.notice,
            "citations": [c.to_dict() for c in self.citations],
            "question": self.question,
            "standalone_question": self.standalone_question,
            "passages": [p.to_dict() for p in self.passages],
            "draft": self.draft,
            "expansion": self.expansion,
            "judge": self.judge,
            "timings": dict(self.timings),
            "trace": None if self.trace is None else self.trace.to_dict(),
        }
