"""Build data/eval/grounding.jsonl: true answer sentences and corruptions made from them by rule.

Each seed (one line of `data/eval/grounding_seeds.jsonl`) is one correct sentence, a paraphrase of
one fact in one article answer (an answer that is a single chunk in the index), written the way a
good model would answer. Beside it stand the hints the rules need: which two terms to exchange (`swap`), which number to change (`number`),
which word to negate (`negate`), and which term to replace by a term of another passage
(`foreign`). The rules themselves are mechanical, so a reader can check every corrupted row
against its seed. Every corrupted sentence was read against its passage and is false there.

Beside the rule-made rows stand hand-written ones (`data/eval/grounding_written.jsonl`), for
failures no rule makes. Each names its kind: true sentences a verifier must keep (`pair_second`,
the second half of a two-part answer; `list_item`, an item or example the answer lists;
`verbatim`, a sentence copied from the answer; `code`, a line of code or a formula quoted from
it) and false ones it must reject (`cross_swap`, one thing's property given to the other thing
the answer contrasts it with; `causal`, a cause and effect reversed or made up; `unsupported`, a fluent
claim on the passage's topic that the passage does not make, true elsewhere or not, like a small model's
filler or an answer about a look-alike term: "transfer learning" from the transfer-function entry). Each was read
against its passage. A written row's `source` is its own id or, for a false row made from a
true written row about the same passage, that row's id. They follow the seed rows in the set.

Splits go by source: a seed and its corruptions share a half. Seeds are ranked by the sha256 of
their id and the first half is dev, so the halves are equal and stable when seeds are appended.
Written rows are split by the same rule applied apart, per kind: the rows that are their own
source are ranked by the sha256 of their id within their kind, the first half is dev, and a row
made from another takes that row's half. Adding written rows never moves a seed row.

Deliberately not done: paraphrasing or corrupting by model; multi-sentence or multi-passage claims.

Usage: `python tools/grounding_set.py [out.jsonl]` (default `data/eval/grounding.jsonl`). To add a seed,
append a line to `data/eval/grounding_seeds.jsonl` (or a written row to
`data/eval/grounding_written.jsonl`) and rerun.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "eval"
OUT = DATA / "grounding.jsonl"
SEEDS_PATH = DATA / "grounding_seeds.jsonl"
WRITTEN_PATH = DATA / "grounding_written.jsonl"
QA_PATH = DATA / "qa.jsonl"
SEED_KEYS = {"id", "question", "sentence", "swap", "number", "negate", "foreign"}
WRITTEN_KEYS = ("id", "question", "sentence", "kind", "source")
CORRECT_KINDS = ("correct", "pair_second", "list_item", "verbatim", "code")
CORRUPT_KINDS = ("swap", "number", "negation", "foreign", "cross_swap", "causal", "unsupported")
KINDS = CORRECT_KINDS + CORRUPT_KINDS
RULE_KINDS = ("correct", "swap", "number", "negation", "foreign")  # made from the seeds; every other kind is written
WRITTEN_KINDS = tuple(kind for kind in KINDS if kind not in RULE_KINDS)

AUXILIARIES = {"is", "are", "was", "were", "should", "will", "could", "may", "might", "must"}
ANTONYMS = {
    "increases": "decreases",
    "increase": "decrease",
    "reduces": "increases",
    "high": "low",
    "low": "high",
    "small": "large",
    "smaller": "larger",
    "larger": "smaller",
    "faster": "slower",
    "less": "more",
    "fewer": "more",
    "hard": "easy",
    "unsupervised": "supervised",
    "subtracting": "adding",
    "shrink": "enlarge",
    "improve": "hurt",
}


@dataclass(frozen=True)
class Seed:
    """A correct sentence about the answer to `question`, and the hints its corruptions need."""

    id: str
    question: str
    sentence: str
    swap: tuple[str, str] | None = None
    number: tuple[str, str] | None = None
    negate: str | None = None
    foreign: tuple[str, str] | None = None


def load_seeds(path: Path = SEEDS_PATH) -> tuple[Seed, ...]:
    """The seeds in file order: one JSON object a line, hints as two-item lists or a word."""
    seeds = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        row = json.loads(line)
        unknown = set(row) - SEED_KEYS
        if unknown:
            raise ValueError(f"Expected keys among {sorted(SEED_KEYS)} at {path}:{number}, got {sorted(unknown)}")
        pairs = {key: tuple(row[key]) for key in ("swap", "number", "foreign") if key in row}
        seeds.append(Seed(**{**row, **pairs}))
    return tuple(seeds)


@dataclass(frozen=True)
class Written:
    """A hand-written sentence of one kind about the answer to `question`; `source` is the row it was made from."""

    id: str
    question: str
    sentence: str
    kind: str
    source: str


def article_questions(path: Path = QA_PATH) -> frozenset[str]:
    """Every question heading of the article, as `data/eval/qa.jsonl` spells it."""
    return frozenset(json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line)


def load_written(path: Path = WRITTEN_PATH, questions: frozenset[str] | None = None) -> tuple[Written, ...]:
    """The written rows in file order, each checked: its keys, a written kind, an article question, its source.

    A row's source is its own id, or the id of an earlier true row about the same question when the
    row is a false one made from it. `questions` defaults to the article's (`data/eval/qa.jsonl`).
    """
    questions = article_questions() if questions is None else questions
    rows: dict[str, Written] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{path}:{number}"
        data = json.loads(line)
        if sorted(data) != sorted(WRITTEN_KEYS):
            raise ValueError(f"Expected keys {sorted(WRITTEN_KEYS)} at {where}, got {sorted(data)}")
        row = Written(**data)
        if row.kind not in WRITTEN_KINDS:
            raise ValueError(f"Expected kind among {WRITTEN_KINDS} at {where}, got {row.kind!r}")
        if row.question not in questions:
            raise ValueError(f"Expected an article question at {where}, got {row.question!r}")
        if row.id in rows:
            raise ValueError(f"Expected a new id at {where}, got {row.id!r} again")
        source = rows.get(row.source)
        made_from_true = (
            source is not None
            and row.kind in CORRUPT_KINDS
            and source.kind in CORRECT_KINDS
            and source.question == row.question
        )
        if row.source != row.id and not made_from_true:
            raise ValueError(
                f"Expected source {row.id!r}, or an earlier true row about the same question for a false row, "
                f"at {where}, got {row.source!r}"
            )
        rows[row.id] = row
    return tuple(rows.values())


def _find(sentence: str, term: str) -> re.Match[str]:
    """The one whole-word, case-insensitive occurrence of `term` in `sentence`."""
    found = list(re.finditer(rf"(?<![\w.-]){re.escape(term)}(?![\w-]|\.\d)", sentence, re.IGNORECASE))
    if len(found) != 1:
        raise ValueError(f"Expected {term!r} once in {sentence!r}, got {len(found)}")
    return found[0]


def _put(sentence: str, spans: list[tuple[re.Match[str], str]]) -> str:
    """`sentence` with each matched span replaced; a replacement opening the sentence is capitalised."""
    out, end = [], 0
    for match, new in sorted(spans, key=lambda pair: pair[0].start()):
        if match.start() == 0:
            new = new[0].upper() + new[1:]
        out += [sentence[end : match.start()], new]
        end = match.end()
    return "".join([*out, sentence[end:]])


def swap(sentence: str, a: str, b: str) -> str:
    """Exchange two terms: "L1 ... L2" -> "L2 ... L1"."""
    return _put(sentence, [(_find(sentence, a), b), (_find(sentence, b), a)])


def change_number(sentence: str, old: str, new: str) -> str:
    """Replace the one occurrence of the number `old` by `new`."""
    return _put(sentence, [(_find(sentence, old), new)])


def negate(sentence: str, word: str) -> str:
    """Negate the claim at `word`: an antonym, `not` after an auxiliary, or `does not` + the verb's base form.

    >>> negate("Dropout reduces overfitting.", "reduces")
    'Dropout increases overfitting.'
    >>> negate("SGD updates often.", "updates")
    'SGD does not update often.'
    """
    match = _find(sentence, word)
    lower = word.lower()
    if lower in ANTONYMS:
        new = ANTONYMS[lower]
    elif lower == "can":
        new = "cannot"
    elif lower in AUXILIARIES:
        new = f"{lower} not"
    elif lower.endswith("s"):
        new = f"does not {_base_form(lower)}"
    else:
        new = f"do not {lower}"
    return _put(sentence, [(match, new)])


def _base_form(verb: str) -> str:
    """The base form of a third-person verb: 'multiplies' -> 'multiply', 'pushes' -> 'push'."""
    if verb.endswith("ies"):
        return verb[:-3] + "y"
    if verb.endswith(("ches", "shes", "sses", "xes", "zes", "oes")):
        return verb[:-2]
    return verb[:-1]


def replace_term(sentence: str, term: str, foreign: str) -> str:
    """Replace `term` by a term that belongs to another passage of the article."""
    return _put(sentence, [(_find(sentence, term), foreign)])


def corruptions(seed: Seed) -> list[tuple[str, str]]:
    """(kind, sentence) for every corruption the seed's hints ask for, in `KINDS` order."""
    out: list[tuple[str, str]] = []
    if seed.swap:
        out.append(("swap", swap(seed.sentence, *seed.swap)))
    if seed.number:
        out.append(("number", change_number(seed.sentence, *seed.number)))
    if seed.negate:
        out.append(("negation", negate(seed.sentence, seed.negate)))
    if seed.foreign:
        out.append(("foreign", replace_term(seed.sentence, *seed.foreign)))
    return out


def splits(seeds: tuple[Seed, ...]) -> dict[str, str]:
    """Seed id -> "dev" or "test": the half of the ids with the smaller sha256 is dev."""
    ranked = sorted(seeds, key=lambda seed: hashlib.sha256(seed.id.encode()).hexdigest())
    half = (len(ranked) + 1) // 2
    return {seed.id: "dev" if i < half else "test" for i, seed in enumerate(ranked)}


def written_splits(written: tuple[Written, ...]) -> dict[str, str]:
    """Written id -> "dev" or "test": per kind, the half of the rows that are their own source with the
    smaller sha256 of their id is dev; a row made from another row takes that row's half."""
    split: dict[str, str] = {}
    for kind in WRITTEN_KINDS:
        heads = [row for row in written if row.kind == kind and row.source == row.id]
        split |= splits(tuple(Seed(row.id, row.question, row.sentence) for row in heads))
    return {row.id: split[row.source] for row in written}


def build(seeds: tuple[Seed, ...] | None = None, written: tuple[Written, ...] | None = None) -> list[dict]:
    """Every row of the set: each seed, then its corruptions, in seed order; then the written rows in file
    order (both default to the committed files)."""
    seeds = load_seeds() if seeds is None else seeds
    written = load_written() if written is None else written
    clash = sorted({row.id for row in written} & {seed.id for seed in seeds})
    if clash:
        raise ValueError(f"Expected written ids apart from seed ids, got {clash}")
    split = splits(seeds)
    rows: list[dict] = []
    for seed in seeds:
        variants = [("correct", seed.sentence), *corruptions(seed)]
        for kind, sentence in variants:
            rows.append(
                {
                    "id": seed.id if kind == "correct" else f"{seed.id}-{kind}",
                    "split": split[seed.id],
                    "kind": kind,
                    "sentence": sentence,
                    "passage_question": seed.question,
                    "source": seed.id,
                }
            )
    written_split = written_splits(written)
    for row in written:
        rows.append(
            {
                "id": row.id,
                "split": written_split[row.id],
                "kind": row.kind,
                "sentence": row.sentence,
                "passage_question": row.question,
                "source": row.source,
            }
        )
    return rows


def dumps(rows: list[dict]) -> str:
    """The jsonl text of `rows`, one object a line, UTF-8 kept readable."""
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else OUT
    rows = build()
    out.write_text(dumps(rows), encoding="utf-8")
    counts = {kind: sum(row["kind"] == kind for row in rows) for kind in KINDS}
    sys.stdout.write(f"wrote {out}: {len(rows)} rows {counts}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
