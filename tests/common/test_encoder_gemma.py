"""The numpy Gemma encoder gives EmbeddingGemma's sentence-transformers vectors without importing torch."""

from __future__ import annotations

from pathlib import Path

import model_copies
import numpy as np
import pytest
from model_copies import edit_json

from common import Settings
from common.embed import SentenceTransformerEmbedder
from common.embed_presets import EMBED_PRESETS
from common.encoder_gemma import GemmaEncoder
from common.errors import BackendUnavailable
from common.fetch import assembled

ROOT = Path(__file__).resolve().parents[2]
LONG = " ".join(f"Layer {i} applies a convolution with stride {i % 3 + 1} and padding." for i in range(60))
TEXTS = [
    "task: search result | query: What is dropout?",
    "task: search result | query: besides clipping, what else can I do when my gradients blow up?",
    "title: none | text: " + LONG,  # over 800 tokens: the sliding layers see only their window
    "naïve café — Ünïcödé, 日本語のテキスト, emoji 😀",
    "",
]


def gemma_folder() -> Path:
    return assembled(EMBED_PRESETS["embeddinggemma"], Settings(_env_file=None).model_dir)


def unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def encoder() -> GemmaEncoder:
    return GemmaEncoder(gemma_folder())


def copy_of_the_model(tmp_path: Path) -> Path:
    return model_copies.copy_of_the_model(gemma_folder(), tmp_path)


@pytest.mark.slow
def test_the_vectors_are_sentence_transformers_in_float32(encoder):
    import torch
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(gemma_folder()), device="cpu", model_kwargs={"dtype": torch.float32})
    expected = reference.encode(TEXTS, convert_to_numpy=True)
    assert len(encoder.tokenizer.encode(TEXTS[2]).ids) > 512
    assert (unit(encoder.encode(TEXTS)) * unit(expected)).sum(axis=1).min() >= 0.99999


@pytest.mark.slow
def test_queries_match_the_bf16_documents_ingest_writes():
    embedder = SentenceTransformerEmbedder(preset=EMBED_PRESETS["embeddinggemma"], model_dir=gemma_folder().parent)
    questions = ["What is dropout?", "what's the point of a 1-by-1 kernel?"]
    documents = unit(
        embedder._embed_batch([embedder.query_prefix + q for q in questions])
    )  # sentence-transformers, bf16
    queries = np.array([embedder.embed_query(q) for q in questions])
    assert (queries * documents).sum(axis=1).min() >= 0.9999  # bf16 rounding, no more


@pytest.mark.slow
def test_a_batch_masks_its_padding(encoder):
    together = encoder.encode(TEXTS[:2])
    alone = np.vstack([encoder.encode(TEXTS[:1]), encoder.encode(TEXTS[1:2])])
    assert np.allclose(together, alone, atol=1e-4)


@pytest.mark.slow
def test_a_causal_gemma_is_refused_clearly(tmp_path):
    folder = copy_of_the_model(tmp_path)
    edit_json(folder / "config.json", use_bidirectional_attention=False)
    with pytest.raises(BackendUnavailable, match=r"expects use_bidirectional_attention True.*got False"):
        GemmaEncoder(folder)


@pytest.mark.slow
def test_a_dense_layer_with_an_activation_is_refused_clearly(tmp_path):
    folder = copy_of_the_model(tmp_path)
    edit_json(folder / "2_Dense" / "config.json", activation_function="torch.nn.modules.activation.Tanh")
    with pytest.raises(BackendUnavailable, match=r"bias-free linear Dense layers only, 2_Dense"):
        GemmaEncoder(folder)


@pytest.mark.slow
def test_a_refused_gemma_keeps_sentence_transformers_for_queries(tmp_path):
    folder = copy_of_the_model(tmp_path)
    edit_json(folder / "1_Pooling" / "config.json", pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    embedder = SentenceTransformerEmbedder(folder)
    assert embedder.query_encoder == embedder._embed_batch
