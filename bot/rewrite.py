"""Rewrite a follow-up ("and how do I fix it?") into a standalone question before retrieval.

Rule-based on purpose: the default model is too small to rewrite reliably, and a rule is
deterministic and testable. The topic of the last user turn leads a follow-up that picks among its things
("L1 vs L2: which one ...?"), replaces a leading pronoun, or is appended when the follow-up names no topic
of its own.
"""

from __future__ import annotations

import re

from common.text import content_tokens

History = list[tuple[str, str]]
_PRONOUN = re.compile(r"\b(it|its|this|that|these|those|they|them|their)\b", re.I)
_CHOICE = re.compile(r"\b(which|what)\s+one\b|\bwhich\s+of\s+the\s+two\b|\bthe\s+(former|latter)\b", re.I)
_LEAD = re.compile(r"^\s*(and|but|so|also|then|ok|okay|what about|how about)\b[\s,]*", re.I)
_QUESTION_HEAD = re.compile(
    r"^\s*(what|how|why|when|where|which|who)\s+((is|are|does|do|can|could|should|would)\s+)?((a|an|the)\s+)?|^\s*(explain|describe)\s+(the\s+)?",
    re.I,
)


def standalone(question: str, history: History | None) -> str:
    """`question` made self-contained using the last user turn of `history`."""
    if not history:
        return question.strip()
    previous = next((user for user, _ in reversed(history) if user.strip()), "")
    if not previous or not _is_follow_up(question):
        return question.strip()
    topic = topic_of(previous)
    body = _LEAD.sub("", question).strip()
    if _CHOICE.search(body):
        return f"{topic}: {body}"
    if _PRONOUN.search(body):
        return _PRONOUN.sub(topic, body, count=1)
    return f"{body.rstrip('?')} ({topic})?"


def topic_of(question: str) -> str:
    """'What is the dying ReLU problem?' -> 'dying ReLU problem' (a leading article goes with the question words)."""
    text = _QUESTION_HEAD.sub("", question.strip()).rstrip("?.! ")
    return text if text else question.strip()


def _is_follow_up(question: str) -> bool:
    return (
        bool(_LEAD.match(question))
        or bool(_PRONOUN.search(question))
        or bool(_CHOICE.search(question))
        or not content_tokens(question)
    )
