"""Build the chat messages: a fixed system prompt first (so its KV cache is reused), then the
numbered passages and the question. Templates are package files, one folder per model family
(`bot/prompts/<family>/`), so a prompt change is a diff; an unknown family gets the Qwen prompt."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from bot.policy import PASSAGES
from bot.types import Passage
from common.text import plain_for_prompt

MAX_PASSAGE_WORDS = 120


@dataclass(frozen=True)
class Message:
    """One chat turn as the backends take it."""

    role: Literal["system", "user", "assistant"]
    content: str


FAMILIES = ("qwen", "smollm2")


@cache
def template(name: str, family: str = "qwen") -> str:
    folder = family if family in FAMILIES else "qwen"
    return resources.files("bot").joinpath("prompts", folder, f"{name}.txt").read_text(encoding="utf-8")


def build_messages(question: str, passages: list[Passage], family: str = "qwen") -> list[Message]:
    """System prompt, then one user turn holding `[n]`-numbered passages and the question."""
    numbered = "\n\n".join(
        template("passage", family)
        .format(
            n=n,
            text=_clip(plain_for_prompt(p.text)),
            title=_title(plain_for_prompt(p.question)),
            answer=_clip(plain_for_prompt(p.answer)),
        )
        .strip()
        for n, p in enumerate(passages, start=1)
    )
    user = template("user", family).format(passages=numbered, question=question)
    return [Message("system", template("system", family).strip()), Message("user", user.strip())]


def judge_messages(passage_text: str, sentence: str, family: str = "qwen") -> list[Message]:
    """The self-check: the passage first (a prefix the cache can keep), then the statement to judge."""
    user = template("judge", family).format(passage=_clip(plain_for_prompt(passage_text)), statement=sentence)
    return [Message("user", user.strip())]


def passages_shown(family: str, setting: int | None) -> int:
    """How many passages the prompt shows: the setting when given, else the family's own number."""
    return setting or PASSAGES.get(family, PASSAGES["qwen"])


def _title(question: str) -> str:
    """A passage's question as the lead of its text, "Dying ReLU problem: ", "What is dropout? "; none without one."""
    if not question:
        return ""
    return f"{question} " if question.endswith(("?", ":", ".")) else f"{question}: "


def _clip(text: str) -> str:
    words = text.split(" ")
    return text if len(words) <= MAX_PASSAGE_WORDS else " ".join(words[:MAX_PASSAGE_WORDS]) + " ..."
