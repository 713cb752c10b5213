"""The numpy encoder gives sentence-transformers' vectors without importing torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import model_copies
import numpy as np
import pytest
from model_copies import edit_json

from common.embed import SentenceTransformerEmbedder
from common.encoder import NumpyEncoder
from common.errors import BackendUnavailable, ModelMissing
from common.models import default_embedder_dir

ROOT = Path(__file__).resolve().parents[2]
LONG = " ".join(f"Layer {i} applies a convolution with stride {i % 3 + 1} and padding." for i in range(60))

TEXTS = [
    "What is stride?",
    "how does dropout prevent overfitting",
    "What is the difference between max pooling and average pooling in a CNN?",
    "",
    " ",
    "  padded with spaces  ",
    "ALL CAPS QUESTION ABOUT BATCH NORMALIZATION",
    "naïve café — Ünïcödé, 日本語のテキスト, emoji 😀🚀",
    "Ελληνικά και русский текст",
    "def conv2d(x, w):\n    return np.einsum('bchw,oc->bohw', x, w)  # 1x1 conv",
    "SELECT * FROM layers WHERE kernel_size > 3;",
    "x = [1, 2, 3]; y = x[::-1] + [0] * 10",
    "Why?",
    "a",
    "!!!???...",
    "The learning rate 3e-4 and weight decay 0.01 are common defaults for AdamW.",
    "tab\tseparated\tvalues\nand new lines",
    LONG,  # over 256 tokens: truncated
    LONG + " These words lie past the limit.",
    "word " * 600,
]


def unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def encoder() -> NumpyEncoder:
    return NumpyEncoder(default_embedder_dir())


def copy_of_the_model(tmp_path: Path, weights: bool = False) -> Path:
    """The packaged model's small files in tmp_path (weights linked on request), ready to edit."""
    return model_copies.copy_of_the_model(default_embedder_dir(), tmp_path, weights)


@pytest.mark.slow
def test_queries_get_the_vectors_sentence_transformers_gives_documents(real_embedder):
    reference = real_embedder.embed_documents(TEXTS)  # sentence-transformers, as ingest uses it
    queries = np.array([real_embedder.embed_query(text) for text in TEXTS])  # the numpy encoder, one text at a time
    assert (queries * reference).sum(axis=1).min() >= 0.99999


@pytest.mark.slow
def test_a_batch_masks_its_padding(encoder):
    together = encoder.encode(["What is stride?", LONG])  # the short text is padded to 256 tokens here
    alone = np.vstack([encoder.encode(["What is stride?"]), encoder.encode([LONG])])
    assert np.allclose(together, alone, atol=1e-5)


@pytest.mark.slow
def test_truncation_follows_max_seq_length_not_tokenizer_json(encoder):
    # tokenizer.json says 128 tokens; sentence-transformers truncates at max_seq_length (256).
    assert len(encoder.tokenizer.encode(LONG).ids) == 256
    assert encoder.tokenizer.encode("What is stride?").tokens == ["[CLS]", "what", "is", "stride", "?", "[SEP]"]
    assert np.allclose(encoder.encode([LONG]), encoder.encode([LONG + " These words lie past the limit."]))


@pytest.mark.slow
@pytest.mark.parametrize(("preset", "width"), [("minilm", 384), ("embeddinggemma", 768)])
def test_a_query_never_imports_torch(preset, width):
    code = (
        "import sys\n"
        "from common import Settings\n"
        "from common.embed import load_embedder\n"
        f"embedder = load_embedder(Settings(_env_file=None, embed_model={preset!r}))\n"
        f"assert embedder.embed_query('x').shape == ({width},)\n"
        "print(sorted({'torch', 'transformers', 'sentence_transformers'} & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.slow
def test_weights_saved_with_a_bert_prefix_load_the_same(encoder, tmp_path):
    from safetensors.numpy import load_file, save_file

    folder = copy_of_the_model(tmp_path)
    weights = load_file(str(default_embedder_dir() / "model.safetensors"))
    save_file({f"bert.{key}": value for key, value in weights.items()}, str(folder / "model.safetensors"))
    assert np.array_equal(NumpyEncoder(folder).encode(TEXTS[:3]), encoder.encode(TEXTS[:3]))


@pytest.mark.slow
def test_cls_pooling_matches_sentence_transformers(tmp_path):
    from sentence_transformers import SentenceTransformer

    folder = copy_of_the_model(tmp_path, weights=True)
    edit_json(folder / "1_Pooling" / "config.json", pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    texts = TEXTS[:10]
    reference = SentenceTransformer(str(folder), device="cpu").encode(texts)
    assert (unit(NumpyEncoder(folder).encode(texts)) * unit(reference)).sum(axis=1).min() >= 0.99999


def test_a_non_bert_model_is_refused_clearly(tmp_path):
    folder = copy_of_the_model(tmp_path)
    edit_json(folder / "config.json", model_type="xlm-roberta")
    with pytest.raises(BackendUnavailable, match=r"BERT models only: expected model_type 'bert'.*'xlm-roberta'"):
        NumpyEncoder(folder)


def test_max_pooling_is_refused_clearly(tmp_path):
    folder = copy_of_the_model(tmp_path)
    edit_json(folder / "1_Pooling" / "config.json", pooling_mode_mean_tokens=False, pooling_mode_max_tokens=True)
    with pytest.raises(BackendUnavailable, match=r"mean or cls pooling only.*pooling_mode_max_tokens"):
        NumpyEncoder(folder)


def test_a_dense_layer_after_pooling_is_refused_clearly(tmp_path):
    folder = copy_of_the_model(tmp_path)
    modules = json.loads((folder / "modules.json").read_text())
    modules.append({"idx": 3, "name": "3", "path": "3_Dense", "type": "sentence_transformers.models.Dense"})
    (folder / "modules.json").write_text(json.dumps(modules))
    with pytest.raises(BackendUnavailable, match=r"cannot run the modules .*models\.Dense"):
        NumpyEncoder(folder)


def test_a_folder_without_config_is_a_missing_model(tmp_path):
    with pytest.raises(ModelMissing, match=r"Expected config\.json"):
        NumpyEncoder(tmp_path)


def test_a_model_the_numpy_encoder_refuses_keeps_sentence_transformers_for_queries(tmp_path):
    folder = copy_of_the_model(tmp_path, weights=True)
    edit_json(folder / "config.json", model_type="xlm-roberta")
    embedder = SentenceTransformerEmbedder(folder)
    assert embedder.query_encoder == embedder._embed_batch
