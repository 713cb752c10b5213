"""Query expansion (HyDE): a model's short closed-book answer supplies the field's words a question lacks.

"velocity term" finds momentum, "lasso vs ridge" finds L1/L2, once a model that knows the field has
named them. The expansion only widens retrieval (`Retriever.search`); the scope gate still judges the
user's own question, and the answer is still written from the retrieved passages.

Whether it runs is `BOT_QUERY_EXPANSION`: `off`, `hyde`, or `auto` (on when the expanding model is the
1.5B preset on a GPU, where it is cheap; off on a CPU, where the 1.5B costs seconds a question: see
docs/evaluation.md). The 0.5B's closed-book answers are often wrong and lowered retrieval, so a CPU user who
asks for `hyde` on the 0.5B default gets the 1.5B loaded for expansion alone (`BOT_EXPANSION_MODEL`).
"""

from __future__ import annotations

import argparse
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.llm import LLM, generate, generator_preset
from bot.prompt import Message, template
from common.models import LARGE
from common.settings import Settings

CACHED = 256  # expansions kept: greedy output is a function of the question, and retries are common


@dataclass(frozen=True)
class Expander:
    """Writes the hypothetical answer that is added to a question before retrieval."""

    llm: LLM
    max_tokens: int
    _cache: OrderedDict[str, str] = field(default_factory=OrderedDict, compare=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def expand(self, question: str) -> str:
        """A short answer naming the standard terms (greedy, at most `max_tokens`); "" for an empty reply."""
        with self._lock:
            if question in self._cache:
                self._cache.move_to_end(question)
                return self._cache[question]
        messages = [Message("system", template("expand", self.llm.family).strip()), Message("user", question)]
        text = " ".join(generate(self.llm, messages, max_tokens=self.max_tokens, temperature=0.0).split())
        with self._lock:
            self._cache[question] = text
            if len(self._cache) > CACHED:
                self._cache.popitem(last=False)
        return text


def expansion_overrides(text: str) -> dict[str, str]:
    """`off`, `auto`, `hyde` or `hyde:MODEL` as settings overrides: the `--expansion` argument of the
    regression gate and of the benchmark, parsed once here, below both."""
    mode, _, model = text.partition(":")
    if mode not in ("off", "hyde", "auto") or (model and mode != "hyde"):
        raise argparse.ArgumentTypeError(f"expected off, auto, hyde or hyde:MODEL, got {text!r}")
    return {"query_expansion": mode, **({"expansion_model": model} if model else {})}


def expansion_model(settings: Settings) -> str | None:
    """The model that expands, as a `BOT_LLM_MODEL` value; None means the answer generator itself
    (also when the named model is the one the generator resolves to: one copy in memory)."""
    if settings.expansion_model:
        same = settings.expansion_model in (settings.llm_model, generator_preset(settings))
        return None if same else settings.expansion_model
    if settings.query_expansion == "hyde" and generator_preset(settings) not in (None, LARGE):
        return LARGE  # the smaller presets' expansions hurt retrieval
    return None


def expansion_on(settings: Settings, generator: Callable[[], LLM], gpu: bool) -> bool:
    """Whether questions are expanded: `auto` means the 1.5B runs on a GPU, the one place it is cheap."""
    if settings.query_expansion != "auto":
        return settings.query_expansion == "hyde"
    if not gpu:
        return False
    model = expansion_model(settings)
    return (model or generator().name) == LARGE
