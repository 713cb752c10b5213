"""The same contract for every LLM backend that runs here (the openai one is tested against a real server)."""

import pytest

from bot import Settings, load_llm
from bot.llm import BACKENDS, generate
from bot.prompt import Message

MESSAGES = [Message("system", "Answer briefly."), Message("user", "What is dropout in neural networks?")]


@pytest.fixture(
    scope="module",
    params=[
        "fake",
        pytest.param("llama_cpp", marks=pytest.mark.slow),
        pytest.param("transformers", marks=pytest.mark.slow),
    ],
)
def llm(request):
    return load_llm(Settings(_env_file=None, llm_backend=request.param))


def test_stream_yields_text_pieces_that_join_into_generate(llm):
    pieces = list(llm.stream(MESSAGES, max_tokens=12, temperature=0))
    assert pieces and all(isinstance(p, str) for p in pieces)
    assert "".join(pieces) == generate(llm, MESSAGES, max_tokens=12, temperature=0)  # greedy: reproducible


def test_max_tokens_bounds_the_output(llm):
    short = generate(llm, MESSAGES, max_tokens=3, temperature=0)
    long = generate(llm, MESSAGES, max_tokens=24, temperature=0)
    assert 0 < len(short) <= len(long)


def test_capabilities_are_declared(llm):
    assert isinstance(llm.name, str) and llm.name
    assert llm.device in {"cpu", "gpu", "remote"}


def test_every_backend_is_registered():
    assert set(BACKENDS) == {"llama_cpp", "transformers", "openai", "fake"}
