"""The labelled question sets in `data/eval` as one list of `EvalItem`s: article questions, paraphrases, follow-ups,
out-of-scope.

Here, below them, because three products read them: the regression gate scores them, the benchmark asks
the paraphrases, and the tools tune the scope gate on their dev halves and build `qa.jsonl`.

Gold is matched by normalized question text, never by chunk id, so the article's duplicated
question ("What is Adam and why ...", asked twice) is one gold group whose every passage counts,
and re-chunking the index does not invalidate the labels.

Deliberately not done here: splitting or sampling. Article items carry split "all" (they are the
verbatim sanity set); paraphrases and out-of-scope items keep the split written in their file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from common.errors import InputError
from common.paths import EVAL_DIR
from common.text import question_key


@dataclass(frozen=True)
class EvalItem:
    """One question to ask the bot, with what counts as the right source and answer.

    `gold_questions` are article question texts (empty for out-of-scope items); `references` are
    the article's answers to them with markdown stripped, one per copy of a duplicated question;
    `history`, the user turns asked before a follow-up ("What is dropout?" before "and at test time?").
    """

    id: str
    question: str
    gold_questions: tuple[str, ...]
    set: str
    kind: str
    split: str
    references: tuple[str, ...] = ()
    history: tuple[str, ...] = ()

    @property
    def gold(self) -> frozenset[str]:
        """Normalized gold questions, the form the retrieval and citation metrics take."""
        return frozenset(question_key(q) for q in self.gold_questions)

    @property
    def in_scope(self) -> bool:
        """In-scope items should be answered with citations; the others should be refused."""
        return bool(self.gold_questions)


def load_article(path: Path = EVAL_DIR / "qa.jsonl") -> list[EvalItem]:
    """Every article question asked verbatim (set "article", kind "verbatim", split "all")."""
    return [
        EvalItem(
            id=row["id"],
            question=row["question"],
            gold_questions=(row["question"],),
            set="article",
            kind="verbatim",
            split="all",
            references=tuple(row["reference"]),
        )
        for row in _rows(path, ("id", "question", "reference"))
    ]


def load_paraphrases(path: Path, article: list[EvalItem], name: str = "paraphrase") -> list[EvalItem]:
    """Reworded questions; each `gold` must name an article question, or the file is rejected.

    `name` is the set they form: `paraphrase` (reworded article questions), `interview`
    (terse, typo'd, two-part questions as interviewers and students write them) or `follow_up` (a question
    asked after the user turns in its `history`, which it leans on: "how are its cell state and hidden state used?").

    An unmatched gold would make every retrieval metric of that item silently 0, so it is an error.
    """
    by_key = {question_key(item.question): item for item in article}
    items = []
    for row in _rows(path, ("id", "question", "gold", "split")):
        target = by_key.get(question_key(row["gold"]))
        if target is None:
            raise InputError(f"{path.name} {row['id']}: expected gold to be an article question, got {row['gold']!r}")
        items.append(
            EvalItem(
                id=row["id"],
                question=row["question"],
                gold_questions=target.gold_questions,
                set=name,
                kind=name,
                split=row["split"],
                references=target.references,
                history=tuple(row.get("history", ())),
            )
        )
    return items


def load_out_of_scope(path: Path, name: str = "out_of_scope") -> list[EvalItem]:
    """Questions the article does not answer; `kind` is off_topic, dl_not_covered or injection (`out_of_scope`),
    or neighbour, missing_topic or practical (`hard_out_of_scope`: deep-learning questions next to the article's)."""
    return [
        EvalItem(
            id=row["id"],
            question=row["question"],
            gold_questions=(),
            set=name,
            kind=row["kind"],
            split=row["split"],
        )
        for row in _rows(path, ("id", "question", "kind", "split"))
    ]


def load_all(eval_dir: Path = EVAL_DIR) -> list[EvalItem]:
    """All six sets in file order; item ids are checked to be unique across them.

    Raises:
        InputError: a file is missing or malformed, a gold is unknown, or an id repeats.
    """
    article = load_article(eval_dir / "qa.jsonl")
    items = [
        *article,
        *load_paraphrases(eval_dir / "paraphrases.jsonl", article),
        *load_paraphrases(eval_dir / "interview.jsonl", article, "interview"),
        *load_paraphrases(eval_dir / "follow_ups.jsonl", article, "follow_up"),
        *load_out_of_scope(eval_dir / "out_of_scope.jsonl"),
        *load_out_of_scope(eval_dir / "hard_out_of_scope.jsonl", "hard_out_of_scope"),
    ]
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise InputError(f"Expected unique eval ids, got {item.id!r} twice")
        seen.add(item.id)
    return items


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[dict]:
    if not path.is_file():
        hint = " (run: python tools/build.py)" if path.name == "qa.jsonl" else ""
        raise InputError(f"Expected an eval file at {path}{hint}, found none")
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"{path.name}:{number}: expected one JSON object per line, got {line[:60]!r}") from e
        missing = [key for key in required if key not in row]
        if missing:
            raise InputError(f"{path.name}:{number}: expected keys {list(required)}, missing {missing}")
        yield row
