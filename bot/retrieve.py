"""Hybrid retrieval: dense cosine from the store plus BM25, fused by the embedder's policy weight.

Scores are `dense + lexical_weight * bm25 / max(bm25)`, the weight from `bot/policy/<embedder>.json`
(EmbeddingGemma 0: BM25 lowered its dev hit@1; MiniLM 0.2). Repeated questions (the article has some)
and pieces of one long answer collapse to one passage. The BM25 index and passage texts are held in
memory; only the query is embedded per call.

With query expansion (`bot.expand`), the same fused score is computed for the question plus its
expansion and blended with the question's own (`RetrievalPolicy.expansion_weight`). A rewritten
follow-up (`bot.rewrite`) that names a topic of its own is scored partly on the user's own words
(`follow_up_weight`): the rewrite alone carries the earlier turn's topic in full, so "and why does it
matter for batch size?" after a question on epochs ranked the epoch passage first. A follow-up with
fewer content words ("and how do I fix it?") is left to its rewrite. Where each weight was set:
`bot/policy.py` and `docs/evaluation.md`.

Where the embedder's policy says so (`spell_out`), the article's own abbreviations are spelled out in what is
searched ("gd" -> "gd (gradient descent)", `bot.lexicon.spelled_out`): EmbeddingGemma reads a bare "GD" poorly,
and so does the gate, which reads its cosine.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import bm25s
import numpy as np

from bot.lexicon import abbreviations, spelled_out
from bot.policy import RETRIEVAL, RetrievalPolicy
from bot.types import Passage
from common.embed import Embedder
from common.text import content_tokens, plain_for_embedding, question_key
from ingest.store import ChromaStore

EXACT_UP_TO = 2000  # ask Chroma for every passage of a corpus this small: the HNSW tail is not reproducible


@dataclass(frozen=True)
class Hit:
    """A fused candidate before it is shown: its passage plus the signals the gate reads."""

    passage: Passage
    dense: float
    lexical: float


class Retriever:
    """Ranks passages of one index for a question."""

    def __init__(
        self,
        store: ChromaStore,
        embedder: Embedder,
        lexical_weight: float,
        policy: RetrievalPolicy = RETRIEVAL,
        spell_out: bool = False,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.lexical_weight = lexical_weight
        self.policy = policy
        items = sorted(store.items(), key=lambda item: item.id)
        self.passages = [_passage(item.id, item.text, item.metadata) for item in items]
        self._position = {p.id: i for i, p in enumerate(self.passages)}
        self._group = [question_key(p.question or p.text[:80]) for p in self.passages]
        self.abbreviations = abbreviations(p.text for p in self.passages) if spell_out else {}
        corpus = [_bm25_text(p) for p in self.passages]
        self._bm25 = bm25s.BM25()
        if corpus:
            self._bm25.index(bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False)

    def __len__(self) -> int:
        return len(self.passages)

    def search(self, question: str, k: int = 5, expansion: str = "", follow_up: str = "") -> list[Hit]:
        """The `k` best distinct passages, best first; ties break on passage id.

        With an `expansion` (`bot.expand`), the ranking blends the question's scores with those of
        the question plus expansion; each `Hit` still carries the question's own signals, which the
        scope gate reads. With a `follow_up` (the words the user typed, when `question` is their
        rewrite), those words' scores are blended in too, when they name a topic of their own.
        """
        if not self.passages or not question.strip():
            return []
        question, follow_up = spelled_out(question, self.abbreviations), spelled_out(follow_up, self.abbreviations)
        dense, lexical = self._dense(question), self._lexical(question)
        fused = dense + self.lexical_weight * lexical
        blend = self.policy
        if len(set(content_tokens(follow_up))) >= blend.follow_up_min_words:
            fused = (1 - blend.follow_up_weight) * fused + blend.follow_up_weight * self._fused(follow_up)
        if expansion.strip():
            weight = blend.expansion_weight
            fused = (1 - weight) * fused + weight * self._fused(f"{question}\n{expansion}")
        order = np.lexsort((np.arange(len(fused)), -fused))
        hits: list[Hit] = []
        seen: set[str] = set()
        for i in order:
            if self._group[i] in seen:
                continue
            seen.add(self._group[i])
            hits.append(
                Hit(replace(self.passages[i], score=round(float(fused[i]), 6)), float(dense[i]), float(lexical[i]))
            )
            if len(hits) == k:
                break
        return hits

    def top_cosine(self, text: str) -> float:
        """The highest dense cosine of `text` to any passage (the gate's second look reads it)."""
        return float(self._dense(text).max()) if self.passages else -1.0

    def _fused(self, text: str) -> np.ndarray:
        return self._dense(text) + self.lexical_weight * self._lexical(text)

    def _dense(self, text: str) -> np.ndarray:
        dense = np.full(len(self.passages), -1.0, dtype=np.float64)
        for pid, cosine in self.store.query(self.embedder.embed_query(text), k=min(len(self.passages), EXACT_UP_TO)):
            if pid in self._position:
                dense[self._position[pid]] = cosine
        return dense

    def _lexical(self, question: str) -> np.ndarray:
        tokens = bm25s.tokenize([question], stopwords="en", show_progress=False, return_ids=False)[0]
        if not tokens:
            return np.zeros(len(self.passages))
        scores = np.asarray(self._bm25.get_scores(tokens), dtype=np.float64)
        top = scores.max()
        return scores / top if top > 0 else scores


def _passage(pid: str, text: str, meta: dict) -> Passage:
    return Passage(
        id=pid,
        text=text,
        section=str(meta.get("section", "")),
        question=str(meta.get("question", "")),
        score=0.0,
        lines=(int(meta.get("start_line", 0)), int(meta.get("end_line", 0))),
        source=str(meta.get("source", "")),
    )


def _bm25_text(passage: Passage) -> str:
    return plain_for_embedding(passage.text)
