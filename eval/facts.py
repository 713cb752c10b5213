"""The key-facts score: does an answer state every fact a right answer must state, and no typical wrong one?

Each question of the paraphrase and interview sets has a key in `data/eval/key_facts.jsonl`, read from its
article entry: `facts`, each a list of alternative short phrasings (any one states the fact), and `wrong`,
phrasings that mark a typical wrong answer. A phrasing matches when its words, lower-cased and Porter-stemmed,
occur in a row in the answer's words (markers, punctuation and markdown ignored), so "vanishing gradient"
matches "Vanishing gradients [1]" and "-1 to 1" does not match "0 to 1".

    python eval/facts.py --check [FILE]  # every key against its own article entry (each fact stated there)

The score is deliberately literal: a paraphrase the key did not foresee counts as missing, so it is read
beside the blind reading of the same answers (`docs/evaluation.md`), never alone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from common.errors import InputError
from common.text import MARKER, stem

KEYS = Path(__file__).resolve().parents[1] / "data" / "eval" / "key_facts.jsonl"
_TOKEN = re.compile(r"-?\d+(?:\.\d+)?|[a-z]+")


@dataclass(frozen=True)
class FactKey:
    """What a right answer to question `id` states (`facts`: alternatives per fact) and what a wrong one says."""

    id: str
    facts: tuple[tuple[str, ...], ...]
    wrong: tuple[str, ...] = ()


@dataclass(frozen=True)
class FactScore:
    """How one answer fares against its key: facts stated, facts missed, wrong phrasings found."""

    stated: int
    missed: tuple[str, ...]
    wrong: tuple[str, ...]

    @property
    def right(self) -> bool:
        return not self.missed and not self.wrong


def tokens(text: str) -> tuple[str, ...]:
    """Lower-cased, stemmed word and number tokens; `[n]` markers and markdown dropped."""
    plain = MARKER.sub(" ", text).lower().replace("\u2212", "-").replace("\u2013", "-")
    return tuple(stem(t) if t[0].isalpha() else t for t in _TOKEN.findall(plain))


def states(answer: str | tuple[str, ...], phrase: str) -> bool:
    """Whether `answer` contains `phrase` as a run of words (see the module docstring)."""
    have = tokens(answer) if isinstance(answer, str) else answer
    want = tokens(phrase)
    if not want:
        return False
    n = len(want)
    return any(have[i : i + n] == want for i in range(len(have) - n + 1))


def score(answer: str, key: FactKey) -> FactScore:
    have = tokens(answer)
    missed = tuple(alts[0] for alts in key.facts if not any(states(have, a) for a in alts))
    wrong = tuple(w for w in key.wrong if states(have, w))
    return FactScore(len(key.facts) - len(missed), missed, wrong)


def load_keys(path: Path = KEYS) -> dict[str, FactKey]:
    """Every key by question id; a malformed line is one clear error naming it."""
    keys: dict[str, FactKey] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            facts = tuple(tuple(str(a) for a in alts) for alts in row["facts"])
            key = FactKey(str(row["id"]), facts, tuple(str(w) for w in row.get("wrong", ())))
        except (ValueError, KeyError, TypeError) as e:
            raise InputError(f"{path}:{number}: expected {{id, facts: [[phrase, ...], ...], wrong}}: {e}") from e
        if not key.facts or any(not alts for alts in key.facts):
            raise InputError(f"{path}:{number}: {key.id} needs at least one fact, each with a phrasing")
        keys[key.id] = key
    return keys


def _check(path: Path = KEYS) -> int:
    """Each key against the article answer of its gold entry: the entry should state every fact."""
    from common.evalsets import load_all
    from common.paths import EVAL_DIR

    keys = load_keys(path)
    items = {i.id: i for i in load_all(EVAL_DIR)}
    bad = 0
    for key in keys.values():
        item = items.get(key.id)
        if item is None:
            print(f"{key.id}: no such question")
            bad += 1
            continue
        result = score(" ".join(item.references), key)
        if result.missed or result.wrong:
            print(f"{key.id}: entry misses {result.missed}, says wrong {result.wrong}")
            bad += 1
    asked = [i for i in items.values() if i.set in ("paraphrase", "interview")]
    missing = [i.id for i in asked if i.id not in keys] if path == KEYS else []
    print(f"{len(keys)} keys, {bad} that their entry does not pass, {len(missing)} questions without a key")
    return 1 if bad or missing else 0


if __name__ == "__main__":
    import sys

    if "--check" not in sys.argv:
        print(__doc__)
        sys.exit(0)
    rest = [a for a in sys.argv[1:] if a != "--check"]
    sys.exit(_check(Path(rest[0]) if rest else KEYS))
