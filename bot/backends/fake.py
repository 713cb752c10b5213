"""A deterministic LLM for tests and the fast eval: scripted replies, or a cited echo."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from bot.llm import BaseLLM
from bot.prompt import Message
from common.errors import BackendUnavailable
from common.settings import Settings
from common.text import plain_for_quote, support

_JUDGED = re.compile(r"Passage: (.*)\n\nStatement: (.*)\n\nDoes the passage", re.S)


class FakeLLM(BaseLLM):
    """Replies with `responses` in turn; when none are queued, restates passage [1] with a citation.

    As a judge, `p_yes` is `judgement(passage, statement)`: by default the share of the statement's content
    words the passage holds (so a swap passes, as it would a word rule). `error_on_chunk` makes the stream
    fail after that many pieces, for error-path tests.
    """

    name = "fake"
    device = "cpu"
    family = "fake"

    def __init__(
        self,
        responses: list[str] | None = None,
        error_on_chunk: int | None = None,
        judgement: Callable[[str, str], float] | None = None,
    ) -> None:
        self.responses = list(responses or [])
        self.error_on_chunk = error_on_chunk
        self.judgement = judgement or (lambda passage, statement: support(statement, passage))
        self.history: list[list[Message]] = []
        self.judged: list[tuple[str, str]] = []

    @classmethod
    def from_settings(cls, settings: Settings) -> FakeLLM:
        return cls()

    def stream(self, messages: list[Message], *, max_tokens: int, temperature: float) -> Iterator[str]:
        self.history.append(list(messages))
        reply = self.responses.pop(0) if self.responses else _echo(messages[-1].content)
        for i, piece in enumerate(re.findall(r"\S+\s*", reply)[:max_tokens]):
            if self.error_on_chunk is not None and i == self.error_on_chunk:
                raise BackendUnavailable("The fake model failed mid-stream (as asked).")
            yield piece

    def p_yes(self, messages: list[Message], shared: str = "") -> float | None:
        match = _JUDGED.search(messages[-1].content)
        if match is None:
            return None
        passage, statement = match.group(1), match.group(2)
        self.judged.append((passage, statement))
        return self.judgement(passage, statement)


def _echo(prompt: str) -> str:
    """The first statement of passage [1] (its question skipped), cited: a faithful tiny answer."""
    match = re.search(r"^\[1\] (.*?)(?:\n\n\[2\]|\n\nQuestion:)", prompt, re.S | re.M)
    if not match:
        return "The article does not cover this."
    body = plain_for_quote(match.group(1))
    statements = [s for s in re.split(r"(?<=[.!?])\s+", body) if s and not s.endswith("?")]
    return f"{statements[0].rstrip('.')} [1]." if statements else "The article does not cover this."
