"""Hugging Face transformers: any local causal-LM folder (or a GGUF, dequantized); CUDA + bf16 when present."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

from bot.llm import BaseLLM
from bot.prompt import Message
from common.errors import BackendUnavailable, ModelMissing
from common.models import choose, family_of, is_preset, preset_file
from common.settings import Settings


class TransformersLLM(BaseLLM):
    """A local transformers model; generation runs in a thread and streams through a TextIteratorStreamer."""

    def __init__(self, path: Path, seed: int = 0, name: str | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ModuleNotFoundError as e:
            raise BackendUnavailable(
                'The transformers backend needs its extra: pip install -e ".[transformers]"'
            ) from e
        if not path.exists():
            raise ModelMissing(f"Expected a model folder or GGUF file at {path}, found nothing; set BOT_LLM_MODEL.")
        self.device = "gpu" if torch.cuda.is_available() else "cpu"
        dtype = torch.bfloat16 if self.device == "gpu" else torch.float32
        kwargs = {"gguf_file": path.name} if path.is_file() else {}
        folder = str(path.parent if path.is_file() else path)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True, **kwargs)
            self.model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True, dtype=dtype, **kwargs)
        except (OSError, ImportError, ValueError) as e:
            raise ModelMissing(f"transformers could not load {path}: {e}") from e
        self.model.to("cuda" if self.device == "gpu" else "cpu").eval()
        self.name = name or (path.stem if path.is_file() else path.name)
        self.family = family_of(self.name)
        self.path = path if path.is_file() else None
        self.seed = seed
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> TransformersLLM:
        """A preset's GGUF (dequantized; `auto` = the 0.5B) or the folder/file `settings.llm_model` names."""
        if not is_preset(settings.llm_model):
            return cls(Path(settings.llm_model), settings.seed)
        preset = choose(settings.llm_model, gpu=False).preset  # dequantized on the CPU: `auto` is the 0.5B
        return cls(preset_file(preset, settings.model_dir), settings.seed, name=preset.name)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def stream(self, messages: list[Message], *, max_tokens: int, temperature: float) -> Iterator[str]:
        import torch
        from transformers import TextIteratorStreamer

        chat = [{"role": m.role, "content": m.content} for m in messages]
        inputs = self.tokenizer.apply_chat_template(
            chat, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        inputs = inputs.to(self.model.device)
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        sampling = {"do_sample": True, "temperature": temperature} if temperature > 0 else {"do_sample": False}
        errors: list[BaseException] = []

        def work() -> None:
            try:
                torch.manual_seed(self.seed)
                self.model.generate(**inputs, max_new_tokens=max_tokens, streamer=streamer, **sampling)
            except BaseException as e:  # surfaced to the caller below
                errors.append(e)
                streamer.end()

        with self._lock:
            thread = threading.Thread(target=work, daemon=True)
            thread.start()
            yield from (piece for piece in streamer if piece)
            thread.join()
        if errors:
            raise BackendUnavailable(f"transformers generation failed: {errors[0]}") from errors[0]
