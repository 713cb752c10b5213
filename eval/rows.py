"""What one eval run produces: a `Row` per question and the `Result` around them, and their JSON.

A score has one key everywhere, in a row, in a set's summary, in the rules and in the tables:
a row's `mrr@10` is its reciprocal rank, and the set's `mrr@10` is their mean. `Result` is what
`--json` and `--write-baseline` write and what `--baseline` reads back, one question a line.

Deliberately not here: computing scores (`eval.run`, `eval.metrics`), summaries (`eval.aggregate`)
and judging (`eval.gate`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.errors import BotError

SCHEMA = "dlqa-eval/3"  # 3: a row's outcome (answered, related, refused); 2: mrr@10, written, relevance, repetition

Scores = Mapping[str, float | None]


@dataclass(frozen=True)
class Row:
    """One question as asked: what came back, its scores (None = could not be computed), its timings.

    `answer`, `grounding` and `draft` are None in a retrieval-only run; `citations` are
    `(n, passage question, passage id[:12])`; `ranked` holds the top five questions and
    `ranked_ids` the ids of all ten ranked passages.
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
    answer: str | None = None
    citations: tuple[tuple[int, str, str], ...] = ()
    grounding: str | None = None
    draft: str | None = None
    refused: bool = False
    outcome: str = ""  # answered, related or refused ("" in rows written before the related outcome)
    scores: Scores = field(default_factory=dict, hash=False)
    errors: tuple[str, ...] = ()
    timings: Mapping[str, float] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not self.outcome:  # a row made without one: refused or answered, as before the related outcome
            object.__setattr__(self, "outcome", "refused" if self.refused else "answered")

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
            "answer": self.answer,
            "citations": [list(c) for c in self.citations],
            "grounding": self.grounding,
            "draft": self.draft,
            "refused": self.refused,
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
                "citations": tuple((int(n), str(q), str(i)) for n, q, i in data["citations"]),
                "scores": dict(data["scores"]),
                "errors": tuple(data["errors"]),
                "timings": dict(data["timings"]),
            }
        )


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
        return Result.from_dict(json.loads(path.read_text(encoding="utf-8")))
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
