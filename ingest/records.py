"""Plain values that flow out of ingestion: Q&A records and the chunks made from them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QARecord:
    """One question of the article with its answer, as written (markdown kept)."""

    question: str
    answer: str
    section: str
    start_line: int
    end_line: int


@dataclass(frozen=True)
class Chunk:
    """The unit that is embedded and stored: one record, or one piece of a long record."""

    id: str
    text: str
    question: str
    answer: str
    section: str
    source: str
    start_line: int
    end_line: int
    key: str
    piece: int = 0
