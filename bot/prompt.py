"""Build the chat messages: a fixed system prompt first (so its KV cache is reused), then the
numbered passages and the question. Templates are package files, so a prompt change is a diff."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from bot.types import Passage
from common.text import plain_for_prompt

MAX_PASSAGE_WORDS = 120


@dataclass(frozen=True)
class Message:
    """One chat turn as the backends take it."""

    role: Literal["system", "user", "assistant"]
    content: str


@cache
def template(name: str) -> str:
    return resources.files("bot").joinpath("prompts", f"{name}.txt").read_text(encoding="utf-8")


def build_messages(question: str, passages: list[Passage]) -> list[Message]:
    """System prompt, then one user turn holding `[n]`-numbered passages and the question."""
    numbered = "\n\n".join(f"[{n}] {_clip(plain_for_prompt(p.text))}" for n, p in enumerate(passages, start=1))
    user = template("user").format(passages=numbered, question=question)
    return [Message("system", template("system").strip()), Message("user", user.strip())]


def _clip(text: str) -> str:
    words = text.split(" ")
    return text if len(words) <= MAX_PASSAGE_WORDS else " ".join(words[:MAX_PASSAGE_WORDS]) + " ..."
