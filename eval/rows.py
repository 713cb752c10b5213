"""What one eval run produces: a `Row` per question and the `Result` around them, and their JSON.

A score has one key everywhere, in a row, in a set's summary, in the rules and in the tables:
a row's `mrr@10` is its reciprocal rank, and the set's `mrr@10` is their mean. `Result` is what
`--json` and `--write-baseline` write and what `--baseline` reads back, one question a line.

Deliberately not here: computing scores (`eval.run`, `eval.metrics`), summaries (`eval.aggregate`)
and judging (`eval.regression`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import Answer
from common.errors import BotError

SCHEMA = "dlqa-eval/4"  # 4: a row's reply is the Answer JSON; 3: its outcome; 2: mrr@10, written, relevance, repetition

Scores = Mapping[str, float | None]


@dataclass(frozen=True)
class Row:
    """One question as asked: what came back, its scores (None = could not be computed), its timings.

    `reply` is the bot's `Answer.to_dict()`, the JSON the CLI and the API give, less its `passages`
    (a row's `ranked_ids` name them) and `timings` (the row's own); None in a retrieval-only run,
    whose `outcome` is the scope gate's. `ranked` holds the top five questions, `ranked_ids` the ids of all
    ten ranked passages.
    """

    id: str
    set: str
    split: str
    kind: str
    question: str
    in_scope: bool
    scope_confidence: float
    ranked: tuple[str, ...] = ()
    ranked_ids: tuple[str, ...] = ()
    reply: Mapping[str, Any] | None = field(default=None, hash=False)
    outcome: str = ""  # answered, related or refused: the reply's, else the scope gate's
    scores: Scores = field(default_factory=dict, hash=False)
    errors: tuple[str, ...] = ()
    timings: Mapping[str, float] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not self.outcome and self.reply is not None:
            object.__setattr__(self, "outcome", self.reply["outcome"])

    @property
    def grounding(self) -> str | None:
        return None if self.reply is None else self.reply["grounding"]

    @property
    def refused(self) -> bool:
        return self.outcome == "refused"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "set": self.set,
            "split": self.split,
            "kind": self.kind,
            "question": self.question,
            "in_scope": self.in_scope,
            "scope_confidence": self.scope_confidence,
            "ranked": list(self.ranked),
            "ranked_ids": list(self.ranked_ids),
            "reply": None if self.reply is None else dict(self.reply),
            "outcome": self.outcome,
            "scores": dict(self.scores),
            "errors": list(self.errors),
            "timings": dict(self.timings),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Row:
        return cls(
            **{
                **data,
                "ranked": tuple(data["ranked"]),
                "ranked_ids": tuple(data["ranked_ids"]),
                "scores": dict(data["scores"]),
                "errors": tuple(data["errors"]),
                "timings": dict(data["timings"]),
            }
        )


def reply(answer: Answer) -> dict[str, Any]:
    """The answer's JSON as a row keeps it: `Answer.to_dict()` less `passages`, `timings` and `trace` (the row's
    own ranking, confidence and timings come from the trace)."""
    return {key: value for key, value in answer.to_dict().items() if key not in ("passages", "timings", "trace")}


@dataclass(frozen=True)
class Result:
    """A whole run: how it was made, its fingerprint, metrics per set, latency, errors and rows."""

    config: Mapping[str, Any] = field(hash=False)
    fingerprint: str
    metrics: Mapping[str, Mapping[str, float | None]] = field(hash=False)
    latency: Mapping[str, Mapping[str, float]] = field(hash=False)
    errors: tuple[str, ...]
    questions: tuple[Row, ...]
    schema: str = SCHEMA

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "config": dict(self.config),
            "fingerprint": self.fingerprint,
            "metrics": {name: dict(values) for name, values in self.metrics.items()},
            "latency": {stage: dict(values) for stage, values in self.latency.items()},
            "errors": list(self.errors),
            "questions": [row.to_dict() for row in self.questions],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Result:
        return cls(
            schema=data.get("schema", ""),
            config=dict(data["config"]),
            fingerprint=data["fingerprint"],
            metrics={name: dict(values) for name, values in data["metrics"].items()},
            latency={stage: dict(values) for stage, values in data["latency"].items()},
            errors=tuple(data["errors"]),
            questions=tuple(Row.from_dict(row) for row in data["questions"]),
        )


def fingerprint(rows: Sequence[Row]) -> str:
    """sha256 over every per-question output and score, sorted by id; timings excluded."""
    payload = []
    for row in sorted(rows, key=lambda r: r.id):
        data = row.to_dict()
        del data["timings"]
        payload.append(data)
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def read_result(path: Path) -> Result:
    """A run or baseline written by `write_json`; a missing or unreadable file is one BotError line."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("schema") != SCHEMA:
            raise BotError(
                f"Expected an eval result of schema {SCHEMA} in {path}, got {data.get('schema')!r}: "
                "write a new one with --write-baseline"
            )
        return Result.from_dict(data)
    except FileNotFoundError as e:
        raise BotError(f"Expected a baseline at {path}, found none (make one with --write-baseline)") from e
    except json.JSONDecodeError as e:
        raise BotError(f"Expected JSON in {path}, got a parse error: {e}") from e
    except (KeyError, TypeError, ValueError) as e:
        raise BotError(f"Expected an eval result in {path}, got a file without {e}") from e


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Indented JSON with one line per question, so a new baseline's diff reads question by question."""
    parts = []
    for key, value in data.items():
        if key == "questions":
            lines = ",\n".join("  " + json.dumps(row, ensure_ascii=False) for row in value)
            parts.append(f' "questions": [\n{lines}\n ]')
        else:
            text = json.dumps(value, ensure_ascii=False, indent=1).replace("\n", "\n ")
            parts.append(f" {json.dumps(key)}: {text}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{\n" + ",\n".join(parts) + "\n}\n", encoding="utf-8")
