"""Text embedders behind one small contract, chosen by `settings.embed_backend`.

`Embedder` is what the rest of the code needs; `BaseEmbedder` does the batching and input
checks so a backend writes only `_embed_batch`. Vectors are L2-normalised, so a dot product
is a cosine. Models load lazily: an unchanged re-ingest never loads one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np

from common.embed_presets import EMBED_PRESETS, EmbedPreset, embed_preset
from common.encoder import NumpyEncoder
from common.encoder_gemma import GemmaEncoder
from common.errors import BackendUnavailable, InputError, ModelMissing
from common.fetch import assembled, stamp
from common.models import MINILM_SHA256, file_sha256, verify
from common.paths import MODEL_DIR
from common.settings import Settings


class Embedder(Protocol):
    """Turns texts into unit vectors; `fingerprint` names the exact weights for the manifest."""

    name: str
    dimension: int
    fingerprint: str

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class BaseEmbedder:
    """Shared bookkeeping: input checks, batching, normalisation, an optional query prefix."""

    name = "base"
    dimension = 0
    fingerprint = ""
    batch_size = 32
    query_prefix = ""
    document_prefix = ""

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if isinstance(texts, str):
            raise InputError("Expected a list of strings, got one string.")
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        texts = [self.document_prefix + text for text in texts]
        parts = [self._embed_batch(texts[i : i + self.batch_size]) for i in range(0, len(texts), self.batch_size)]
        return _normalise(np.vstack(parts))

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise(self._embed_batch([self.query_prefix + text]))[0]

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError


# The numpy encoder per config.json model_type; others try the BERT one, which refuses what it cannot run.
NUMPY_ENCODERS = {"bert": NumpyEncoder, "gemma3_text": GemmaEncoder}


class SentenceTransformerEmbedder(BaseEmbedder):
    """A local sentence-transformers folder, or a preset (`minilm`, `mpnet`, `embeddinggemma`) by name.

    A preset brings its query/document prompts and the dtype its weights were stored in; the
    fingerprint covers both, so an index built with other prompts is rebuilt, never mixed.
    """

    def __init__(
        self,
        folder: Path | None = None,
        batch_size: int = 32,
        device: str | None = None,
        preset: EmbedPreset | None = None,
        model_dir: Path = MODEL_DIR,
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach a model hub at run time
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if folder is None and preset is None:
            preset = EMBED_PRESETS["minilm"]
        self.preset = preset
        self.folder = assembled(preset, model_dir) if preset is not None else Path(folder)
        if not (self.folder / "config.json").is_file():
            raise ModelMissing(f"Expected a sentence-transformers folder at {self.folder}, found no config.json.")
        self.name = preset.label if preset is not None else self.folder.name
        self.query_prefix = preset.query_prompt if preset is not None else ""
        self.document_prefix = preset.document_prompt if preset is not None else ""
        self.dtype = preset.dtype if preset is not None else "float32"
        self.batch_size = batch_size
        self.device = device
        self.dimension = _dimension(self.folder)

    @cached_property
    def fingerprint(self) -> str:  # type: ignore[override]
        weights = sorted(self.folder.glob("*.safetensors")) or sorted(self.folder.glob("*.bin"))
        if not weights:
            raise ModelMissing(f"Expected model weights in {self.folder}, found none.")
        if self.preset is not None and self.preset.name == "minilm":
            verify(weights[0], MINILM_SHA256)
            return MINILM_SHA256
        # a preset was verified by the fetch, whose stamp holds the stored file's checksum
        sums = stamp(self.folder)["sha256"] if self.preset is not None else "".join(file_sha256(w) for w in weights)
        return hashlib.sha256(f"{sums}|{self.query_prefix}|{self.document_prefix}|{self.dtype}".encode()).hexdigest()

    @cached_property
    def model(self):
        _ = self.fingerprint  # checks the weights once, before loading them
        try:
            from sentence_transformers import SentenceTransformer
        except ModuleNotFoundError as e:
            raise BackendUnavailable("sentence-transformers is missing: pip install sentence-transformers") from e
        kwargs = {}
        if self.dtype != "float32":
            import torch

            kwargs["model_kwargs"] = {"dtype": getattr(torch, self.dtype)}
        return SentenceTransformer(str(self.folder), device=self.device, local_files_only=True, **kwargs)

    @cached_property
    def query_encoder(self) -> Callable[[list[str]], np.ndarray]:
        """The numpy encoder where it can run the model, so a query never waits for torch to import.

        Ingest batches keep sentence-transformers; a model the numpy encoder cannot run falls back to it.
        """
        _ = self.fingerprint  # checks the weights once, before loading them
        model_type = json.loads((self.folder / "config.json").read_text()).get("model_type")
        encoder = NUMPY_ENCODERS.get(model_type, NumpyEncoder)
        try:
            return encoder(self.folder).encode
        except BackendUnavailable:
            return self._embed_batch

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise(self.query_encoder([self.query_prefix + text]))[0]

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(texts, batch_size=self.batch_size, convert_to_tensor=True, show_progress_bar=False)
        return vectors.float().cpu().numpy()


class OpenAIEmbedder(BaseEmbedder):
    """Embeddings served by an OpenAI-compatible `/v1/embeddings` endpoint.

    The fingerprint names the served model, not the server's address: replicas and the
    ingest job may reach one server by different URLs (`localhost`, a service name).
    """

    def __init__(self, model: str, base_url: str, api_key: str, timeout: float, dimension: int = 0) -> None:
        self.name = model
        self.base_url = base_url
        self.api_key = api_key
        self.timeout = timeout
        self.fingerprint = hashlib.sha256(f"openai:{model}".encode()).hexdigest()
        self.dimension = dimension or len(self._embed_batch(["dimension probe"])[0])

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        try:
            from openai import OpenAI, OpenAIError
        except ModuleNotFoundError as e:
            raise BackendUnavailable('The openai embedder needs its extra: pip install -e ".[openai]"') from e
        client = OpenAI(base_url=self.base_url, api_key=self.api_key, timeout=self.timeout, max_retries=1)
        try:
            response = client.embeddings.create(model=self.name, input=texts)
        except OpenAIError as e:
            raise BackendUnavailable(f"Embedding server at {self.base_url} failed: {e}") from e
        return np.array([item.embedding for item in response.data], dtype=np.float32)


class FakeEmbedder(BaseEmbedder):
    """Hashed bag of words: texts sharing words get similar vectors; readable and deterministic."""

    name = "fake-bow"

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension
        self.fingerprint = f"fake-bow-{dimension}"
        self.calls = 0

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        self.calls += len(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                out[row, int(hashlib.sha256(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
        out[:, 0] += 1e-3  # keeps an empty text from being a zero vector
        return out


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def _dimension(folder: Path) -> int:
    """The output width: the last Dense layer's, else the transformer's hidden size."""
    dense = sorted(folder.glob("*_Dense/config.json"))
    if dense:
        return int(json.loads(dense[-1].read_text())["out_features"])
    return int(json.loads((folder / "config.json").read_text()).get("hidden_size", 0))


def _sentence_transformer(s: Settings) -> SentenceTransformerEmbedder:
    if s.embed_model in EMBED_PRESETS:
        return SentenceTransformerEmbedder(
            batch_size=s.embed_batch_size, preset=EMBED_PRESETS[s.embed_model], model_dir=s.model_dir
        )
    if not Path(s.embed_model).is_dir():
        embed_preset(s.embed_model)  # raises, naming the presets
    return SentenceTransformerEmbedder(Path(s.embed_model), batch_size=s.embed_batch_size)


_EMBEDDERS: dict[str, Callable[[Settings], Embedder]] = {
    "sentence_transformers": _sentence_transformer,
    "openai": lambda s: OpenAIEmbedder(
        s.embed_model or "text-embedding", s.embed_base_url or s.openai_base_url, s.openai_api_key, s.request_timeout
    ),
    "fake": lambda s: FakeEmbedder(),
}


def load_embedder(settings: Settings) -> Embedder:
    """The embedder `settings` asks for (its weights load on first use)."""
    return _EMBEDDERS[settings.embed_backend](settings)
