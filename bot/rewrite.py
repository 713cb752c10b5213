"""Rewrite a follow-up ("and how do I fix it?") into a standalone question before retrieval.

Rule-based on purpose: the default model is too small to rewrite reliably, and a rule is
deterministic and testable. The topic of the last user turn replaces a follow-up's first pronoun, or else
leads it: "L1 vs L2: which one ...?", "batch normalization at inference time?". It leads rather than
follows in brackets, which the 0.5B echoed into its answers.
"""

from __future__ import annotations

import re

from common.text import content_tokens

History = list[tuple[str, str]]
_PRONOUN = re.compile(r"\b(it|its|this|that|these|those|they|them|their)\b", re.I)
_CHOICE = re.compile(r"\b(which|what)\s+one\b|\bwhich\s+of\s+the\s+two\b|\bthe\s+(former|latter)\b", re.I)
_PREPOSITION = re.compile(r"(at|in|on|for|during|with|without|after|before)\b", re.I)
_LEAD = re.compile(r"^\s*(and|but|so|also|then|ok|okay|what about|how about)\b[\s,]*", re.I)
_QUESTION_WORD = r"(what|what's|how|why|when|where|which|who)"
_QUESTION_HEAD = re.compile(
    rf"^\s*{_QUESTION_WORD}\s+((is|are|does|do|can|could|should|would)\s+)?((i|we|you)\s+\w+\s+(by\s+|with\s+)?)?((a|an|the)\s+)?"
    r"|^\s*((can|could)\s+you\s+)?(explain|describe|tell\s+me\s+about)\s+(the\s+)?",
    re.I,
)
_TAIL_QUESTION = re.compile(
    rf"\s+and\s+({_QUESTION_WORD}|is|are|does|do|can|should)\b.*$"
    r"|\s+(differs?|compared?)\s+(from|to|with)\b.*$|\s+(work|help|matter|happen|occur)s?$|\s+(used|trained|computed|calculated|applied|chosen|defined)(\s+for)?$",
    re.I,
)
_LABEL = re.compile(rf"^(?P<label>[^:]+?)\s*(\s[-\u2013\u2014]|:)\s+{_QUESTION_WORD}\b", re.I)


def standalone(question: str, history: History | None) -> str:
    """`question` made self-contained using the last user turn of `history`, itself made self-contained first
    ("how does it work?" after "What is dropout?" is about dropout, and so is a "why?" after it)."""
    previous = None
    for user, _ in history or []:
        if user.strip():
            previous = _rewrite(user, previous)
    return _rewrite(question, previous)


def _rewrite(question: str, previous: str | None) -> str:
    if previous is None or not _is_follow_up(question):
        return question.strip()
    topic = topic_of(previous)
    body = _LEAD.sub("", question).strip()
    if _PRONOUN.search(body) and not _CHOICE.search(body):
        return _PRONOUN.sub(topic, body, count=1)
    if _PREPOSITION.match(body):
        return f"{topic} {body}"
    return f"{topic}: {body}"


def topic_of(question: str) -> str:
    """'What is the dying ReLU problem?' -> 'dying ReLU problem' (a leading article goes with the question words).

    A label before a question ("dropout - what is it and why is it useful?") is the topic, and a second
    question joined by "and" ("... and why is it useful?") or a closing verb ("work", "trained") is not part of it.
    """
    label = _LABEL.match(question.strip())
    if label and content_tokens(label["label"]):
        return label["label"].strip()
    text = _TAIL_QUESTION.sub("", _QUESTION_HEAD.sub("", question.strip()).rstrip("?.! "))
    return text if text else question.strip()


def _is_follow_up(question: str) -> bool:
    return (
        bool(_LEAD.match(question))
        or bool(_PRONOUN.search(question))
        or bool(_CHOICE.search(question))
        or not content_tokens(question)
    )
