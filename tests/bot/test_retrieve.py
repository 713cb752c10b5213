"""Hybrid retrieval over a tiny in-memory store: dense cosines fused with normalised BM25."""

from __future__ import annotations

import numpy as np
import pytest

from bot.policy import RETRIEVAL
from bot.retrieve import Retriever
from common.embed import FakeEmbedder
from ingest.store import StoredChunk

ARTICLE = {
    "epoch": ("What is an epoch?", "One pass of training over the whole data set."),
    "batch": ("What is batch size?", "How many examples one update of training reads."),
    "dropout": ("What is dropout?", "Units are dropped at random during training to reduce overfitting."),
    "vanish": ("Why do gradients vanish?", "Saturating activations shrink the gradient in deep networks."),
}


class Store:
    """The two calls `Retriever` makes of a `ChromaStore`: cosines from the fake embedder, or pinned ones."""

    def __init__(self, entries: dict[str, tuple[str, str]], dense: dict[str, float] | None = None) -> None:
        self.chunks = [
            StoredChunk(pid, f"{q}\n\n{a}", {"question": q, "section": "S"}) for pid, (q, a) in entries.items()
        ]
        self.vectors = FakeEmbedder().embed_documents([c.text for c in self.chunks])
        self.dense = dense

    def items(self) -> list[StoredChunk]:
        return list(self.chunks)

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        scores = self.dense or {c.id: float(v @ vector) for c, v in zip(self.chunks, self.vectors)}
        return sorted(scores.items(), key=lambda item: -item[1])[:k]


def retriever(lexical_weight: float, dense: dict[str, float] | None = None, entries=ARTICLE) -> Retriever:
    return Retriever(Store(entries, dense), FakeEmbedder(), lexical_weight)


def ids(hits) -> list[str]:
    return [hit.passage.id for hit in hits]


def scores(hits) -> dict[str, float]:
    return {hit.passage.id: hit.passage.score for hit in hits}


PINNED = {"epoch": 0.6, "vanish": 0.5, "batch": 0.3, "dropout": 0.1}


def test_with_no_lexical_weight_the_order_follows_the_dense_scores() -> None:
    hits = retriever(0.0, PINNED).search("why do gradients vanish?", k=3)

    assert ids(hits) == ["epoch", "vanish", "batch"]
    assert [hit.passage.score for hit in hits] == [0.6, 0.5, 0.3]


def test_a_lexical_weight_lifts_a_passage_sharing_rare_words() -> None:
    hits = retriever(0.2, PINNED).search("why do gradients vanish?")

    assert ids(hits)[:2] == ["vanish", "epoch"]
    assert (hits[0].dense, hits[0].lexical, hits[0].passage.score) == (0.5, 1.0, 0.7)


def test_the_fused_score_is_dense_plus_the_weighted_bm25_share_of_the_best() -> None:
    hits = retriever(0.2).search("how many examples does one batch update read?", k=4)

    assert max(hit.lexical for hit in hits) == 1.0
    for hit in hits:
        assert hit.passage.score == pytest.approx(hit.dense + 0.2 * hit.lexical, abs=1e-6)


def test_k_caps_the_hits_and_a_large_k_returns_every_passage_once() -> None:
    search = retriever(0.2).search

    assert len(search("what is training?", k=2)) == 2
    assert sorted(ids(search("what is training?", k=50))) == sorted(ARTICLE)


def test_equal_scores_break_ties_on_passage_id_every_time() -> None:
    tied = retriever(0.0, dict.fromkeys(ARTICLE, 0.4))

    first = tied.search("anything at all", k=4)

    assert ids(first) == ["batch", "dropout", "epoch", "vanish"]
    assert tied.search("anything at all", k=4) == first


def test_a_repeated_question_collapses_to_its_best_passage() -> None:
    twice = {**ARTICLE, "dropout-2": ("What is dropout?", "It drops units.")}
    hits = retriever(0.0, {**PINNED, "dropout-2": 0.9}, twice).search("what is dropout?", k=5)

    assert ids(hits) == ["dropout-2", "epoch", "vanish", "batch"]


def test_a_passage_the_store_leaves_out_counts_as_dense_minus_one() -> None:
    hits = retriever(0.0, {"epoch": 0.2}).search("anything at all", k=4)

    assert ids(hits)[0] == "epoch"
    assert [hit.dense for hit in hits[1:]] == [-1.0, -1.0, -1.0]


def test_an_empty_question_or_an_empty_index_finds_nothing() -> None:
    assert retriever(0.2).search("   ") == []
    empty = retriever(0.2, entries={})
    assert (len(empty), empty.search("what is an epoch?")) == (0, [])


def test_an_expansion_is_blended_with_the_question_by_the_policy_weight() -> None:
    search, question, expansion = retriever(0.2).search, "what helps training?", "dropping units reduces overfitting"
    own, expanded = scores(search(question, k=4)), scores(search(f"{question}\n{expansion}", k=4))

    hits = search(question, k=4, expansion=expansion)

    assert ids(hits)[0] == "dropout" != ids(search(question))[0]
    w = RETRIEVAL.expansion_weight
    assert scores(hits) == pytest.approx({p: (1 - w) * own[p] + w * expanded[p] for p in own}, abs=1e-5)


def test_a_follow_up_naming_its_own_topic_outweighs_the_earlier_turn() -> None:
    search = retriever(0.2).search
    rewrite = "In an epoch over the whole data set, why do gradients vanish?"

    assert ids(search(rewrite))[0] == "epoch"
    assert ids(search(rewrite, follow_up="why do gradients vanish?"))[0] == "vanish"


def test_a_follow_up_with_one_content_word_is_left_to_its_rewrite() -> None:
    search = retriever(0.2).search
    rewrite = "What is an epoch? And how do I fix it?"

    assert search(rewrite, k=4, follow_up="and how do I fix it?") == search(rewrite, k=4)


def test_where_the_policy_says_so_abbreviations_the_article_spells_out_are_searched_spelled_out() -> None:
    entries = {
        **ARTICLE,
        "sgd": ("Why SGD?", "Stochastic Gradient Descent (SGD) updates the weights after every sample."),
    }
    spelling = Retriever(Store(entries), FakeEmbedder(), 0.5, RETRIEVAL, spell_out=True)
    plain = Retriever(Store(entries), FakeEmbedder(), 0.5, RETRIEVAL)

    assert spelling.abbreviations == {"sgd": "stochastic gradient descent"} and plain.abbreviations == {}
    spelled = "when does sgd (stochastic gradient descent) update?"
    assert scores(spelling.search("when does sgd update?")) == scores(plain.search(spelled))
    assert scores(plain.search("when does sgd update?")) != scores(plain.search(spelled))
