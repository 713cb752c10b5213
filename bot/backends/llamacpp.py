"""llama.cpp through llama-cpp-python: GGUF models, all layers on a GPU when the build has one.

`BOT_LLM_MODEL` names a preset (`common.models.PRESETS`, `auto` by default) or a GGUF path; a preset's
file is verified by sha256 (assembled from its piece packages on first use). Greedy sampling with fixed
threads and seed reproduces output on one machine; the first token comes sooner without giving that up:
- The fixed head of every prompt (system prompt and the user turn's opening) is evaluated once and kept in
  the KV cache; each question cuts the cache back to that head and evaluates the rest. Reusing whatever
  prefix the last question left would change how the prompt is split into batches, and greedy output with it.
- The head's evaluated state is saved in `BOT_MODEL_DIR/kv/`, keyed by the model file, the head's tokens
  and the context settings; the next process loads it (the very state that evaluation wrote, so answers
  do not change) instead of evaluating the head again; a file that does not load is rebuilt.
- One worker thread runs every call: llama.cpp's OpenMP pool belongs to the thread that starts it.
- A model loads with llama.cpp's log lines dropped at their source, never by pointing the process's stdout and
  stderr at /dev/null, which would swallow what other threads print while it loads.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import os
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from bot.llm import BaseLLM
from bot.prompt import Message
from common.errors import BackendUnavailable, ModelMissing
from common.models import Choice, choose, family_of, is_preset, preset_file, sweep_partials
from common.settings import Settings

_PATCH_LOCK = threading.Lock()
_QUIET_LOCK = threading.Lock()
_DONE = object()


class LlamaCppLLM(BaseLLM):
    """A local GGUF model; one generation at a time, on one worker thread (llama.cpp contexts are
    not thread-safe)."""

    def __init__(
        self,
        path: Path,
        *,
        n_ctx: int,
        n_threads: int,
        n_gpu_layers: int,
        seed: int,
        extra_buffers: bool = False,
        name: str | None = None,
        family: str | None = None,
        notice: str = "",
        state_dir: Path | None = None,
    ) -> None:
        try:
            import llama_cpp
        except ModuleNotFoundError as e:
            raise BackendUnavailable("llama-cpp-python is missing: pip install llama-cpp-python") from e
        if not path.is_file():
            raise ModelMissing(f"Expected a GGUF file at {path}, found nothing; set BOT_LLM_MODEL.")
        gpu = gpu_offload()
        self.name = name or path.stem
        self.path = path
        self.family = family or family_of(self.name)
        self.notice = notice
        self.device = "gpu" if gpu and n_gpu_layers != 0 else "cpu"
        self.seed = seed
        self._state_dir = state_dir
        if state_dir is not None:
            sweep_partials(state_dir)
        self._state_key = json.dumps(
            [str(path.resolve()), *_stat(path), n_ctx, n_threads, self.device, llama_cpp.__version__]
        )
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llama-cpp")
        self._head: list[int] | None = None
        self._head_key: str | None = None
        try:
            with _quiet_load(llama_cpp), _extra_buffers(llama_cpp, enabled=extra_buffers):
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
        """The preset or GGUF file `settings.llm_model` names; `auto` looks at GPU offload first."""
        options = {
            "n_ctx": settings.n_ctx,
            "n_threads": settings.n_threads,
            "n_gpu_layers": settings.n_gpu_layers,
            "seed": settings.seed,
            "extra_buffers": settings.llama_extra_buffers,
            "state_dir": cls.state_dir(settings),
        }
        choice = cls.preset(settings)
        if choice is None:
            return cls(Path(settings.llm_model), **options)
        path = preset_file(choice.preset, settings.model_dir)
        return cls(path, name=choice.preset.name, family=choice.preset.family, notice=choice.notice, **options)

    @classmethod
    def gpu_offload(cls, settings: Settings) -> bool:
        return offloads(settings)

    @classmethod
    def preset(cls, settings: Settings) -> Choice | None:
        return preset_choice(settings)

    @classmethod
    def state_dir(cls, settings: Settings) -> Path | None:
        return state_dir(settings)

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenize(text.encode(), add_bos=False, special=False))

    def stream(self, messages: list[Message], *, max_tokens: int, temperature: float) -> Iterator[str]:
        def produce() -> Iterator[str]:
            self._restore_head(messages)
            top_k = 1 if temperature == 0 else 40
            yield from self._chat(messages, max_tokens=max_tokens, temperature=temperature, top_k=top_k, seed=self.seed)

        return self._on_worker(produce)

    def warm(self, messages: list[Message]) -> None:
        """Evaluate the fixed head these messages start with now, so the first question does not wait for it."""
        self._worker.submit(self._restore_head, messages).result()

    def p_yes(self, messages: list[Message], shared: str = "") -> float | None:
        """p(yes) against p(no) (either case) for the first reply token, from the logits of one prompt
        evaluation. What the KV cache already holds of the prompt is kept; `shared`, the start of the last
        message that later calls repeat (the judge's passage), is evaluated once and its state saved in
        `BOT_MODEL_DIR/kv/`, so a passage judged before costs a file load and each sentence about its own tokens."""
        import llama_cpp
        import numpy as np

        def score() -> float | None:
            formatter = self._formatter
            if formatter is None:
                return None
            tokens = self._chat_tokens(formatter, messages)
            if shared:
                self._restore_shared(self._shared_tokens(formatter, messages, shared, tokens))
            cached = self.model.input_ids[: self.model.n_tokens]
            # keep what the cache shares with the prompt, but evaluate at least one token, for its logits
            self.model.n_tokens = min(_common_prefix(cached, tokens), len(tokens) - 1)
            self.model.eval(tokens[self.model.n_tokens :])
            logits = np.ctypeslib.as_array(
                llama_cpp.llama_get_logits_ith(self.model.ctx, -1), shape=(self.model.n_vocab(),)
            ).astype(np.float64)
            yes, no = self._answer_tokens
            p = np.exp(logits - logits.max())
            return float(p[yes].sum() / (p[yes].sum() + p[no].sum()))

        return self._worker.submit(score).result()

    def _chat_tokens(self, formatter: Any, messages: list[Message]) -> list[int]:
        chat = [{"role": m.role, "content": m.content} for m in messages]
        return self.model.tokenize(formatter(messages=chat).prompt.encode(), add_bos=False, special=True)

    def _shared_tokens(self, formatter: Any, messages: list[Message], shared: str, tokens: list[int]) -> list[int]:
        """The tokens `tokens` shares with the same chat cut after `shared` (the passage's part)."""
        cut = self._chat_tokens(formatter, [*messages[:-1], Message(messages[-1].role, shared)])
        return tokens[: min(_common_prefix(cut, tokens), len(tokens) - 1)]

    def _restore_shared(self, prefix: list[int]) -> None:
        """Put `prefix` in the KV cache: kept if there, else loaded from its saved state, else evaluated and saved."""
        if self.model.n_tokens >= len(prefix) and list(self.model.input_ids[: len(prefix)]) == prefix:
            return
        path = self._state_file(prefix, "judge")
        self.model.reset()
        if path is not None and path.is_file() and self._load_state(path, prefix):
            return
        self.model.eval(prefix)
        if path is not None:
            self._save_state(path, prefix)

    @cached_property
    def _answer_tokens(self) -> tuple[list[int], list[int]]:
        """The single-token spellings of yes and no."""

        def ids(*spellings: str) -> list[int]:
            found = [self.model.tokenize(w.encode(), add_bos=False, special=False) for w in spellings]
            return sorted({t[0] for t in found if len(t) == 1})

        return ids("yes", "Yes"), ids("no", "No")

    def raw_stream(self, messages: list[Message], *, max_tokens: int) -> Iterator[str]:
        """The bare `llama_cpp.Llama` on these messages with its own sampling defaults (greedy): the
        benchmark's baseline. It starts from the same evaluated head as `stream` and runs on the same
        worker thread, so the comparison is the pipeline's cost alone."""

        def produce() -> Iterator[str]:
            self._restore_head(messages)
            yield from self._chat(messages, max_tokens=max_tokens, temperature=0)

        return self._on_worker(produce)

    def _chat(self, messages: list[Message], **options: Any) -> Iterator[str]:
        """The text pieces of a streamed `create_chat_completion` over `messages`."""
        chunks = self.model.create_chat_completion(
            messages=[{"role": m.role, "content": m.content} for m in messages], stream=True, **options
        )
        for chunk in chunks:
            piece = chunk["choices"][0]["delta"].get("content")
            if piece:
                yield piece

    def _on_worker(self, produce: Callable[[], Iterator[str]]) -> Iterator[str]:
        """Run `produce` on the worker thread and hand its pieces over as they come.

        Closing the returned iterator early stops the generation after the current token.
        """
        pieces: queue.Queue[object] = queue.Queue()
        stop = threading.Event()

        def run() -> None:
            try:
                for piece in produce():
                    if stop.is_set():
                        break
                    pieces.put(piece)
            except BaseException as e:  # handed to the caller, raised there
                pieces.put(e)
            finally:
                pieces.put(_DONE)

        self._worker.submit(run)
        try:
            while (item := pieces.get()) is not _DONE:
                if isinstance(item, BaseException):
                    raise item
                yield item  # type: ignore[misc]
        finally:
            stop.set()

    def _restore_head(self, messages: list[Message]) -> None:
        """Cut the KV cache back to the evaluated head these messages share, evaluating it first if
        needed; without a head (no chat template, or another system prompt), start empty."""
        key = messages[0].content if messages and messages[0].role == "system" else None
        if key is None:  # a self-check: llama.cpp reuses the passage it shares with the previous check
            self._head_key = None
            return
        if key != self._head_key:
            self._head_key, self._head = key, self._head_tokens(messages) if key else None
            self.model.reset()  # a cache built under another head is never reused
        head = self._head or []
        if not (head and self.model.n_tokens >= len(head) and list(self.model.input_ids[: len(head)]) == head):
            self.model.reset()
            if head:
                self._evaluate_head(head)
        self.model.n_tokens = len(head)  # generate() matches this prefix and drops the rest of the cache

    def _evaluate_head(self, head: list[int]) -> None:
        """Evaluate the head from an empty cache (the caller resets it), or load the state an earlier
        evaluation saved."""
        path = self._state_file(head)
        if path is not None and path.is_file() and self._load_state(path, head):
            return
        self.model.eval(head)  # from position 0: it also clears whatever a failed load left in the cache
        if path is not None:
            self._save_state(path, head)

    def _state_file(self, head: list[int], kind: str = "head") -> Path | None:
        if self._state_dir is None:
            return None
        key = hashlib.sha256(json.dumps([self._state_key, head]).encode()).hexdigest()[:24]
        return self._state_dir / f"{kind}-{key}.bin"

    def _load_state(self, path: Path, head: list[int]) -> bool:
        import llama_cpp

        tokens = (llama_cpp.llama_token * len(head))()
        count = ctypes.c_size_t(0)
        loaded = llama_cpp.llama_state_load_file(
            self.model.ctx, str(path).encode(), tokens, len(head), ctypes.byref(count)
        )
        if not loaded or list(tokens[: count.value]) != head:
            path.unlink(missing_ok=True)  # damaged or foreign: evaluated again and rewritten
            return False
        self.model.input_ids[: len(head)] = head
        self.model.n_tokens = len(head)
        return True

    def _save_state(self, path: Path, head: list[int]) -> None:
        import llama_cpp

        partial = path.with_name(f"{path.name}.{os.getpid()}.part")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            saved = llama_cpp.llama_state_save_file(
                self.model.ctx, str(partial).encode(), (llama_cpp.llama_token * len(head))(*head), len(head)
            )
            if saved:
                os.replace(partial, path)
        except OSError:
            pass  # a read-only model folder: the head is evaluated each start, as without the file
        finally:
            partial.unlink(missing_ok=True)

    @cached_property
    def _formatter(self) -> Any:
        """The model's own chat template as a formatter (a reply's opening added); None without a template.

        Built once: each build compiles the template into a new Jinja environment, which per judged
        sentence cost time and left cyclic garbage that only a full collection freed (RSS crept between them)."""
        template = self.model.metadata.get("tokenizer.chat_template")
        if not template:
            return None
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        def text(token: int) -> str:
            return self.model.detokenize([token], special=True).decode("utf-8", "ignore") if token >= 0 else ""

        return Jinja2ChatFormatter(
            template=template, eos_token=text(self.model.token_eos()), bos_token=text(self.model.token_bos())
        )

    def _head_tokens(self, messages: list[Message]) -> list[int] | None:
        """The tokens every prompt with this system message starts with: the common prefix of two
        probes rendered with the model's own chat template."""
        formatter = self._formatter
        if formatter is None:
            return None

        def tokens(user: str) -> list[int]:
            chat = [{"role": "system", "content": messages[0].content}, {"role": "user", "content": user}]
            return self.model.tokenize(formatter(messages=chat).prompt.encode(), add_bos=False, special=True)

        a = tokens("a")
        return a[: _common_prefix(a, tokens("Z"))] or None


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """How many tokens two token lists share from the start."""
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def state_dir(settings: Settings) -> Path:
    """Where saved prompt-head states live (a cache: deleting it costs one head evaluation per model)."""
    return Path(settings.model_dir) / "kv"


def _stat(path: Path) -> tuple[int, int]:
    """Size and modification time: a replaced model file gets new head state files."""
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def preset_choice(settings: Settings) -> Choice | None:
    """The preset `settings.llm_model` resolves to here (`auto` looks at GPU offload); None for a path."""
    return choose(settings.llm_model, gpu=offloads(settings)) if is_preset(settings.llm_model) else None


def offloads(settings: Settings) -> bool:
    """True when these settings put layers on a GPU: a build with offload, and `n_gpu_layers` not 0."""
    return settings.n_gpu_layers != 0 and gpu_offload()


def gpu_offload() -> bool:
    """True when this llama-cpp-python build can put layers on a GPU."""
    try:
        import llama_cpp
    except ModuleNotFoundError:
        return False
    return bool(llama_cpp.llama_supports_gpu_offload())


class _NoRedirect(contextlib.nullcontext):
    def __init__(self, disable: bool = True) -> None:
        super().__init__()


@cache
def _silent(llama_cpp: Any) -> Any:
    """llama.cpp's log callback that drops every line, made once: ctypes must keep it alive while it is set."""
    return llama_cpp.llama_log_callback(lambda level, text, data: None)


@contextmanager
def _quiet_load(llama_cpp: Any) -> Iterator[None]:
    """Load with llama.cpp's own log lines dropped at their source, not with llama-cpp-python's `verbose=False`
    redirect, which points the whole process's stdout and stderr at /dev/null while a model loads
    (abetlen/llama-cpp-python#1874): the bot loads its models on a background thread, so whatever the chat,
    the server or a log printed meanwhile was lost."""
    from llama_cpp import _internals, _logger, llama

    modules = (llama, _internals)
    with _QUIET_LOCK:
        originals = [module.suppress_stdout_stderr for module in modules]
        for module in modules:
            module.suppress_stdout_stderr = _NoRedirect
        llama_cpp.llama_log_set(_silent(llama_cpp), ctypes.c_void_p(0))
        try:
            yield
        finally:
            llama_cpp.llama_log_set(_logger.llama_log_callback, ctypes.c_void_p(0))
            for module, original in zip(modules, originals, strict=True):
                module.suppress_stdout_stderr = original


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
