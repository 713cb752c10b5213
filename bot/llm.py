"""The answer generator contract and the registry that picks a backend by name.

A backend implements `from_settings` and `stream` (text pieces as they are generated); `generate`
joins them.
Backends are imported lazily, so a missing optional package fails only when it is chosen.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Protocol

from bot.prompt import Message
from common.models import family_of
from common.settings import Settings


class LLM(Protocol):
    """What the bot needs from a language model."""

    name: str
    device: str

    @classmethod
    def from_settings(cls, settings: Settings) -> LLM:
        """The backend built from `settings` (model path, server, threads); `load_llm` calls this."""
        ...

    def stream(self, messages: list[Message], *, max_tokens: int, temperature: float) -> Iterator[str]: ...


def generate(llm: LLM, messages: list[Message], *, max_tokens: int, temperature: float) -> str:
    return "".join(llm.stream(messages, max_tokens=max_tokens, temperature=temperature))


BACKENDS: dict[str, str] = {
    "llama_cpp": "bot.backends.llamacpp:LlamaCppLLM",
    "transformers": "bot.backends.hf:TransformersLLM",
    "openai": "bot.backends.openai_api:OpenAILLM",
    "fake": "bot.backends.fake:FakeLLM",
}


def model_family(settings: Settings) -> str:
    """The prompt family of the model `settings` name, known before it loads (for start-up choices)."""
    return "fake" if settings.llm_backend == "fake" else family_of(settings.llm_model)


def load_llm(settings: Settings) -> LLM:
    """The backend `settings.llm_backend` names, built from `settings`."""
    module, _, cls = BACKENDS[settings.llm_backend].partition(":")
    return getattr(importlib.import_module(module), cls).from_settings(settings)
