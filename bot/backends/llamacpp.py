"""llama.cpp through llama-cpp-python: GGUF models, all layers on a GPU when the build has one.

The packaged SmolLM2-135M GGUF is the default and is checked against its sha256. Sampling is
greedy at temperature 0 with fixed threads and seed, so output reproduces on one machine. Every
prompt is evaluated from an empty KV cache: reusing a cached prefix changes how the prompt is
split into batches, which moved greedy output between two identical calls (seen here). The
system prompt is ~70 tokens, so the reuse it would buy is a few tens of milliseconds.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.prompt import Message
from ingest.errors import BackendUnavailable, ModelMissing
from ingest.models import SMOLLM2_SHA256, default_gguf, verify
from ingest.settings import Settings

_PATCH_LOCK = threading.Lock()


class LlamaCppLLM:
    """A local GGUF model; one generation at a time (llama.cpp contexts are not thread-safe)."""

    def __init__(
        self, path: Path, *, n_ctx: int, n_threads: int, n_gpu_layers: int, seed: int, extra_buffers: bool = False
    ) -> None:
        try:
            import llama_cpp
        except ModuleNotFoundError as e:
            raise BackendUnavailable("llama-cpp-python is missing: pip install llama-cpp-python") from e
        if not path.is_file():
            raise ModelMissing(f"Expected a GGUF file at {path}, found nothing; set BOT_LLM_MODEL.")
        gpu = bool(llama_cpp.llama_supports_gpu_offload())
        self.name = path.stem
        self.device = "gpu" if gpu and n_gpu_layers != 0 else "cpu"
        self.seed = seed
        self._lock = threading.Lock()
        try:
            with _extra_buffers(llama_cpp, enabled=extra_buffers):
                self.model = llama_cpp.Llama(
                    model_path=str(path),
                    n_ctx=n_ctx,
                    n_threads=n_threads,
                    n_threads_batch=n_threads,
                    n_batch=512,
                    n_gpu_layers=n_gpu_layers if gpu else 0,
                    seed=seed,
                    verbose=False,
                )
        except (ValueError, RuntimeError) as e:
            raise ModelMissing(f"llama.cpp could not load {path}: {e}") from e

    @classmethod
    def from_settings(cls, settings: Settings) -> LlamaCppLLM:
        path = Path(settings.llm_model) if settings.llm_model else verify(default_gguf(), SMOLLM2_SHA256)
        return cls(
            path,
            n_ctx=settings.n_ctx,
            n_threads=settings.n_threads,
            n_gpu_layers=settings.n_gpu_layers,
            seed=settings.seed,
            extra_buffers=settings.llama_extra_buffers,
        )

    def stream(self, messages: list[Message], *, max_tokens: int, temperature: float) -> Iterator[str]:
        with self._lock:
            self.model.reset()
            chunks = self.model.create_chat_completion(
                messages=[{"role": m.role, "content": m.content} for m in messages],
                max_tokens=max_tokens,
                temperature=temperature,
                top_k=1 if temperature == 0 else 40,
                seed=self.seed,
                stream=True,
            )
            for chunk in chunks:
                piece = chunk["choices"][0]["delta"].get("content")
                if piece:
                    yield piece

    def raw_stream(self, prompt: str, *, max_tokens: int) -> Iterator[str]:
        """The model driven directly on a finished prompt string (the benchmark's baseline)."""
        with self._lock:
            self.model.reset()
            for chunk in self.model.create_completion(
                prompt, max_tokens=max_tokens, temperature=0, top_k=1, stream=True
            ):
                yield chunk["choices"][0]["text"]


@contextmanager
def _extra_buffers(llama_cpp: Any, *, enabled: bool) -> Iterator[None]:
    """Load with llama.cpp's extra weight buffers (AMX/repack) on or off.

    They are off by default: on Xeon CPUs with AMX in some VMs they crash prompt evaluation
    (seen with llama-cpp-python 0.3.36: any prompt longer than one token segfaults).
    llama-cpp-python has no keyword for `use_extra_bufts`, so the default-params factory is
    wrapped while the model loads.
    """
    if enabled:
        yield
        return
    module = llama_cpp.llama_cpp
    original = module.llama_model_default_params

    def params() -> Any:
        value = original()
        value.use_extra_bufts = False
        return value

    with _PATCH_LOCK:
        module.llama_model_default_params = params
        try:
            yield
        finally:
            module.llama_model_default_params = original
