"""The answer generator contract and the registry that picks a backend by name.

A backend implements `from_settings` and `stream` (text pieces as they are generated; `generate` joins
them) and declares what it can do beyond that: its prompt family and notice, the model file it runs,
a prompt head it can keep evaluated, its own token count, a bare baseline stream, a yes/no score from its
logits (the judge), and, asked of the class
before anything loads, GPU offload and the preset it resolves to. `BaseLLM` gives the answers of a
backend that can do none of it, so the bot and the eval ask the backend and never import one.
Backends are imported lazily, so a missing optional package fails only when it is chosen.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from bot.prompt import Message
from common.models import Choice, family_of
from common.settings import Settings


class LLM(Protocol):
    """What the bot, the UI and the eval need from a language model."""

    name: str
    device: str  # cpu, gpu or remote
    family: str  # the prompt family: picks the prompt, the passages shown and whether drafts settle a band
    notice: str  # one line for the status bar ("" when there is nothing to say)
    path: Path | None  # the model file, which the eval hashes; None for folders and servers

    @classmethod
    def from_settings(cls, settings: Settings) -> LLM:
        """The backend built from `settings` (model path, server, threads); `load_llm` calls this."""
        ...

    @classmethod
    def gpu_offload(cls, settings: Settings) -> bool:
        """Whether this backend would put the model on a GPU with these settings (asked before it loads)."""
        ...

    @classmethod
    def preset(cls, settings: Settings) -> Choice | None:
        """The model preset `settings` resolve to for this backend; None for a file, folder or server model."""
        ...

    @classmethod
    def state_dir(cls, settings: Settings) -> Path | None:
        """Where saved prompt-head states live; None when the backend keeps none."""
        ...

    def stream(self, messages: list[Message], *, max_tokens: int, temperature: float) -> Iterator[str]: ...

    def warm(self, messages: list[Message]) -> None:
        """Evaluate the fixed head these messages start with, where a KV cache keeps it; else nothing."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens in `text` by the model's own tokenizer (words where it has none)."""
        ...

    def raw_stream(self, messages: list[Message], *, max_tokens: int) -> Iterator[str] | None:
        """The same prompt through the bare engine, greedy, for the bench's overhead baseline; None without one."""
        ...

    def p_yes(self, messages: list[Message], shared: str = "") -> float | None:
        """p(yes) against p(no) for the reply's first token, from the model's logits (not a sampled word):
        the judge's score. `shared` is the start of the last message that later calls repeat (a backend may
        keep its evaluated state). None when the backend cannot read logits (then no judge runs)."""
        ...


class BaseLLM:
    """The capabilities of a backend that has none beyond `stream`: no file, no cache, no GPU, no preset."""

    notice = ""
    path: Path | None = None

    @classmethod
    def gpu_offload(cls, settings: Settings) -> bool:
        return False

    @classmethod
    def preset(cls, settings: Settings) -> Choice | None:
        return None

    @classmethod
    def state_dir(cls, settings: Settings) -> Path | None:
        return None

    def warm(self, messages: list[Message]) -> None:
        return None

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def raw_stream(self, messages: list[Message], *, max_tokens: int) -> Iterator[str] | None:
        return None

    def p_yes(self, messages: list[Message], shared: str = "") -> float | None:
        return None


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


def backend(settings: Settings) -> type[LLM]:
    """The backend class `settings.llm_backend` names, imported now (its capabilities are asked of it)."""
    module, _, cls = BACKENDS[settings.llm_backend].partition(":")
    return getattr(importlib.import_module(module), cls)


def load_llm(settings: Settings) -> LLM:
    """The backend `settings.llm_backend` names, built from `settings`."""
    return backend(settings).from_settings(settings)


def generator_preset(settings: Settings) -> str | None:
    """The preset name the generator resolves to here; None for files and for backends without presets."""
    choice = backend(settings).preset(settings)
    return None if choice is None else choice.preset.name
