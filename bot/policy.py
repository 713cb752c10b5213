"""The tuned numbers of retrieval and the scope decision, one frozen `Policy` per embedder.

Each number was set on the dev halves of `data/eval/` (never the test halves) by the command named
beside it; the scope model's coefficients and thresholds are written by `python eval/calibrate_gate.py
--write` into `bot/policy/<embedder>.json` and read from there, so nothing is pasted by hand. A policy
belongs to an embedder because its cosines are what the gate reads: MiniLM's 0.5 is not EmbeddingGemma's.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

POLICY_DIR = Path(__file__).with_name("policy")
TENTATIVE_FAMILIES = ("qwen", "fake")  # SmolLM2's copied sentences pass every check: its drafts cannot settle a band


@dataclass(frozen=True)
class ScopePolicy:
    """The scope model: a logistic over named gate features, and where its confidence is cut.

    Below `refuse_below` a question is refused; from `answer_from` up it is answered. Between, the
    verdict is tentative: a model family in `TENTATIVE_FAMILIES` drafts an answer that settles it
    (answered if it stands, else *related*), any other family shows the closest entry as related.
    A quote of the passage is shown as the answer only from `quote_from` up.
    """

    features: tuple[str, ...]
    coefficients: tuple[float, ...]
    intercept: float
    refuse_below: float
    answer_from: float
    quote_from: float
    stand_share: float = 0.5  # a tentative draft stands with more than this share of its sentences kept,
    stand_relevance: float = 0.45  # and this close (MiniLM-style cosine) to the question
    note: str = ""


@dataclass(frozen=True)
class Policy:
    """Everything tuned for one embedder: the BM25 weight in the fused score and the scope model."""

    embedder: str
    lexical_weight: float
    scope: ScopePolicy
    note: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def _read(name: str) -> Policy:
    data = json.loads((POLICY_DIR / f"{name}.json").read_text())
    scope = data.pop("scope")
    scope["features"] = tuple(scope["features"])
    scope["coefficients"] = tuple(scope["coefficients"])
    return Policy(**data, scope=ScopePolicy(**scope))


_FILES = {"EmbeddingGemma-300M": "embeddinggemma", "all-mpnet-base-v2": "mpnet"}


def policy_for(embedder_name: str) -> Policy:
    """The policy tuned for `embedder_name`; an embedder never tuned (a folder, a server) gets MiniLM's."""
    return _read(_FILES.get(embedder_name, "minilm"))


def policy_path(embedder_name: str) -> Path:
    return POLICY_DIR / f"{_FILES.get(embedder_name, 'minilm')}.json"
