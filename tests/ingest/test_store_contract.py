"""One contract for the vector store over an embedded persistent Chroma folder and an in-memory client.

The Chroma-server variant runs the same operations in tests/integration/test_chroma_server.py.
"""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from common import IndexMissing
from ingest import CHUNKER_VERSION, ChromaStore, Chunk, Manifest, open_store
from ingest.store import StoredChunk, chunk_metadata

MANIFEST = Manifest("fake-bow", 3, "fake-bow-3", CHUNKER_VERSION, {"doc.md": "abc"})


def chunk(cid: str, question: str, text: str = "") -> Chunk:
    return Chunk(cid, text or f"{question}\n\nAn answer.", question, "An answer.", "Basics", "doc.md", 3, 5, cid)


STRIDE, PADDING = chunk("a1", "What is stride?"), chunk("b2", "What is padding?")
VECTORS = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=np.float32)


@pytest.fixture(params=["persistent", "in_memory"])
def store(request, settings, tmp_path) -> ChromaStore:
    if request.param == "persistent":
        return open_store(settings, index_dir=tmp_path / "v-1")
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False, allow_reset=True))
    return ChromaStore(client, f"contract-{uuid.uuid4().hex[:8]}")


def test_a_new_store_carries_its_manifest_and_nothing_else(store):
    assert store.exists() is False
    store.create(MANIFEST)
    assert (store.exists(), store.manifest(), store.count(), store.items()) == (True, MANIFEST, 0, [])


def test_upserted_chunks_read_back_whole(store):
    store.create(MANIFEST)
    store.upsert([STRIDE, PADDING], VECTORS)

    assert sorted(store.items(), key=lambda i: i.id) == [
        StoredChunk("a1", STRIDE.text, chunk_metadata(STRIDE)),
        StoredChunk("b2", PADDING.text, chunk_metadata(PADDING)),
    ]


def test_query_ranks_by_cosine_and_caps_k_at_the_count(store):
    store.create(MANIFEST)
    store.upsert([STRIDE, PADDING], VECTORS)

    hits = store.query(np.array([0.6, 0.8, 0.0], dtype=np.float32), k=10)

    assert [i for i, _ in hits] == ["b2", "a1"]
    assert [round(s, 4) for _, s in hits] == [0.8, 0.6]


def test_upsert_replaces_by_id_and_delete_removes(store):
    store.create(MANIFEST)
    store.upsert([STRIDE, PADDING], VECTORS)
    store.upsert([chunk("a1", "What is stride?", "What is stride?\n\nThe step.")], VECTORS[:1])
    store.delete(["b2"])
    store.delete([])

    assert [(i.id, i.text) for i in store.items()] == [("a1", "What is stride?\n\nThe step.")]


def test_the_manifest_is_rewritten_and_create_starts_afresh(store):
    store.create(MANIFEST)
    store.upsert([STRIDE], VECTORS[:1])
    grown = Manifest("fake-bow", 3, "fake-bow-3", CHUNKER_VERSION, {"doc.md": "abc", "other.md": "def"})
    store.write_manifest(grown)
    assert store.manifest() == grown

    store.create(MANIFEST)
    assert (store.manifest(), store.count()) == (MANIFEST, 0)


def test_an_empty_store_answers_no_hits_and_a_missing_collection_is_index_missing(store):
    with pytest.raises(IndexMissing, match="No collection"):
        store.count()
    store.create(MANIFEST)
    assert store.query(np.array([1.0, 0.0, 0.0], dtype=np.float32), k=3) == []
