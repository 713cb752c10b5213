"""`OpenAIEmbedder` against a real `/v1/embeddings` endpoint (llama.cpp's server, SmolLM2 mean-pooled).

SmolLM2 is a chat model, not an embedding model: these tests check the protocol and the
plumbing (ingest, manifest, retrieval), not retrieval quality.
"""

from __future__ import annotations

import numpy as np
import pytest
from local_servers import EMBED_MODEL, free_port

from bot import Bot
from bot.backends.fake import FakeLLM
from common import BackendUnavailable, Settings, load_embedder
from common.embed import OpenAIEmbedder
from ingest import run

pytestmark = [pytest.mark.server, pytest.mark.slow]


def remote_embeddings(base_url: str, **overrides) -> Settings:
    return Settings(
        _env_file=None,
        embed_backend="openai",
        embed_model=EMBED_MODEL,
        openai_base_url=base_url,
        llm_backend="fake",
        **{"request_timeout": 30.0, **overrides},
    )


def test_the_embedder_returns_one_unit_vector_per_text(embedding_server):
    embedder = load_embedder(remote_embeddings(embedding_server.url))

    vectors = embedder.embed_documents(["What is dropout?", "Dying ReLU problem", "What is dropout?"])

    assert isinstance(embedder, OpenAIEmbedder)
    assert (embedder.name, embedder.dimension) == (EMBED_MODEL, 576)
    assert vectors.shape == (3, 576) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(vectors[0], vectors[2], atol=1e-5)
    np.testing.assert_allclose(embedder.embed_query("What is dropout?"), vectors[0], atol=1e-5)


def test_ingest_and_retrieval_through_remote_embeddings(embedding_server, excerpt, tmp_path):
    settings = remote_embeddings(embedding_server.url, index_dir=tmp_path / "index")

    first = run([excerpt], settings, progress=False)
    second = run([excerpt], settings, progress=False)
    bot = Bot(settings, llm=FakeLLM())

    assert (first.added, second.added, second.unchanged) == (13, 0, 13)
    assert (
        bot.retrieve("Sigmoid vs. Tanh activation function", k=1)[0].question == "Sigmoid vs. Tanh activation function"
    )


def test_replicas_may_reach_the_embedding_server_by_another_address_than_the_ingest_job(
    embedding_server, excerpt, tmp_path
):
    index = tmp_path / "index"
    run([excerpt], remote_embeddings(embedding_server.url, index_dir=index), progress=False)

    other_address = embedding_server.url.replace("127.0.0.1", "localhost")
    bot = Bot(remote_embeddings(other_address, index_dir=index), llm=FakeLLM())

    assert bot.retrieve("Dying ReLU problem", k=1)[0].question == "Dying ReLU problem"


def test_an_embedding_server_that_is_down_is_a_one_line_error():
    url = f"http://127.0.0.1:{free_port()}/v1"

    with pytest.raises(BackendUnavailable, match=rf"^Embedding server at {url} failed: Connection error") as e:
        load_embedder(remote_embeddings(url, request_timeout=5))
    assert "\n" not in str(e.value)
