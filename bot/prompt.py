"""Build the chat messages: a fixed system prompt first (so its KV cache is reused), then the
numbered passages and the question. Templates are package files, one folder per model family
(`bot/prompts/<family>/`), so a prompt change is a diff; an unknown family gets the Qwen prompt."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from bot.policy import GROUNDING, PASSAGES, RETRIEVAL
from bot.types import Passage
from common.text import plain_for_prompt

MAX_PASSAGE_WORDS = 120


@dataclass(frozen=True)
class Message:
    """One chat turn as the backends take it."""

    role: Literal["system", "user", "assistant"]
    content: str


FAMILIES = ("qwen", "smollm2")
_TWO_PART = re.compile(
    r"\b(?:vs\.?|versus|differen\w*|compar\w*|both|each)\b|\b\w+\s*(?:/|\band\b|\bor\b)\s*\w+\s+(?:differ|compare)",
    re.I,
)


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
    """The judge's question: the passage first (a prefix the cache can keep), then the statement to judge."""
    head, tail = _judge_parts(passage_text, family)
    return [Message("user", f"{head}{sentence}{tail}".strip())]


def judge_prefix(passage_text: str, family: str = "qwen") -> str:
    """The start of the judge's question that every sentence about this passage shares (its cacheable part)."""
    return _judge_parts(passage_text, family)[0].lstrip()


def _judge_parts(passage_text: str, family: str) -> tuple[str, str]:
    """The judge's template around the statement, the (clipped) passage filled in."""
    head, tail = template("judge", family).split("{statement}")
    return head.format(passage=_clip(plain_for_prompt(passage_text), GROUNDING.judge_words)), tail


def passages_shown(family: str, setting: int | None, question: str = "", cosines: Sequence[float] = ()) -> int:
    """How many passages the prompt shows: the setting when given, else the family's own number, and one
    more when the question names two things ("sigmoid vs tanh", "L1 and L2") or the runner-up entry is
    nearly as close as the first (`RETRIEVAL.runner_up_gap`), so a two-part question gets both halves."""
    if setting:
        return setting
    n = PASSAGES.get(family, PASSAGES["qwen"])
    close = len(cosines) > 1 and cosines[0] - cosines[1] <= RETRIEVAL.runner_up_gap
    return n + 1 if n < 2 and (close or _TWO_PART.search(question)) else n


def _title(question: str) -> str:
    """A passage's question as the lead of its text, "Dying ReLU problem: ", "What is dropout? "; none without one."""
    if not question:
        return ""
    return f"{question} " if question.endswith(("?", ":", ".")) else f"{question}: "


def _clip(text: str, most: int = MAX_PASSAGE_WORDS) -> str:
    words = text.split(" ")
    return text if len(words) <= most else " ".join(words[:most]) + " ..."
