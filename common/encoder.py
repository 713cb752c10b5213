"""A numpy forward pass of a BERT sentence-transformers model: the query path without torch.

Importing torch alone costs a second of every cold start, and one short query needs no more
than numpy. sentence-transformers stays the reference: tests/ingest/test_encoder.py checks
that both give the same vectors.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from common.errors import BackendUnavailable, ModelMissing

# The module chain this encoder reproduces; a Dense or other module would change the vectors.
SUPPORTED_MODULES = {
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",  # the caller normalises anyway
}
POOLING_MODES = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls"}


class NumpyEncoder:
    """A local BERT-style sentence-transformers folder, run in float32 numpy.

    `encode` returns the pooled vectors unnormalised, as sentence-transformers' Pooling does.
    Folders it cannot reproduce exactly raise `BackendUnavailable` when it is built.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        config = _read_json(self.folder / "config.json", required=True)
        self.layers, self.heads, self.eps = _check_bert(config)
        self.pooling = _pooling_mode(self.folder)
        self.tokenizer = _tokenizer(self.folder, config)
        self.lowercase = bool(_read_json(self.folder / "sentence_bert_config.json").get("do_lower_case", False))
        self.weights = _weights(self.folder)

    def encode(self, texts: list[str]) -> np.ndarray:
        """One pooled vector per text, shape (len(texts), hidden_size)."""
        if self.lowercase:
            texts = [text.lower() for text in texts]
        ids, type_ids, mask = self._tokenise(texts)
        hidden = self._embeddings(ids, type_ids)
        # Padding positions get a huge negative score, so no token attends to them.
        attention_bias = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        for layer in range(self.layers):
            hidden = self._layer(hidden, attention_bias, f"encoder.layer.{layer}.")
        if self.pooling == "cls":
            return hidden[:, 0]
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        return summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)

    def _tokenise(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Token ids, token type ids and attention mask, right-padded to the longest text."""
        encodings = self.tokenizer.encode_batch(texts)
        width = max(len(encoding.ids) for encoding in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        type_ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.float32)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            type_ids[row, : len(encoding.ids)] = encoding.type_ids
            mask[row, : len(encoding.ids)] = 1.0
        return ids, type_ids, mask

    def _embeddings(self, ids: np.ndarray, type_ids: np.ndarray) -> np.ndarray:
        w = self.weights
        positions = np.arange(ids.shape[1])
        summed = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][positions][None]
            + w["embeddings.token_type_embeddings.weight"][type_ids]
        )
        return self._layer_norm(summed, "embeddings.LayerNorm.")

    def _layer(self, hidden: np.ndarray, attention_bias: np.ndarray, prefix: str) -> np.ndarray:
        """One post-LayerNorm transformer block: self-attention, then the feed-forward part."""
        attended = self._linear(self._attention(hidden, attention_bias, prefix), prefix + "attention.output.dense.")
        hidden = self._layer_norm(attended + hidden, prefix + "attention.output.LayerNorm.")
        inner = _gelu(self._linear(hidden, prefix + "intermediate.dense."))
        return self._layer_norm(self._linear(inner, prefix + "output.dense.") + hidden, prefix + "output.LayerNorm.")

    def _attention(self, hidden: np.ndarray, attention_bias: np.ndarray, prefix: str) -> np.ndarray:
        batch, length, size = hidden.shape
        head_size = size // self.heads

        def split(name: str) -> np.ndarray:  # (batch, heads, length, head_size)
            projected = self._linear(hidden, f"{prefix}attention.self.{name}.")
            return projected.reshape(batch, length, self.heads, head_size).transpose(0, 2, 1, 3)

        query, key, value = split("query"), split("key"), split("value")
        scores = query @ key.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head_size)) + attention_bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        probabilities = scores / scores.sum(axis=-1, keepdims=True)
        return (probabilities @ value).transpose(0, 2, 1, 3).reshape(batch, length, size)

    def _linear(self, x: np.ndarray, prefix: str) -> np.ndarray:
        return x @ self.weights[prefix + "weight"].T + self.weights[prefix + "bias"]

    def _layer_norm(self, x: np.ndarray, prefix: str) -> np.ndarray:
        mean = x.mean(axis=-1, keepdims=True)
        variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        normed = (x - mean) / np.sqrt(variance + np.float32(self.eps))
        return normed * self.weights[prefix + "weight"] + self.weights[prefix + "bias"]


def _gelu(x: np.ndarray) -> np.ndarray:
    """The exact (erf) GELU that BERT's `hidden_act: gelu` means."""
    from scipy.special import erf

    return (0.5 * x * (1.0 + erf(x / np.float32(np.sqrt(2.0))))).astype(np.float32, copy=False)


def _read_json(path: Path, required: bool = False) -> dict[str, Any]:
    if not path.is_file():
        if required:
            raise ModelMissing(f"Expected {path.name} in the model folder {path.parent}, found nothing.")
        return {}
    return json.loads(path.read_text())


def _check_bert(config: dict[str, Any]) -> tuple[int, int, float]:
    """Layer count, head count and LayerNorm eps of a plain BERT config; anything else is refused."""
    found = {
        "model_type": config.get("model_type"),
        "hidden_act": config.get("hidden_act", "gelu"),
        "position_embedding_type": config.get("position_embedding_type", "absolute"),
    }
    expected = {"model_type": "bert", "hidden_act": "gelu", "position_embedding_type": "absolute"}
    for key, value in expected.items():
        if found[key] != value:
            raise BackendUnavailable(
                f"The numpy encoder runs BERT models only: expected {key} {value!r} in config.json, got {found[key]!r}."
            )
    return int(config["num_hidden_layers"]), int(config["num_attention_heads"]), float(config["layer_norm_eps"])


def _pooling_mode(folder: Path) -> str:
    """'mean' or 'cls', after checking that no other module follows the transformer."""
    modules = json.loads((folder / "modules.json").read_text()) if (folder / "modules.json").is_file() else []
    unsupported = [module["type"] for module in modules if module.get("type") not in SUPPORTED_MODULES]
    if unsupported:
        raise BackendUnavailable(f"The numpy encoder cannot run the modules {unsupported} listed in modules.json.")
    pooling_dirs = [module["path"] for module in modules if module["type"].endswith(".Pooling")]
    pooling = _read_json(folder / (pooling_dirs[0] if pooling_dirs else "1_Pooling") / "config.json", required=True)
    modes = [name for name, value in pooling.items() if name.startswith("pooling_mode_") and value]
    if len(modes) != 1 or modes[0] not in POOLING_MODES:
        raise BackendUnavailable(f"The numpy encoder supports mean or cls pooling only, the model asks for {modes}.")
    return POOLING_MODES[modes[0]]


def _tokenizer(folder: Path, config: dict[str, Any]) -> Any:
    """The fast tokenizer, truncating where sentence-transformers does and never padding on its own.

    tokenizer.json carries its own truncation and padding settings (128 tokens for the packaged
    model); sentence-transformers overrides both, so this does too.
    """
    from tokenizers import Tokenizer

    if not (folder / "tokenizer.json").is_file():
        raise BackendUnavailable(f"The numpy encoder needs {folder / 'tokenizer.json'}, found nothing.")
    max_length = _read_json(folder / "sentence_bert_config.json").get("max_seq_length")
    if max_length is None:  # sentence-transformers then falls back on the tokenizer's own limit
        model_max = _read_json(folder / "tokenizer_config.json").get("model_max_length", 512)
        max_length = min(int(model_max), int(config.get("max_position_embeddings", 512)))
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=int(max_length))
    tokenizer.no_padding()
    return tokenizer


def _weights(folder: Path) -> dict[str, np.ndarray]:
    """float32 weights keyed without any model prefix (some files say `bert.embeddings...`)."""
    from safetensors.numpy import load_file

    if not (folder / "model.safetensors").is_file():
        raise BackendUnavailable(f"The numpy encoder reads model.safetensors, found none in {folder}.")
    weights = load_file(str(folder / "model.safetensors"))
    anchor = "embeddings.word_embeddings.weight"
    prefix = next((key[: -len(anchor)] for key in weights if key.endswith(anchor)), None)
    if prefix is None:
        raise BackendUnavailable(f"Expected BERT weights ({anchor}) in {folder / 'model.safetensors'}, found none.")
    return {
        key[len(prefix) :]: value.astype(np.float32, copy=False)
        for key, value in weights.items()
        if key.startswith(prefix)
    }
