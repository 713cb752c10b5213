"""The OpenAI-compatible `/v1` endpoints, served on the chat UI's own port by Gradio's ASGI app.

`POST /v1/chat/completions` answers through the same `Bot` and answer queue as the UI; `GET /v1/models`
lists the one model id. Each answer runs on its own thread, and a client that goes away stops it at the
next token. Streams carry only checked text: the draft is held back, since the checks may remove part
of it, and the checked answer follows in pieces with the citations in the last chunk.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from bot.core import Bot
from bot.types import Answer, Status
from common.errors import BackendUnavailable, BotError
from common.settings import Settings
from ui import openai_shape as shape
from ui.openai_shape import ChatRequest, RequestError
from ui.slots import AnswerSlots, QueueFull

log = logging.getLogger("api")

MAX_BODY = 1_000_000  # bytes of one request; a question is cut far below this anyway
KEEP_ALIVE = 1.0  # seconds between SSE comments while the answer is checked (they also reveal a gone client)
_DONE = object()


def routes(bot: Bot, slots: AnswerSlots, settings: Settings) -> list[Route]:
    """The `/v1` routes over `bot`, sharing `slots` with the UI."""
    api = _Api(bot, slots, settings, int(time.time()))
    return [
        Route("/v1/models", api.models, methods=["GET"]),
        Route("/v1/models/{model:path}", api.model, methods=["GET"]),
        Route("/v1/chat/completions", api.completions, methods=["POST"]),
    ]


def _error(status: int, message: str, kind: str = "invalid_request_error", code: str | None = None) -> JSONResponse:
    headers = {"Retry-After": "2"} if status == 429 else None
    return JSONResponse(shape.error(message, kind, code), status_code=status, headers=headers)


class _Api:
    def __init__(self, bot: Bot, slots: AnswerSlots, settings: Settings, created: int) -> None:
        self.bot, self.slots, self.settings, self.created = bot, slots, settings, created

    def _closed(self, request: Request) -> JSONResponse | None:
        """The refusal for a caller without the key, or for everyone while the UI has auth and no key is set."""
        key = self.settings.api_key
        if key is None:
            if self.settings.auth_user is None:
                return None
            return _error(
                403, "The API is closed while the UI needs a login; set BOT_API_KEY to open it.", "permission_error"
            )
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and secrets.compare_digest(token.strip().encode(), key.encode()):
            return None
        return _error(
            401, "Missing or wrong API key: send 'Authorization: Bearer <BOT_API_KEY>'.", code="invalid_api_key"
        )

    async def models(self, request: Request) -> Response:
        return self._closed(request) or JSONResponse(shape.models(self.created))

    async def model(self, request: Request) -> Response:
        if closed := self._closed(request):
            return closed
        name = request.path_params["model"]
        if name != shape.MODEL_ID:
            return _error(
                404, f"The model {name[:80]!r} does not exist; this server has 'dlqa'.", code="model_not_found"
            )
        return JSONResponse(shape.model(self.created))

    async def completions(self, request: Request) -> Response:
        if closed := self._closed(request):
            return closed
        try:
            asked = shape.read_request(await _json(request))
            self.slots.enter()
        except RequestError as e:
            return _error(e.status, str(e), e.kind, e.code)
        except QueueFull as e:
            return _error(429, f"Too many questions at once: {e}", "rate_limit_error", "queue_full")
        stop = threading.Event()
        items = _answer(self.bot, self.slots, asked, stop)
        if asked.stream:
            return StreamingResponse(self._events(items, asked), media_type="text/event-stream")
        return await self._whole(request, items, asked, stop)

    async def _whole(
        self, request: Request, items: AsyncIterator[Any], asked: ChatRequest, stop: threading.Event
    ) -> Response:
        """The answer as one JSON reply; a client that disconnects while it waits stops the generation."""

        async def final() -> Answer:
            async for item in items:
                if isinstance(item, Answer):
                    return item
            raise BackendUnavailable("The answer ended without a reply.")

        task = asyncio.ensure_future(final())
        while not task.done():
            await asyncio.wait({task}, timeout=0.25)
            if not task.done() and await request.is_disconnected():
                stop.set()
                task.cancel()
                return Response(status_code=499)
        try:
            answer = task.result()
        except BotError as e:
            return _failure(e)
        return JSONResponse(shape.completion(answer, shape.new_id(), self._usage(asked, answer)))

    async def _events(self, items: AsyncIterator[Any], asked: ChatRequest) -> AsyncIterator[str]:
        """Server-sent events: the role first, keep-alive comments while the answer is checked, then the
        checked text in pieces, the citations with `finish_reason`, usage when asked, and `[DONE]`."""
        completion_id = shape.new_id()
        yield _event(shape.chunk(completion_id, {"role": "assistant", "content": ""}))
        try:
            async for item in items:
                if item is None:
                    yield ": keep-alive\n\n"
                elif isinstance(item, Status):
                    yield f": {item.text}\n\n"
                elif isinstance(item, Answer):
                    for piece in shape.pieces(shape.content(item)):
                        yield _event(shape.chunk(completion_id, {"content": piece}))
                    yield _event(shape.chunk(completion_id, {}, "stop", **shape.extras(item)))
                    if asked.include_usage:
                        yield _event(shape.usage_chunk(completion_id, self._usage(asked, item)))
        except BotError as e:
            kind, line = _failure_kind(e)
            yield _event(shape.error(line, kind))
        yield "data: [DONE]\n\n"

    def _usage(self, asked: ChatRequest, answer: Answer) -> dict[str, int]:
        """Tokens of what the client sent and of what it got back, in the answer model's tokenizer."""
        count = self.bot.llm.count_tokens
        sent = "\n".join([*(f"{q}\n{a}" for q, a in asked.history), asked.question])
        return shape.usage(count(sent), count(shape.content(answer)))


async def _json(request: Request) -> object:
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > MAX_BODY:
            raise RequestError(f"The request is over {MAX_BODY // 1000} kB.", 413, code="too_large")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise RequestError(f"The body is not valid JSON ({e}).", code="invalid_json") from e


def _answer(bot: Bot, slots: AnswerSlots, asked: ChatRequest, stop: threading.Event) -> AsyncIterator[Any]:
    """`bot.stream` run on its own thread once a turn is free (started now, so the turn taken by
    `slots.enter` is given back even if nobody reads): its items as they come, None every `KEEP_ALIVE`
    seconds of quiet. Leaving early (a client gone) sets `stop`, which closes the stream."""
    loop = asyncio.get_running_loop()
    items: asyncio.Queue[Any] = asyncio.Queue()

    def put(item: Any) -> None:
        try:
            loop.call_soon_threadsafe(items.put_nowait, item)
        except RuntimeError:  # the server's loop has closed: nobody is listening
            stop.set()

    def work() -> None:
        try:
            if not slots.wait(stop.is_set):
                return
            try:
                stream = bot.stream(asked.question, asked.history)
                for item in stream:
                    if stop.is_set():
                        break
                    put(item)
                stream.close()
            finally:
                slots.leave()
        except Exception as e:
            put(e)
        finally:
            put(_DONE)

    threading.Thread(target=work, name="api-answer", daemon=True).start()
    return _drain(items, stop)


async def _drain(items: asyncio.Queue[Any], stop: threading.Event) -> AsyncIterator[Any]:
    try:
        while True:
            try:
                item = await asyncio.wait_for(items.get(), KEEP_ALIVE)
            except TimeoutError:
                yield None
                continue
            if item is _DONE:
                return
            if isinstance(item, Exception):
                raise item if isinstance(item, BotError) else BackendUnavailable(_unexpected(item))
            yield item
    finally:
        stop.set()


def _unexpected(error: Exception) -> str:
    log.error("answering failed", exc_info=error)
    return f"Answering failed ({type(error).__name__}); the server log has the details."


def _failure_kind(error: BotError) -> tuple[str, str]:
    return ("server_error" if isinstance(error, BackendUnavailable) else "invalid_request_error"), str(error)


def _failure(error: BotError) -> JSONResponse:
    kind, line = _failure_kind(error)
    return _error(503 if kind == "server_error" else 400, line, kind)


def _event(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"
