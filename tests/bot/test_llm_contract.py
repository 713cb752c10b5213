"""One contract for every LLM backend, the way LangChain's standard tests run one suite over each integration.

`fake` runs everywhere; `llama_cpp` (the smallest preset, SmolLM2-135M) and `transformers` (the same GGUF,
dequantized) are slow; `openai` runs the real client against an in-process OpenAI-compatible server
that honours `max_tokens` (tests/integration drives it against llama.cpp's real server).
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from typing import get_args

import httpx
import pytest

from bot import LLM, BackendUnavailable, Settings, load_llm
from bot.llm import BACKENDS, backend, generate
from bot.prompt import Message
from common.settings import LLMBackendName

MESSAGES = [Message("system", "Answer briefly."), Message("user", "What is dropout in neural networks?")]
REPLY = "Dropout randomly turns off some neurons during training, so the network cannot rely on any one of them."


def stub_server(request: httpx.Request) -> httpx.Response:
    """Streams `REPLY` word by word as chat-completion chunks, at most `max_tokens` of them."""
    body = json.loads(request.content)
    words = re.findall(r"\S+\s*", REPLY)[: body["max_tokens"]]
    events = [
        {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": body["model"],
         "choices": [{"index": 0, "delta": {"content": w}, "finish_reason": None}]}
        for w in words
    ]  # fmt: skip
    sse = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    return httpx.Response(200, text=sse, headers={"content-type": "text/event-stream"})


def openai_on_stub_server() -> LLM:
    from openai import OpenAI

    llm = load_llm(Settings(_env_file=None, llm_backend="openai", openai_base_url="http://stub.invalid/v1"))
    llm.client = OpenAI(
        base_url="http://stub.invalid/v1",
        api_key="x",
        http_client=httpx.Client(transport=httpx.MockTransport(stub_server)),
    )
    return llm


@pytest.fixture(
    scope="module",
    params=[
        "fake",
        "openai",
        pytest.param("llama_cpp", marks=pytest.mark.slow),
        pytest.param("transformers", marks=pytest.mark.slow),
    ],
)
def llm(request) -> LLM:
    if request.param == "openai":
        return openai_on_stub_server()
    return load_llm(Settings(_env_file=None, llm_backend=request.param, llm_model="smollm2-135m"))


def test_stream_yields_text_pieces_that_join_into_generate(llm):
    pieces = list(llm.stream(MESSAGES, max_tokens=12, temperature=0))
    assert pieces and all(isinstance(p, str) and p for p in pieces)
    assert "".join(pieces) == generate(llm, MESSAGES, max_tokens=12, temperature=0)  # greedy: reproducible


def test_max_tokens_bounds_the_output(llm):
    """A piece is at most one token, so a backend that drops `max_tokens` yields more pieces than it allows."""
    short = list(llm.stream(MESSAGES, max_tokens=3, temperature=0))
    long = list(llm.stream(MESSAGES, max_tokens=24, temperature=0))
    assert 1 <= len(short) <= 3 < len(long) <= 24
    assert len("".join(short)) < len("".join(long))


def test_capabilities_are_declared(llm):
    assert llm.name in {"fake", "default", "smollm2-135m"}  # the model asked for: the status line, Answer.model
    assert llm.device in {"cpu", "gpu", "remote"}
    assert llm.family in {"qwen", "smollm2", "fake"}  # picks the prompt, the passages shown and the tentative band
    assert "\n" not in llm.notice  # shown as one line under the status


def test_every_backend_answers_what_the_bot_and_the_eval_ask_of_it(llm):
    assert llm.path is None or llm.path.is_file()
    assert llm.count_tokens("Dropout drops units.") >= 3
    assert llm.warm(MESSAGES) is None  # evaluates the head where a cache keeps it; a no-op elsewhere
    raw = llm.raw_stream(MESSAGES, max_tokens=4)
    assert raw is None or "".join(raw)  # the bare engine, where the backend has one
    settings = Settings(_env_file=None, llm_backend="fake")
    assert type(llm).gpu_offload(settings) is (llm.device == "gpu")  # asked before loading, as the device after
    assert type(llm).state_dir(settings) is None or type(llm).state_dir(settings).name == "kv"


def test_every_backend_name_the_settings_accept_names_its_registered_class():
    assert sorted(BACKENDS) == sorted(get_args(LLMBackendName))
    for name, target in BACKENDS.items():
        module, _, cls = target.partition(":")
        assert backend(Settings(_env_file=None, llm_backend=name)) is getattr(importlib.import_module(module), cls)


@pytest.mark.parametrize(
    ("backend", "package", "extra"), [("openai", "openai", "openai"), ("transformers", "transformers", "transformers")]
)
def test_a_missing_optional_package_names_its_extra(backend, package, extra, monkeypatch):
    monkeypatch.setitem(sys.modules, package, None)  # `import package` now fails as if it were not installed
    with pytest.raises(BackendUnavailable, match=re.escape(f'pip install -e ".[{extra}]"')):
        load_llm(Settings(_env_file=None, llm_backend=backend))
