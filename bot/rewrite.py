"""Rewrite a follow-up ("and how do I fix it?") into a standalone question before retrieval.

Rule-based on purpose: the default model is too small to rewrite reliably, and a rule is
deterministic and testable. The topic of the last user turn replaces a follow-up's first pronoun, or else
leads it: "L1 vs L2: which one ...?", "batch normalization at inference time?". It leads rather than
follows in brackets, which the 0.5B echoed into its answers.
"""

from __future__ import annotations

import re

from common.text import content_tokens, fold

History = list[tuple[str, str]]
MOST_TOPIC_CHARS = 300  # a history turn is read up to here: a topic is a few words, and the regexes stay linear
_PRONOUN = re.compile(r"\b(it|its|this|that|these|those|they|them|their)\b", re.I)
_CHOICE = re.compile(r"\b(which|what)\s+one\b|\bwhich\s+of\s+the\s+two\b|\bthe\s+(former|latter)\b", re.I)
_PREPOSITION = re.compile(r"(at|in|on|for|during|with|without|after|before)\b", re.I)
_LEAD = re.compile(r"^\s*(and|but|so|also|then|ok|okay|what about|how about)\b[\s,]*", re.I)
_QUESTION_WORD = r"(what|what['\u2019]s|how|why|when|where|which|who)"
_AUXILIARY = r"(is|are|does|do|can|could|should|would|might|will)(n['\u2019]t|\s+not)?"
_QUESTION_HEAD = re.compile(
    rf"^\s*{_QUESTION_WORD}\s+({_AUXILIARY}\s+)?((i|we|you)\s+\w+\s+(by\s+|with\s+)?)?((a|an|the)\s+)?"
    r"|^\s*((can|could)\s+you\s+)?(explain|describe|tell\s+me\s+about)\s+(the\s+)?",
    re.I,
)
# What a question asks of a thing rather than the thing: "what could make <it> ...", "which is better, <A or B>"
# (after the question words are gone, the thing is what follows), "what happens if <it> is high" (the subject).
_ASKS_OF = re.compile(r"^(make|makes|cause|causes|lead\s+to|leads\s+to|happens\s+(in|during|at|to)|\w+er\s*,)\s+", re.I)
_HAPPENS = re.compile(r"^happens\s+(if|when)\s+(?P<thing>.+?)\s+(is|are|gets|get)\s+(too\s+|very\s+)?\w+$", re.I)
_TAIL_QUESTION = re.compile(
    rf"\s+and\s+({_QUESTION_WORD}|is|are|does|do|can|should)\b.*$"
    r"|\s+(differs?|compared?)\s+(from|to|with)\b.*$|\s+(work|help|matter|happen|occur|differ|mean)s?$|\s+do$"
    r"|\s+(used|trained|computed|calculated|applied|chosen|defined)(\s+for)?$|\s+good\s+for$",
    re.I,
)
_DASHES = " :-\u2013\u2014"
_LABEL = re.compile(rf"^(?P<label>[^:]+?)\s*(\s[-\u2013\u2014]|:)\s+{_QUESTION_WORD}\b", re.I)


def standalone(question: str, history: History | None) -> str:
    """`question` made self-contained with the topic the conversation is on: that of the last user turn that
    named one ("how is it trained?" after "What is a GAN?" is about GANs, and so is a "why?" after it)."""
    topic = None
    for user, _ in history or []:
        if user.strip():
            topic = _topic_after(fold(user)[:MOST_TOPIC_CHARS], topic)
    return _rewrite(question.strip(), topic)


def topic_of(question: str) -> str:
    """'What is the dying ReLU problem?' -> 'dying ReLU problem' (a leading article goes with the question words).

    A label before a question ("dropout - what is it and why is it useful?") is the topic, and a second
    question joined by "and" ("... and why is it useful?") or a closing verb ("work", "trained") is not part of it.
    """
    question = fold(question)[:MOST_TOPIC_CHARS]
    label = _LABEL.match(question)
    if label and content_tokens(label["label"]):
        context = label["label"].strip()
        if _PREPOSITION.match(context):  # "In CNNs: what is pooling?" is about pooling, in CNNs
            asked = topic_of(question[label.end("label") :].lstrip(_DASHES))
            return f"{asked} {context[0].lower()}{context[1:]}"
        return context
    text = _ASKS_OF.sub("", _QUESTION_HEAD.sub("", question).rstrip("?.! "))
    while (shorter := _TAIL_QUESTION.sub("", text)) != text:
        text = shorter
    if happens := _HAPPENS.match(text):
        text = happens["thing"]
    return text if text else question


def _topic_after(turn: str, topic: str | None) -> str:
    """The topic after `turn`: its own, or for a follow-up the one it was rewritten with ("what are its types?"
    after autoencoders is about autoencoder types; "and at inference time?" stays on batch normalization)."""
    if topic is None or not _is_follow_up(turn):
        return topic_of(turn)
    return topic_of(_rewrite(turn, topic)) if _replaced(_LEAD.sub("", turn).strip()) else topic


def _rewrite(question: str, topic: str | None) -> str:
    """A follow-up with `topic` in place of its first pronoun, or leading it; any other question as it is."""
    if topic is None or not _is_follow_up(question):
        return question
    body = _LEAD.sub("", question).strip()
    if pronoun := _replaced(body):
        return f"{body[: pronoun.start()]}{topic}{body[pronoun.end() :]}"
    if not body.strip("?.!, "):
        return f"{topic}?"  # "and?", "ok"
    if _PREPOSITION.match(body):
        return f"{topic} {body}"
    return f"{topic}: {body}"


def _replaced(body: str) -> re.Match[str] | None:
    """The pronoun of a follow-up's `body` that the topic takes the place of; none where it picks among the
    topic's things ("which one ...?"), which the topic leads instead."""
    return None if _CHOICE.search(body) else _pronoun(body)


def _pronoun(text: str) -> re.Match[str] | None:
    """The first pronoun of `text`; a "that" right after a noun opens a relative clause ("the function that
    outputs zero") and is none."""
    for match in _PRONOUN.finditer(text):
        before = text[: match.start()].split()
        if match[0].lower() == "that" and before and content_tokens(before[-1]):
            continue
        return match
    return None


def _is_follow_up(question: str) -> bool:
    return (
        bool(_LEAD.match(question))
        or _pronoun(question) is not None
        or bool(_CHOICE.search(question))
        or not content_tokens(question)
    )
