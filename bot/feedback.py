"""Like/dislike votes on answers, kept as one JSON object per line in `feedback.jsonl`.

The log is append-only: each record is written with one `os.write` on a file opened with
`O_APPEND`, under a lock, then flushed to disk with `fsync`, so two users voting at once never
interleave or lose a line. Deliberately not done: rotation, deduplication of repeated votes
(the last vote for an answer wins when the log is read), or locking across processes beyond
what `O_APPEND` gives on a local disk.

>>> import tempfile, pathlib
>>> from bot.types import Answer
>>> log = FeedbackLog(pathlib.Path(tempfile.mkdtemp()) / "feedback.jsonl")
>>> log.append(Feedback.on(Answer("How far the filter moves [1]."), "like", question="What is stride?"))
>>> [r["vote"] for r in log.read()]
['like']
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from bot.types import Answer

Vote = Literal["like", "dislike", "retracted"]
FILENAME = "feedback.jsonl"


@dataclass(frozen=True)
class Feedback:
    """One vote on one reply: what was asked, and the reply as `Answer.to_dict()`, the JSON the CLI
    and the API give (cited passages whole, so a record still reads right after the article is
    edited and re-indexed); a turn that failed has no answer, only its error line."""

    question: str
    vote: Vote
    answer: dict[str, Any] | None = None
    error: str = ""
    time: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @classmethod
    def on(cls, answer: Answer, vote: Vote, *, question: str | None = None) -> Feedback:
        """The vote on a bot `Answer`; `question` is what the user typed, when the answer says less."""
        return cls(answer.question if question is None else question, vote, answer.to_dict())

    @classmethod
    def failed(cls, question: str, error: str, vote: Vote) -> Feedback:
        """The vote on a turn that ended in an error line instead of an answer."""
        return cls(question, vote, error=error)


class FeedbackLog:
    """The append-only `feedback.jsonl` under a data folder; safe for concurrent writers."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    @classmethod
    def in_dir(cls, data_dir: Path) -> FeedbackLog:
        return cls(Path(data_dir) / FILENAME)

    def append(self, feedback: Feedback) -> None:
        """Write one record as one line, durably (flushed and fsynced before returning)."""
        line = (json.dumps(asdict(feedback), ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                written = os.write(fd, line)
                while written < len(line):  # only on a full disk or a signal; keep the record whole
                    written += os.write(fd, line[written:])
                os.fsync(fd)
            finally:
                os.close(fd)

    def read(self) -> list[dict[str, Any]]:
        """Every record, oldest first; an absent log is empty."""
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as lines:
            return [json.loads(line) for line in lines if line.strip()]
