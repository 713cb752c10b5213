"""OpenAI's chat-completions wire format, in and out: a request read into a `ChatRequest`, an `Answer`
written as a completion, as stream chunks, and errors as OpenAI's error JSON.

Pure functions, so the shapes are tested without a server. The citations sit beside `choices` as in
Perplexity's API (`citations`, plus this bot's `outcome`), and the content ends with a short sources list
for clients that show only the message.
"""

from __future__ import annotations

import itertools
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from bot.rewrite import History
from bot.types import Answer

MODEL_ID = "dlqa"
SOURCES = "\n\nSources:\n"
_ROLES = {"system", "developer", "user", "assistant", "tool", "function"}
_PIECE = re.compile(r"\S+\s*|\s+")


class RequestError(ValueError):
    """A request this API cannot serve; `status`, `kind` and `code` go into OpenAI's error JSON."""

    def __init__(self, message: str, status: int = 400, kind: str = "invalid_request_error", code: str | None = None):
        super().__init__(message)
        self.status, self.kind, self.code = status, kind, code


@dataclass(frozen=True)
class ChatRequest:
    """What a completion request asks: the last user message as the question, earlier turns as history."""

    question: str
    history: History
    stream: bool = False
    include_usage: bool = False


def read_request(body: object) -> ChatRequest:
    """The question, history and stream options of a decoded request body.

    Sampling fields (`temperature`, `max_tokens`, ...) are ignored: the bot's settings decide, so the
    API gives the same checked answer as `Bot.ask`.

    Raises:
        RequestError: not an object, an unknown model, no user message, or a malformed message.
    """
    if not isinstance(body, dict):
        raise RequestError("Expected a JSON object with `model` and `messages`.")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise RequestError("Missing `model`: use 'dlqa' (GET /v1/models lists it).", code="missing_model")
    if model != MODEL_ID:
        raise RequestError(
            f"The model {model[:80]!r} does not exist; this server has {MODEL_ID!r}.", 404, code="model_not_found"
        )
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise RequestError("Expected `messages` as a non-empty list of {role, content}.", code="invalid_messages")
    turns = [_turn(i, m) for i, m in enumerate(messages)]
    talk = [(role, text) for role, text in turns if role in ("user", "assistant")]
    if not talk or talk[-1][0] != "user":
        raise RequestError("The last message must be the user's question.", code="no_user_message")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise RequestError("Expected `stream` as true or false.", code="invalid_stream")
    options = body.get("stream_options") or {}
    include_usage = bool(options.get("include_usage")) if isinstance(options, dict) else False
    return ChatRequest(talk[-1][1], _pairs(talk[:-1]), stream, include_usage)


def _turn(i: int, message: object) -> tuple[str, str]:
    if not isinstance(message, dict) or message.get("role") not in _ROLES:
        raise RequestError(f"messages[{i}]: expected an object with a role (user, assistant or system).")
    content = message.get("content")
    if content is None or isinstance(content, str):
        return message["role"], content or ""
    if isinstance(content, list) and all(_is_text(part) for part in content):
        return message["role"], "\n".join(part["text"] for part in content)
    raise RequestError(f"messages[{i}]: expected `content` as text or a list of text parts (no images or files).")


def _is_text(part: object) -> bool:
    return isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str)


def _pairs(talk: list[tuple[str, str]]) -> History:
    """Earlier (question, reply) pairs; a reply's sources list is left out, as the UI keeps only the answer."""
    pairs: History = []
    for (role, text), (next_role, reply) in itertools.pairwise(talk):
        if role == "user" and next_role == "assistant":
            pairs.append((text, reply.split(SOURCES)[0]))
    return pairs


def content(answer: Answer) -> str:
    """The message text: the notice (a cut question), the checked answer, then its sources list."""
    head = f"({answer.notice})\n\n" if answer.notice else ""
    sources = [f"[{c.n}] {c.passage.question or c.passage.section} ({c.passage.where})" for c in answer.citations]
    return head + answer.text + (SOURCES + "\n".join(sources) if sources else "")


def extras(answer: Answer) -> dict[str, Any]:
    """The fields beside `choices`: every citation with its passage, and what the user got."""
    return {"citations": [c.to_dict() for c in answer.citations], "outcome": answer.outcome, "notice": answer.notice}


def usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def new_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def completion(answer: Answer, completion_id: str, tokens: dict[str, int]) -> dict[str, Any]:
    """The whole reply of a non-streamed request."""
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL_ID,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content(answer)}, "finish_reason": "stop"}
        ],
        "usage": tokens,
        **extras(answer),
    }


def chunk(completion_id: str, delta: dict[str, Any], finish: str | None = None, **fields: Any) -> dict[str, Any]:
    """One streamed chunk; the last one carries `finish_reason` and the citations."""
    return {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": MODEL_ID,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **fields,
    }


def usage_chunk(completion_id: str, tokens: dict[str, int]) -> dict[str, Any]:
    """The extra last chunk `stream_options.include_usage` asks for: no choices, only `usage`."""
    return {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": MODEL_ID,
        "choices": [],
        "usage": tokens,
    }


def pieces(text: str) -> list[str]:
    """The content in word-sized pieces for the stream; joined they are `text` exactly."""
    return _PIECE.findall(text)


def error(message: str, kind: str = "invalid_request_error", code: str | None = None) -> dict[str, Any]:
    """OpenAI's error body: one clear line in `message`."""
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def models(created: int) -> dict[str, Any]:
    """`GET /v1/models`: the one model id this server answers as."""
    return {"object": "list", "data": [model(created)]}


def model(created: int) -> dict[str, Any]:
    return {"id": MODEL_ID, "object": "model", "created": created, "owned_by": "dlqa"}
