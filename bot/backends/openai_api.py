"""Any OpenAI-compatible chat server (vLLM, llama.cpp server, Ollama, TGI), streamed."""

from __future__ import annotations

from collections.abc import Iterator

from bot.llm import BaseLLM
from bot.prompt import Message
from common.errors import BackendUnavailable
from common.models import AUTO, family_of
from common.settings import Settings


class OpenAILLM(BaseLLM):
    """Chat completions over HTTP; one retry, a timeout, and a one-line error when the server is down."""

    device = "remote"

    def __init__(self, model: str, base_url: str, api_key: str, timeout: float, seed: int = 0) -> None:
        try:
            from openai import OpenAI
        except ModuleNotFoundError as e:
            raise BackendUnavailable('The openai backend needs its extra: pip install -e ".[openai]"') from e
        self.name = model
        self.family = family_of(model)
        self.base_url = base_url
        self.seed = seed
        self.client = OpenAI(base_url=base_url, api_key=api_key, timeout=timeout, max_retries=1)

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAILLM:
        return cls(
            "default" if settings.llm_model in ("", AUTO) else settings.llm_model,
            settings.openai_base_url,
            settings.openai_api_key,
            settings.request_timeout,
            settings.seed,
        )

    def stream(self, messages: list[Message], *, max_tokens: int, temperature: float) -> Iterator[str]:
        from openai import OpenAIError

        try:
            response = self.client.chat.completions.create(
                model=self.name,
                messages=[{"role": m.role, "content": m.content} for m in messages],
                max_tokens=max_tokens,
                temperature=temperature,
                seed=self.seed,
                stream=True,
            )
            for chunk in response:
                if chunk.choices and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
        except OpenAIError as e:
            raise BackendUnavailable(f"The LLM server at {self.base_url} failed: {e.__class__.__name__}: {e}") from e
