"""A numpy forward pass of EmbeddingGemma (Gemma 3 text, bidirectional): the query path without torch.

Importing torch and sentence-transformers and building the tokenizer cost about seven seconds of
every cold start; one short query needs numpy only. The weights are read straight from the
safetensors file: the large token table stays a bf16 memory map (a query touches a few rows),
the layers are widened to float32 once. sentence-transformers stays the reference, and indexes
are still built with it: tests/common/test_encoder_gemma.py checks that both give the same vectors.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import numpy as np

from common.encoder import _read_json, _tokenizer
from common.errors import BackendUnavailable

# The module chain this encoder reproduces, in order; anything else would change the vectors.
MODULES = [
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Dense",
    "sentence_transformers.models.Dense",
    "sentence_transformers.models.Normalize",
]
_DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": np.uint16}


class GemmaEncoder:
    """A local EmbeddingGemma sentence-transformers folder, run in float32 numpy.

    `encode` returns the vectors before the final normalisation, as the caller normalises.
    Folders it cannot reproduce exactly raise `BackendUnavailable` when it is built.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        config = _read_json(self.folder / "config.json", required=True)
        self.dense = _check(self.folder, config)
        self.layers = int(config["num_hidden_layers"])
        self.heads, self.kv_heads = int(config["num_attention_heads"]), int(config["num_key_value_heads"])
        self.head_dim = int(config["head_dim"])
        self.eps = np.float32(config["rms_norm_eps"])
        self.scale = np.float32(float(config["query_pre_attn_scalar"]) ** -0.5)
        self.embed_scale = np.float32(float(config["hidden_size"]) ** 0.5)
        # A bidirectional window spans half the configured width each side (transformers' Gemma3TextConfig
        # turns `sliding_window` w into w // 2 + 1): a token sees those fewer than that many positions away.
        self.window = int(config["sliding_window"]) // 2 + 1
        self.sliding = [kind == "sliding_attention" for kind in config["layer_types"]]
        self.inverse_frequency = {
            sliding: 1.0 / (base ** (np.arange(0, self.head_dim, 2, dtype=np.float32) / self.head_dim))
            for sliding, base in ((True, float(config["rope_local_base_freq"])), (False, float(config["rope_theta"])))
        }
        self.tokenizer = _tokenizer(self.folder, config)
        tensors = _tensors(self.folder / "model.safetensors")
        self.table = tensors.pop("embed_tokens.weight")  # stays mapped: a query reads a few rows
        self.weights = {key: _float32(value) for key, value in tensors.items()}
        self.projections = [
            _float32(_tensors(self.folder / path / "model.safetensors")["linear.weight"]) for path in self.dense
        ]

    def encode(self, texts: list[str]) -> np.ndarray:
        """One vector per text, shape (len(texts), output width), not yet normalised."""
        encodings = self.tokenizer.encode_batch(texts)
        width = max(len(encoding.ids) for encoding in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.float32)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1.0
        hidden = _float32(self.table[ids]) * self.embed_scale
        positions = np.arange(width)
        distance = np.abs(positions[:, None] - positions[None, :])
        # A key a query may not see gets a huge negative score: padding, and in sliding layers the far keys.
        real = mask[:, None, None, :] > 0
        lowest = np.finfo(np.float32).min
        biases = {
            False: np.where(real, np.float32(0), lowest),
            True: np.where(real & (distance < self.window)[None, None], np.float32(0), lowest),
        }
        rotations = {sliding: _rotation(positions, frequency) for sliding, frequency in self.inverse_frequency.items()}
        for layer in range(self.layers):
            sliding = self.sliding[layer]
            hidden = self._layer(hidden, biases[sliding], rotations[sliding], f"layers.{layer}.")
        hidden = self._norm(hidden, "norm.weight")
        pooled = (hidden * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        for projection in self.projections:
            pooled = pooled @ projection.T
        return pooled

    def _layer(
        self, hidden: np.ndarray, bias: np.ndarray, rotation: tuple[np.ndarray, np.ndarray], prefix: str
    ) -> np.ndarray:
        """One Gemma 3 block: normed attention and normed gated MLP, each normed again before its residual."""
        attended = self._attention(self._norm(hidden, prefix + "input_layernorm.weight"), bias, rotation, prefix)
        hidden = hidden + self._norm(attended, prefix + "post_attention_layernorm.weight")
        inner = self._norm(hidden, prefix + "pre_feedforward_layernorm.weight")
        w = self.weights
        gated = _gelu_tanh(inner @ w[prefix + "mlp.gate_proj.weight"].T) * (inner @ w[prefix + "mlp.up_proj.weight"].T)
        return hidden + self._norm(
            gated @ w[prefix + "mlp.down_proj.weight"].T, prefix + "post_feedforward_layernorm.weight"
        )

    def _attention(
        self, hidden: np.ndarray, bias: np.ndarray, rotation: tuple[np.ndarray, np.ndarray], prefix: str
    ) -> np.ndarray:
        batch, length, _ = hidden.shape
        w = self.weights

        def heads(name: str, count: int) -> np.ndarray:  # (batch, count, length, head_dim)
            projected = hidden @ w[f"{prefix}self_attn.{name}_proj.weight"].T
            return projected.reshape(batch, length, count, self.head_dim).transpose(0, 2, 1, 3)

        query = _rotate(self._norm(heads("q", self.heads), prefix + "self_attn.q_norm.weight"), rotation)
        key = _rotate(self._norm(heads("k", self.kv_heads), prefix + "self_attn.k_norm.weight"), rotation)
        value = heads("v", self.kv_heads)
        group = self.heads // self.kv_heads
        key, value = np.repeat(key, group, axis=1), np.repeat(value, group, axis=1)
        scores = query @ key.transpose(0, 1, 3, 2) * self.scale + bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        probabilities = scores / scores.sum(axis=-1, keepdims=True)
        attended = (probabilities @ value).transpose(0, 2, 1, 3).reshape(batch, length, self.heads * self.head_dim)
        return attended @ w[prefix + "self_attn.o_proj.weight"].T

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        """Gemma's RMSNorm, which scales by (1 + weight)."""
        normed = x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + self.eps)
        return normed * (1.0 + self.weights[name])


def _rotation(positions: np.ndarray, inverse_frequency: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    angles = positions[:, None].astype(np.float32) * inverse_frequency[None, :]
    angles = np.concatenate([angles, angles], axis=-1)
    return np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)


def _rotate(x: np.ndarray, rotation: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    cos, sin = rotation
    half = x.shape[-1] // 2
    turned = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)
    return x * cos + turned * sin


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    """The tanh GELU that `gelu_pytorch_tanh` means."""
    return (
        np.float32(0.5) * x * (1.0 + np.tanh(np.float32(np.sqrt(2.0 / np.pi)) * (x + np.float32(0.044715) * x * x * x)))
    )


def _float32(x: np.ndarray) -> np.ndarray:
    """bf16 (read as uint16) or float16 widened to float32; float32 passes through."""
    if x.dtype == np.uint16:
        return (x.astype(np.uint32) << 16).view(np.float32)
    return np.asarray(x, dtype=np.float32)


def _tensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a safetensors file as a read-only memory map; bf16 comes back as its uint16 bits.

    safetensors' own numpy loader refuses bf16, which numpy has no type for.
    """
    if not path.is_file():
        raise BackendUnavailable(f"The numpy Gemma encoder reads {path}, found nothing.")
    with path.open("rb") as handle:
        size = struct.unpack("<Q", handle.read(8))[0]
        header: dict[str, Any] = json.loads(handle.read(size))
    header.pop("__metadata__", None)
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + size)
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] not in _DTYPES:
            raise BackendUnavailable(
                f"The numpy Gemma encoder cannot read {entry['dtype']} tensors ({name} in {path})."
            )
        start, end = entry["data_offsets"]
        tensors[name] = data[start:end].view(_DTYPES[entry["dtype"]]).reshape(entry["shape"])
    return tensors


def _check(folder: Path, config: dict[str, Any]) -> list[str]:
    """The Dense folders, after checking that the config and module chain are EmbeddingGemma's."""
    expected = {
        "model_type": "gemma3_text",
        "hidden_activation": "gelu_pytorch_tanh",
        "use_bidirectional_attention": True,
        "attn_logit_softcapping": None,
        "rope_scaling": None,
    }
    for key, value in expected.items():
        if config.get(key) != value:
            raise BackendUnavailable(
                f"The numpy Gemma encoder expects {key} {value!r} in config.json, got {config.get(key)!r}."
            )
    modules = _read_json(folder / "modules.json") or []
    if [module.get("type") for module in modules] != MODULES:
        raise BackendUnavailable(f"The numpy Gemma encoder runs the modules {MODULES}, modules.json lists others.")
    pooling = _read_json(folder / modules[1]["path"] / "config.json", required=True)
    modes = [name for name, value in pooling.items() if name.startswith("pooling_mode_") and value]
    if modes != ["pooling_mode_mean_tokens"]:
        raise BackendUnavailable(f"The numpy Gemma encoder supports mean pooling only, the model asks for {modes}.")
    dense = [module["path"] for module in modules[2:4]]
    for path in dense:
        layer = _read_json(folder / path / "config.json", required=True)
        if layer.get("bias") or not str(layer.get("activation_function", "")).endswith("Identity"):
            raise BackendUnavailable(
                f"The numpy Gemma encoder runs bias-free linear Dense layers only, {path} is not one."
            )
    return dense
