"""The chat UI: `python app.py` serves it on `BOT_HOST:BOT_PORT` (127.0.0.1:7860 by default).

`create_app(bot)` builds the Gradio Blocks from a ready `Bot` (tests pass one with fake models),
`launch(demo, settings, routes)` serves it, `serve(bot)` serves it with the OpenAI-compatible `/v1`
routes of `ui.openai_routes` on the same port and answer queue, and `main()` ties it to `Settings()`. What the chat
and the sources panel show is made by the pure functions of `ui.render`; this module holds the
chat's event functions and the Gradio wiring. Deliberately not handled: chat history across
reloads, user accounts beyond one basic-auth pair, and file uploads (none are accepted or served).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from starlette.routing import BaseRoute

from bot.core import Bot, clean_question
from bot.feedback import Feedback, FeedbackLog, Vote
from bot.types import Answer, Status
from common import heap
from common.errors import BotError
from common.settings import Settings
from ui import openai_routes
from ui.render import (
    CSS,
    JS,
    escape_text,
    render_answer,
    render_draft,
    render_error,
    render_status,
    sources_html,
    status_line,
)
from ui.slots import AnswerSlots

try:
    import gradio as gr
except ModuleNotFoundError as e:  # pragma: no cover - gradio is a core dependency
    raise ModuleNotFoundError("The UI needs gradio: pip install -e .") from e

log = logging.getLogger("app")

TITLE = "Deep-learning Q&A"
EXAMPLES = [
    "What is the dying ReLU problem?",
    "Why does my loss become NaN during training?",
    "How does dropout prevent overfitting?",
    "What is AdamW and why is it preferred over Adam?",
    "What are residual connections?",
]
EMPTY_INPUT = "Please type a question about deep learning."
SHOWN_QUESTION_CHARS = 500  # a long question is shown cut in the chat; the bot gets its full limit


# ---- the chat: plain functions the Gradio events call ---------------------------------------


@dataclass(frozen=True)
class Turn:
    """One answered question of a session; `message` is the index of its reply in the chat."""

    question: str
    answer: Answer | None  # None when answering failed; `reply` then holds the error line
    message: int
    reply: str = ""


def accept(question: str | None, chat: list[dict], limit: int) -> tuple[str, list[dict], str]:
    """Show a typed question in the chat at once and clear the box; an empty one is refused.

    Returns the new box value, the chat, and the question for `reply`.
    Raises:
        gr.Error: the question is empty (shown to the user as a toast).
    """
    text, _ = clean_question(question or "", limit)
    if not text:
        raise gr.Error(EMPTY_INPUT, title="Empty question")
    shown = text if len(text) <= SHOWN_QUESTION_CHARS else text[:SHOWN_QUESTION_CHARS] + " …"
    return "", [*chat, {"role": "user", "content": escape_text(shown)}], question or ""


def reply(
    bot: Bot, question: str, chat: list[dict], turns: list[Turn], options: dict[str, Any], show_scores: bool = False
) -> Iterator[tuple[Any, Any, Any]]:
    """Stream the answer into the chat: (chat, turns, sources) after each piece, then the final.

    A `Status` ("looking up …") shows in the message until the draft's first piece replaces it;
    the draft grows there, and the checked answer replaces it in place in the last update. Any
    failure becomes one line in the chat, so the app stays up.
    """
    number = len(turns)

    def with_reply(content: str) -> list[dict]:
        return [*chat, {"role": "assistant", "content": content}]  # a new list per update

    yield with_reply(render_draft("")), gr.skip(), gr.skip()
    history = [(t.question, t.answer.text) for t in turns if t.answer is not None]
    draft = ""
    try:
        changed = {k: v for k, v in options.items() if getattr(bot.settings, k) != v}
        for item in bot.with_options(**changed).stream(question, history):
            if isinstance(item, Answer):
                turn = Turn(question, item, len(chat))
                yield (
                    with_reply(render_answer(item, number)),
                    [*turns, turn],
                    sources_html(item, number, show_scores=show_scores),
                )
                return
            if isinstance(item, Status):
                yield with_reply(render_status(item.text)), gr.skip(), gr.skip()
                continue
            draft += item
            yield with_reply(render_draft(draft)), gr.skip(), gr.skip()
    except Exception as e:  # the UI boundary: one line in the chat, never a traceback
        if not isinstance(e, BotError):
            log.exception("answering %r failed", question[:200])
        line = render_error(e)
        yield with_reply(line), [*turns, Turn(question, None, len(chat), line)], gr.skip()


def vote(feedback: FeedbackLog, turns: list[Turn], index: int, liked: bool | str) -> Feedback | None:
    """Log a like (True), dislike (False) or a withdrawn vote on the reply at chat `index`."""
    turn = next((t for t in turns if t.message == index), None)
    if turn is None:
        return None
    choice: Vote = {True: "like", False: "dislike", "Like": "like", "Dislike": "dislike"}.get(liked, "retracted")
    if turn.answer is None:
        record = Feedback.failed(turn.question, turn.reply, choice)
    else:
        record = Feedback.on(turn.answer, choice, question=turn.question)
    feedback.append(record)
    return record


def turn_sources(turns: list[Turn], index: int, show_scores: bool) -> str | None:
    """The sources panel for the turn whose question or reply is at chat `index`."""
    for number, t in enumerate(turns):
        if index in (t.message - 1, t.message) and t.answer is not None:
            return sources_html(t.answer, number, show_scores=show_scores)
    return None


def _index(data: gr.EventData) -> int:
    index = data.index
    return index if isinstance(index, int) else index[0]


def create_app(bot: Bot, slots: AnswerSlots | None = None) -> gr.Blocks:
    """The chat UI over `bot`; each answer takes a turn of `slots` (shared with the API when given).

    Builds components only: nothing is served until `launch`. The model is loaded here (for
    the status line), so the first question does not wait for it.
    """
    settings = bot.settings
    slots = slots or AnswerSlots(settings.concurrency_limit, settings.queue_size)
    feedback = FeedbackLog.in_dir(settings.data_dir)
    status = status_line(bot)

    def on_submit(question: str, chat: list[dict]) -> tuple[str, list[dict], str]:
        return accept(question, chat, settings.max_question_chars)

    def on_answer(question, chat, turns, top_k, temperature, max_tokens, show_scores):
        options = {"top_k": int(top_k), "temperature": float(temperature), "max_tokens": int(max_tokens)}
        with slots.turn():
            yield from reply(bot, question, chat, turns, options, show_scores)

    def on_example(data: gr.SelectData) -> str:
        return data.value["text"]

    def on_select(turns: list[Turn], show_scores: bool, data: gr.SelectData) -> Any:
        html_ = turn_sources(turns, _index(data), show_scores)
        return gr.skip() if html_ is None else html_

    def on_scores(turns: list[Turn], show_scores: bool) -> Any:
        html_ = turn_sources(turns, turns[-1].message, show_scores) if turns else None
        return gr.skip() if html_ is None else html_

    def on_like(turns: list[Turn], data: gr.LikeData) -> None:
        try:
            vote(feedback, turns, _index(data), data.liked)
        except OSError as e:
            log.warning("could not write %s: %s", feedback.path, e)
            gr.Warning(f"Your vote could not be saved ({e.strerror or type(e).__name__}).")

    def ask(question: str, history: list[list[str]] | None = None) -> dict:
        """Answer a question about the article: `Answer.to_dict()` (text, grounding, citations ...).

        `history` holds earlier [question, answer] pairs, for follow-up questions.
        """
        try:
            pairs = [(str(q), str(a)) for q, a in (history or [])]
        except (TypeError, ValueError) as e:
            raise gr.Error("Expected history as a list of [question, answer] pairs.") from e
        try:
            with slots.turn():
                return bot.ask(question, pairs).to_dict()
        except BotError as e:
            raise gr.Error(str(e)) from e

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.Markdown(f"## {TITLE}\nAnswers come from one article, with numbered citations to its passages.")
        gr.Markdown(status, elem_id="status")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chat = gr.Chatbot(
                    elem_id="chat",
                    height=560,
                    show_label=False,
                    examples=[{"text": q} for q in EXAMPLES],
                    placeholder="**Ask a question about deep learning**, or start from an example:",
                    latex_delimiters=[],
                    buttons=["copy"],
                    feedback_options=("Like", "Dislike"),
                )
                with gr.Row():
                    box = gr.Textbox(
                        placeholder="Ask about the article… (Enter to send)",
                        show_label=False,
                        scale=5,
                        elem_id="question",
                        autofocus=True,
                        max_lines=6,
                    )
                    send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
                    clear = gr.Button("Clear", scale=1, min_width=80)
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML(sources_html(None, 0), elem_id="sources")
        with gr.Accordion("Settings", open=False), gr.Row():
            top_k = gr.Slider(1, 20, value=settings.top_k, step=1, label="Passages retrieved (top-k)")
            temperature = gr.Slider(0.0, 2.0, value=settings.temperature, step=0.05, label="Temperature")
            max_tokens = gr.Slider(16, 1024, value=settings.max_tokens, step=8, label="Max answer tokens")
            show_scores = gr.Checkbox(False, label="Show retrieval scores")
        turns = gr.State([])
        pending = gr.State("")

        private: dict[str, Any] = {"api_visibility": "private"}
        answer_inputs = [pending, chat, turns, top_k, temperature, max_tokens, show_scores]
        answer_outputs = [chat, turns, sources]
        for trigger in (box.submit, send.click):
            trigger(on_submit, [box, chat], [box, chat, pending], queue=False, **private).success(
                on_answer, answer_inputs, answer_outputs, concurrency_id="answer", **private
            )
        chat.example_select(on_example, None, [box], queue=False, **private).then(
            on_submit, [box, chat], [box, chat, pending], queue=False, **private
        ).success(on_answer, answer_inputs, answer_outputs, concurrency_id="answer", **private)
        chat.select(on_select, [turns, show_scores], [sources], queue=False, **private)
        chat.like(on_like, [turns], None, queue=False, **private)
        show_scores.change(on_scores, [turns, show_scores], [sources], queue=False, **private)
        clear.click(lambda: ([], [], sources_html(None, 0)), None, [chat, turns, sources], queue=False, **private)
        chat.clear(lambda: ([], sources_html(None, 0)), None, [turns, sources], queue=False, **private)
        gr.api(ask, api_name="ask", concurrency_id="answer")
    demo.queue(default_concurrency_limit=settings.concurrency_limit)
    return demo


def launch(
    demo: gr.Blocks, settings: Settings, routes: Sequence[BaseRoute] = (), **options: Any
) -> tuple[Any, str, str]:
    """Serve `demo` on `settings.host:settings.port`, with basic auth when both fields are set
    (`Settings` accepts both or neither), and `routes` on the same ASGI app, ahead of Gradio's own.

    `options` go to `Blocks.launch` (tests pass `prevent_thread_lock=True`).
    """
    auth = (settings.auth_user, settings.auth_password) if settings.auth_user else None
    return demo.launch(
        server_name=settings.host,
        server_port=settings.port,
        auth=auth,
        share=False,
        ssr_mode=False,
        mcp_server=False,
        show_error=False,
        max_file_size="1mb",
        footer_links=["api"],
        css=CSS,
        js=JS,
        app_kwargs={"routes": list(routes)},
        **options,
    )


def serve(bot: Bot, settings: Settings | None = None, **options: Any) -> tuple[gr.Blocks, str]:
    """The chat UI and the OpenAI-compatible `/v1` API over `bot`, on one port and one answer queue.

    Returns the Blocks (to `close()`) and the URL. `settings` (host, port, auth) default to the bot's.
    """
    settings = settings or bot.settings
    slots = AnswerSlots(settings.concurrency_limit, settings.queue_size)
    demo = create_app(bot, slots)
    heap.freeze()
    _, url, _ = launch(demo, settings, openai_routes.routes(bot, slots, settings), **options)
    return demo, url


def main() -> int:
    """`python app.py`: load the bot from `BOT_*` settings and serve the chat until Ctrl+C."""
    heap.bound()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings()
        bot = Bot(settings)
        print(f"Serving on http://{settings.host}:{settings.port} (OpenAI-compatible API at /v1)", file=sys.stderr)
        serve(bot, settings, quiet=True)
    except ValidationError as e:
        problems = "; ".join(map(_problem, e.errors()))
        print(f"error: invalid settings: {problems}", file=sys.stderr)
        return 2
    except (BotError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


def _problem(error: Any) -> str:
    """One pydantic error as `BOT_FIELD: message`; a check across fields names its fields itself."""
    message = error["msg"].removeprefix("Value error, ")
    return f"BOT_{'_'.join(map(str, error['loc'])).upper()}: {message}" if error["loc"] else message


if __name__ == "__main__":
    sys.exit(main())
