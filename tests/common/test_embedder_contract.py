"""One contract for every embedder: the fake, sentence-transformers, the numpy encoder and the openai client.

sentence-transformers is slow (torch); the numpy encoder runs the same packaged MiniLM without it;
the openai embedder runs its real client against an in-process `/v1/embeddings` server whose vectors
are the fake's (tests/integration drives it against llama.cpp's real server).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator

import httpx
import numpy as np
import pytest

from common import BackendUnavailable, FakeEmbedder, InputError
from common.embed import BaseEmbedder, Embedder, OpenAIEmbedder, SentenceTransformerEmbedder
from common.encoder import NumpyEncoder
from common.models import default_embedder_dir

TEXTS = ["What is dropout?", "Dropout turns off random neurons during training.", "", "naïve café, 日本語 😀"]


class NumpyEmbedder(BaseEmbedder):
    """The numpy encoder behind the embedder contract (the product uses it for queries)."""

    name = "all-MiniLM-L6-v2 (numpy)"
    fingerprint = "numpy-minilm"

    def __init__(self) -> None:
        self.encoder = NumpyEncoder(default_embedder_dir())
        self.dimension = 384

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        return self.encoder.encode(texts)


def embeddings_server(request: httpx.Request) -> httpx.Response:
    """An OpenAI-compatible `/v1/embeddings` whose vectors are the fake embedder's, unnormalised."""
    body = json.loads(request.content)
    vectors = FakeEmbedder(dimension=64)._embed_batch(list(body["input"]))
    data = [{"object": "embedding", "index": i, "embedding": v.tolist()} for i, v in enumerate(vectors)]
    usage = {"prompt_tokens": 0, "total_tokens": 0}
    return httpx.Response(200, json={"object": "list", "data": data, "model": body["model"], "usage": usage})


@pytest.fixture(scope="module")
def stub_openai() -> Iterator[None]:
    import openai

    real = openai.OpenAI

    def client(**kwargs):
        return real(**kwargs, http_client=httpx.Client(transport=httpx.MockTransport(embeddings_server)))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(openai, "OpenAI", client)
        yield


@pytest.fixture(
    scope="module",
    params=["fake", "numpy_encoder", "openai", pytest.param("sentence_transformers", marks=pytest.mark.slow)],
)
def embedder(request) -> Embedder:
    if request.param == "openai":
        request.getfixturevalue("stub_openai")
        return OpenAIEmbedder("stub-embed", "http://stub.invalid/v1", "x", timeout=5.0)
    return {
        "fake": FakeEmbedder,
        "numpy_encoder": NumpyEmbedder,
        "sentence_transformers": SentenceTransformerEmbedder,
    }[request.param]()


def test_identity_describes_the_vectors_and_tells_another_embedder_apart(embedder):
    """An index records the name, width and fingerprint it was built with and refuses another embedder's."""
    assert embedder.name and embedder.embed_query("What is dropout?").shape == (embedder.dimension,)
    assert embedder.fingerprint != FakeEmbedder(dimension=embedder.dimension + 1).fingerprint


def test_documents_are_unit_float32_rows(embedder):
    vectors = embedder.embed_documents(TEXTS)
    assert (vectors.shape, vectors.dtype) == ((len(TEXTS), embedder.dimension), np.float32)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_query_is_one_unit_vector_equal_to_the_same_text_as_a_document(embedder):
    query = embedder.embed_query(TEXTS[0])
    assert query.shape == (embedder.dimension,)
    assert float(query @ embedder.embed_documents(TEXTS[:1])[0]) >= 0.99999


def test_batching_and_repeats_do_not_change_a_vector(embedder):
    together = embedder.embed_documents(TEXTS)
    alone = np.vstack([embedder.embed_documents([text]) for text in TEXTS])
    assert (together * alone).sum(axis=1).min() >= 0.99999
    assert np.array_equal(embedder.embed_documents(TEXTS), together)


def test_related_texts_are_closer_than_unrelated_ones(embedder):
    question, related, unrelated = embedder.embed_documents(
        ["what is dropout", "dropout regularization of neurons", "learning rate schedule"]
    )
    assert question @ related > question @ unrelated


def test_no_texts_is_an_empty_matrix_and_one_string_is_refused(embedder):
    assert embedder.embed_documents([]).shape == (0, embedder.dimension)
    with pytest.raises(InputError, match="Expected a list of strings, got one string"):
        embedder.embed_documents("What is dropout?")


def test_the_openai_embedder_without_its_package_names_its_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "openai", None)  # `import openai` now fails as if it were not installed
    with pytest.raises(BackendUnavailable, match=re.escape('pip install -e ".[openai]"')):
        OpenAIEmbedder("stub-embed", "http://stub.invalid/v1", "x", timeout=5.0)
